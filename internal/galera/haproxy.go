package galera

import (
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// dbProxyConfig is HAProxy in front of the nodes. Each node is checked over
// HTTP against its clustercheck every second and taken out after two
// failures (not Synced, or down), with its connections cut
// (on-marked-down shutdown-sessions) so that pools reconnect to a node
// that serves. Two ports: multi-writer spreads connections over every
// node; single-writer uses node 1 while it is up, the others as backups,
// and moves connections back to node 1 when it returns
// (on-marked-up shutdown-backup-sessions), so that there is only ever one
// writer.
const dbProxyConfig = `global
	maxconn 4000

defaults
	mode tcp
	timeout connect 2s
	# Pooled connections stay open and idle for minutes.
	timeout client 1h
	timeout server 1h
	timeout check 2s
	option httpchk GET /
	http-check expect status 200
	default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions

listen galera_multi_writer
	bind {{multi}}
	balance leastconn
{{multi_servers}}
listen galera_single_writer
	bind {{single}}
	balance first
	default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions
{{single_servers}}
listen stats
	mode http
	bind {{stats}}
	timeout client 10s
	stats enable
	stats uri /
	stats refresh 2s
`

// startProxy writes the HAProxy configuration and starts it.
func (c *Cluster) startProxy(ctx context.Context) error {
	var multi, single strings.Builder
	for i, n := range c.Nodes {
		fmt.Fprintf(&multi, "\tserver n%d %s check port %d\n", n.Index, n.Addr(), n.CheckPort)
		backup := ""
		if i > 0 {
			backup = " backup"
		}
		fmt.Fprintf(&single, "\tserver n%d %s check port %d%s\n", n.Index, n.Addr(), n.CheckPort, backup)
	}
	cfg := strings.NewReplacer("{{multi}}", c.MultiWriterAddr(), "{{single}}", c.SingleWriterAddr(),
		"{{stats}}", strings.TrimSuffix(strings.TrimPrefix(c.StatsURL(), "http://"), "/"),
		"{{multi_servers}}", multi.String(), "{{single_servers}}", single.String()).Replace(dbProxyConfig)
	p, err := startHAProxy(filepath.Join(c.Dir, "haproxy-db"), cfg)
	if err != nil {
		return err
	}
	c.proxy = p
	return waitTCP(ctx, c.MultiWriterAddr(), 10*time.Second)
}

// ProxyStates returns HAProxy's view of each node on a port ("multi" or
// "single"): UP, DOWN, or a transition such as "DOWN 1/2".
func (c *Cluster) ProxyStates(port string) (map[string]string, error) {
	resp, err := http.Get(c.StatsURL() + ";csv")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := csv.NewReader(resp.Body)
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	states := map[string]string{}
	for _, rec := range records {
		if len(rec) > 17 && rec[0] == "galera_"+port+"_writer" && rec[1] != "FRONTEND" && rec[1] != "BACKEND" {
			states[rec[1]] = rec[17]
		}
	}
	return states, nil
}

// httpBalancerConfig is HAProxy balancing HTTP over Rango instances, each
// checked on /readyz every second (out after two failures, back after
// two successes).
const httpBalancerConfig = `global
	maxconn 4000

defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout http-keep-alive 10s
	timeout check 2s
	# A connection refused (an instance restarting) goes to another.
	retries 2
	option redispatch
	# The instances trust 127.0.0.1's X-Forwarded-For (RANGO_TRUSTED_PROXIES)
	# and see each browser's address, which their per-address limits need.
	option forwardfor

listen rango
	bind {{addr}}
	balance roundrobin
	option httpchk GET /readyz
	http-check expect status 200
	default-server inter 1s fall 2 rise 2
{{servers}}`

// Balancer is an HAProxy balancing HTTP over Rango instances.
type Balancer struct {
	// Addr is where it listens.
	Addr string
	proc *proc
}

// StartBalancer starts HAProxy on addr in front of the Rango instances at
// backends; its files go into dir.
func StartBalancer(ctx context.Context, dir, addr string, backends []string) (*Balancer, error) {
	var servers strings.Builder
	for i, b := range backends {
		fmt.Fprintf(&servers, "\tserver rango%d %s check\n", i+1, b)
	}
	cfg := strings.NewReplacer("{{addr}}", addr, "{{servers}}", servers.String()).Replace(httpBalancerConfig)
	p, err := startHAProxy(dir, cfg)
	if err != nil {
		return nil, err
	}
	if err := waitTCP(ctx, addr, 10*time.Second); err != nil {
		p.kill()
		return nil, err
	}
	return &Balancer{Addr: addr, proc: p}, nil
}

// Close stops the balancer.
func (b *Balancer) Close() { b.proc.kill() }

// startHAProxy writes cfg into dir and runs HAProxy on it in the
// foreground (as the current user: it needs no rights of mysql's).
func startHAProxy(dir, cfg string) (*proc, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	if out, err := run(account{}, haproxyProgram, "-c", "-q", "-f", path); err != nil {
		return nil, fmt.Errorf("%w: %s", err, out)
	}
	return start(account{}, filepath.Join(dir, "haproxy.log"), haproxyProgram, "-db", "-f", path)
}

// waitTCP waits up to d for addr to accept connections.
func waitTCP(ctx context.Context, addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("galera: nothing listens on %s after %s: %w", addr, d, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
