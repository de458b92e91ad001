// Command cluster runs Rango on a MariaDB Galera cluster on this machine,
// without Docker, in the foreground until interrupted (Ctrl-C), then stops
// everything it started:
//
//	HTTP :8080 ─ HAProxy (HTTP, /readyz checks) ─┬─ rango 1 ─┐
//	                                             └─ rango 2 ─┤
//	            HAProxy (TCP, clustercheck) ─────────────────┘
//	              ├─ node 1   mariadbd + galera-4
//	              ├─ node 2   (rsync state transfers)
//	              └─ node 3
//
//	go run ./tools/cluster                      # 3 nodes, 2 instances, single-writer (one active node)
//	go run ./tools/cluster -writer multi        # connections spread over every node
//	go run ./tools/cluster -writer both         # both, side by side: multi on -http, single on -http-single
//	go run ./tools/cluster -kill 2 -after 30s   # kill node 2 after 30 s, rejoin it (IST) 20 s later
//
// It needs Debian's mariadb-server, galera-4, rsync and haproxy
// (apt-get install galera-4 rsync haproxy), and runs the nodes as the
// mysql user when run as root. Ports (-port-base B, 3400 by default): HTTP
// balancer -http; nodes' SQL B+11..; HAProxy for the database B+1
// (multi-writer), B+2 (single-writer), statistics http://127.0.0.1:B+3/;
// Rango instances B+61..; their metrics B+71... The data goes to -dir
// (removed at the start and the end unless -keep).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"rango/internal/galera"
)

type options struct {
	dir            string
	nodes          int
	instances      int
	portBase       int
	httpAddr       string
	httpSingle     string
	writer         string
	suspectTimeout time.Duration
	syncWait       int
	kill           int
	after          time.Duration
	rejoinAfter    time.Duration
	keep           bool
}

func main() {
	var o options
	flag.StringVar(&o.dir, "dir", filepath.Join(os.TempDir(), "rango-cluster"), "working directory for data, configuration and logs")
	flag.IntVar(&o.nodes, "nodes", 3, "Galera nodes")
	flag.IntVar(&o.instances, "instances", 2, "Rango instances")
	flag.IntVar(&o.portBase, "port-base", 3400, "first of the 100 ports used (see the command's doc)")
	flag.StringVar(&o.httpAddr, "http", "127.0.0.1:8080", "address of the HTTP load balancer")
	flag.StringVar(&o.httpSingle, "http-single", "127.0.0.1:8081", "address of the single-writer instances' balancer with -writer both")
	flag.StringVar(&o.writer, "writer", "single", "how HAProxy sends the instances' connections: multi (every Synced node), single (one node, the others backups), or both (-instances of each, behind two balancers)")
	flag.DurationVar(&o.suspectTimeout, "suspect-timeout", 2*time.Second, "Galera's evs.suspect_timeout: how long a dead node stalls commits (Galera's default is 5s)")
	flag.IntVar(&o.syncWait, "sync-wait", -1, "wsrep_sync_wait for the instances' connections; -1 leaves Rango's default (1: causal reads), 0 turns causal reads off (to measure their cost)")
	flag.IntVar(&o.kill, "kill", 0, "kill this node (1-based) once, -after after the start, and rejoin it")
	flag.DurationVar(&o.after, "after", 30*time.Second, "when to kill the -kill node")
	flag.DurationVar(&o.rejoinAfter, "rejoin-after", 20*time.Second, "how long the killed node stays down")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory afterwards")
	flag.Parse()
	if o.writer != "multi" && o.writer != "single" && o.writer != "both" {
		log.Fatalf("cluster: -writer must be multi, single or both, not %q", o.writer)
	}
	if total := o.instances * map[bool]int{true: 2, false: 1}[o.writer == "both"]; o.instances < 1 || total > 9 {
		log.Fatal("cluster: from 1 to 9 instances in all (their ports are B+61 to B+69)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(o.dir)
	}
	bin, err := build(o.dir)
	if err != nil {
		return err
	}
	cluster, err := galera.Start(ctx, galera.Options{Dir: filepath.Join(o.dir, "galera"), Nodes: o.nodes, PortBase: o.portBase,
		SuspectTimeout: o.suspectTimeout, Logf: log.Printf})
	if err != nil {
		return err
	}
	defer cluster.Close()
	tiers := []tier{{"multi", cluster.MultiWriterAddr(), o.httpAddr, nil}}
	switch o.writer {
	case "single":
		tiers = []tier{{"single", cluster.SingleWriterAddr(), o.httpAddr, nil}}
	case "both":
		tiers = append(tiers, tier{"single", cluster.SingleWriterAddr(), o.httpSingle, nil})
	}
	n := 0
	for t := range tiers {
		for range o.instances {
			n++
			addr := fmt.Sprintf("127.0.0.1:%d", o.portBase+60+n)
			metrics := fmt.Sprintf("127.0.0.1:%d", o.portBase+70+n)
			dsn := galera.DSN(tiers[t].db, "rango")
			if o.syncWait >= 0 {
				dsn += fmt.Sprintf("?wsrep_sync_wait=%d", o.syncWait)
			}
			inst, err := startInstance(o.dir, bin, n, addr, metrics, dsn)
			if err != nil {
				return err
			}
			defer inst.stop()
			tiers[t].backends = append(tiers[t].backends, addr)
		}
	}
	for _, t := range tiers {
		for _, b := range t.backends {
			if err := waitReady(ctx, "http://"+b+"/readyz", time.Minute); err != nil {
				return err
			}
		}
		lb, err := galera.StartBalancer(ctx, filepath.Join(o.dir, "haproxy-http-"+t.name), t.http, t.backends)
		if err != nil {
			return err
		}
		defer lb.Close()
	}
	printTopology(o, cluster, tiers)
	if o.kill > 0 {
		return killAndRejoin(ctx, o, cluster)
	}
	<-ctx.Done()
	log.Print("stopping")
	return nil
}

// tier is a set of instances on one of HAProxy's database ports behind an
// HTTP balancer of their own.
type tier struct {
	name     string // multi or single
	db       string // HAProxy's database address
	http     string // the balancer's address
	backends []string
}

// build compiles Rango into dir.
func build(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "rango")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build (run this from the repository root): %w", err)
	}
	return bin, nil
}

type instance struct{ cmd *exec.Cmd }

// startInstance starts Rango instance i with its log in dir.
func startInstance(dir, bin string, i int, addr, metrics, dsn string) (*instance, error) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("rango%d.log", i)))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = append(os.Environ(), "RANGO_DSN="+dsn, "RANGO_METRICS_ADDR="+metrics, "RANGO_TRUSTED_PROXIES=127.0.0.1",
		"RANGO_DB_WAIT=60")
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &instance{cmd: cmd}, nil
}

func (i *instance) stop() {
	_ = i.cmd.Process.Signal(syscall.SIGTERM)
	_ = i.cmd.Wait()
}

// waitReady waits up to d for url to answer 200.
func waitReady(ctx context.Context, url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: %s not ready after %s", url, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func printTopology(o options, c *galera.Cluster, tiers []tier) {
	fmt.Printf("\nRango on a %d-node Galera cluster, data in %s\n", o.nodes, o.dir)
	n := 0
	for _, t := range tiers {
		fmt.Printf("  site (%s-writer):  http://%s/   database through %s\n", t.name, t.http, t.db)
		for _, b := range t.backends {
			n++
			fmt.Printf("    rango %d:         http://%s/  metrics http://127.0.0.1:%d/metrics  log %s\n", n, b, o.portBase+70+n,
				filepath.Join(o.dir, fmt.Sprintf("rango%d.log", n)))
		}
	}
	fmt.Printf("  database proxy:    multi-writer %s, single-writer %s\n", c.MultiWriterAddr(), c.SingleWriterAddr())
	fmt.Printf("  HAProxy stats:     %s\n", c.StatsURL())
	for _, n := range c.Nodes {
		fmt.Printf("  node %d:            mariadb -h127.0.0.1 -P%d -uroot   log %s\n", n.Index, n.Port, n.ErrorLog())
	}
	fmt.Println("Ctrl-C stops everything.")
}

// killAndRejoin kills a node after o.after, rejoins it o.rejoinAfter
// later, then serves until interrupted.
func killAndRejoin(ctx context.Context, o options, c *galera.Cluster) error {
	if o.kill > len(c.Nodes) {
		return fmt.Errorf("cluster: there is no node %d", o.kill)
	}
	n := c.Nodes[o.kill-1]
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(o.after):
	}
	log.Printf("killing node %d (SIGKILL)", n.Index)
	n.Kill()
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(o.rejoinAfter):
	}
	start := time.Now()
	if err := n.Rejoin(ctx); err != nil {
		return err
	}
	log.Printf("node %d Synced again after %s, by %s", n.Index, time.Since(start).Round(100*time.Millisecond), n.JoinedBy())
	<-ctx.Done()
	return nil
}
