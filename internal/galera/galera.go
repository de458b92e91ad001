// Package galera runs a MariaDB Galera cluster on one machine, without
// Docker, for the cluster tests and tools/cluster: N mariadbd nodes with
// Debian's galera-4 on loopback ports (rsync state transfers), a
// clustercheck endpoint per node, and HAProxy in front of them with a
// multi-writer and a single-writer port. Every process it starts dies
// with the program that started it.
//
// Ports, from Options.PortBase B, for node i (1-based): SQL B+10+i, group
// communication B+20+i, incremental state transfer B+30+i, snapshot state
// transfer B+40+i, clustercheck B+50+i; HAProxy: multi-writer B+1,
// single-writer B+2, statistics B+3.
package galera

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for database/sql

	"rango/internal/clustercheck"
)

// Files and programs a cluster needs (Debian: mariadb-server, galera-4,
// rsync, haproxy).
const (
	Provider       = "/usr/lib/galera/libgalera_smm.so"
	mariadbd       = "/usr/sbin/mariadbd"
	installDB      = "mariadb-install-db"
	haproxyProgram = "haproxy"
)

// Missing lists what this machine lacks to run a cluster, or nothing.
func Missing() []string {
	var missing []string
	for _, f := range []string{Provider, mariadbd} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	for _, p := range []string{installDB, "rsync", "wsrep_sst_rsync", haproxyProgram} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

// Options configure a cluster.
type Options struct {
	// Dir holds the nodes' data, configuration and logs. Empty: a new
	// directory under the system's temporary directory, removed by Close.
	Dir string
	// Nodes is the number of nodes; 3 if 0.
	Nodes int
	// PortBase numbers the ports (see the package comment); 0 picks a
	// free block.
	PortBase int
	// SuspectTimeout is Galera's evs.suspect_timeout: how long a silent
	// node stalls the cluster's commits before the others drop it
	// (Galera's default is 5 s). 0 means 2 s.
	SuspectTimeout time.Duration
	// GCacheSize is the write-set cache that incremental state
	// transfers replay from; "128M" if empty.
	GCacheSize string
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...any)
}

// Cluster is a running Galera cluster with HAProxy in front.
type Cluster struct {
	Dir   string
	Nodes []*Node
	// Options are the options the cluster was started with, completed.
	Options Options

	base    int
	acct    account
	removes bool
	checks  []*http.Server
	proxy   *proc
}

// Start initialises and starts a cluster: node 1 bootstraps it, the others
// join by snapshot state transfer; then a clustercheck per node and
// HAProxy. It returns when every node is Synced and HAProxy answers.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if missing := Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("galera: missing %s (apt-get install mariadb-server galera-4 rsync haproxy)", strings.Join(missing, ", "))
	}
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	if o.SuspectTimeout == 0 {
		o.SuspectTimeout = 2 * time.Second
	}
	if o.GCacheSize == "" {
		o.GCacheSize = "128M"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	c := &Cluster{Options: o, Dir: o.Dir}
	if err := c.start(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// start does Start's work; on an error, Close undoes it.
func (c *Cluster) start(ctx context.Context) error {
	var err error
	if c.acct, err = serverAccount(); err != nil {
		return err
	}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "rango-galera-"); err != nil {
			return err
		}
		c.removes = true
	}
	// The servers may run as mysql: they must reach their directories.
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(c.Dir, 0o755); err != nil {
		return err
	}
	if c.base = c.Options.PortBase; c.base == 0 {
		if c.base, err = freePortBlock(); err != nil {
			return err
		}
	}
	for i := 1; i <= c.Options.Nodes; i++ {
		n, err := c.newNode(i)
		if err != nil {
			return err
		}
		c.Nodes = append(c.Nodes, n)
	}
	start := time.Now()
	if err := c.bootstrap(ctx); err != nil {
		return err
	}
	c.Options.Logf("galera: %d nodes Synced in %s", c.Options.Nodes, time.Since(start).Round(100*time.Millisecond))
	if err := c.serveChecks(); err != nil {
		return err
	}
	return c.startProxy(ctx)
}

// bootstrap initialises node 1's data directory and starts it as a new
// cluster, then starts the others one by one, each joining by snapshot
// transfer. (Started together they join no sooner: a donor serves one
// joiner at a time, and their simultaneous joins make the group's view
// installation time out and start over.)
func (c *Cluster) bootstrap(ctx context.Context) error {
	first := c.Nodes[0]
	if out, err := run(c.acct, installDB, "--defaults-file="+first.cnf, "--auth-root-authentication-method=normal",
		"--skip-test-db"); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	if err := first.start("--wsrep-new-cluster"); err != nil {
		return err
	}
	if err := first.WaitSynced(ctx, 60*time.Second); err != nil {
		return err
	}
	for _, n := range c.Nodes[1:] {
		if err := n.start(); err != nil {
			return err
		}
		if err := n.WaitSynced(ctx, 120*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// serveChecks serves each node's clustercheck on its port, in this
// process (tools/clustercheck is the same handler as a program).
func (c *Cluster) serveChecks() error {
	for _, n := range c.Nodes {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", n.CheckPort))
		if err != nil {
			return fmt.Errorf("galera: clustercheck: %w", err)
		}
		db, err := sql.Open("mysql", n.DSN("")+"?timeout=1s&readTimeout=2s")
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(2)
		srv := &http.Server{Handler: &clustercheck.Checker{DB: db, Timeout: time.Second}, ReadHeaderTimeout: time.Second}
		srv.RegisterOnShutdown(func() { db.Close() })
		go func() { _ = srv.Serve(ln) }()
		c.checks = append(c.checks, srv)
	}
	return nil
}

// MultiWriterAddr is HAProxy's port that spreads connections over every
// Synced node (leastconn).
func (c *Cluster) MultiWriterAddr() string { return fmt.Sprintf("127.0.0.1:%d", c.base+1) }

// SingleWriterAddr is HAProxy's port that sends every connection to one
// node while it is Synced, the others being backups.
func (c *Cluster) SingleWriterAddr() string { return fmt.Sprintf("127.0.0.1:%d", c.base+2) }

// StatsURL is HAProxy's statistics page (add ";csv" for CSV).
func (c *Cluster) StatsURL() string { return fmt.Sprintf("http://127.0.0.1:%d/", c.base+3) }

// DSN returns a DSN for database db through addr (a node or a proxy).
func DSN(addr, db string) string {
	return fmt.Sprintf("root@tcp(%s)/%s", addr, db)
}

// Keep leaves the directory in place at Close (to read the logs after a
// failure).
func (c *Cluster) Keep() { c.removes = false }

// Close stops every process and, if Start made the directory, removes it.
func (c *Cluster) Close() {
	for _, s := range c.checks {
		_ = s.Close()
	}
	c.proxy.kill()
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.Kill()
		}()
	}
	wg.Wait()
	if c.removes {
		_ = os.RemoveAll(c.Dir)
	}
}

// freePortBlock finds a base B whose ports B+1 to B+99 are all free now.
func freePortBlock() (int, error) {
	for range 50 {
		base := 20000 + 100*rand.IntN(400)
		if blockFree(base) {
			return base, nil
		}
	}
	return 0, errors.New("galera: no free block of 100 ports")
}

func blockFree(base int) bool {
	for p := base + 1; p < base+100; p++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}
