package galera

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Node is one mariadbd of the cluster.
type Node struct {
	// Index numbers the node from 1.
	Index int
	// Port is its SQL port; CheckPort its clustercheck's.
	Port, CheckPort int

	c        *Cluster
	dir, cnf string
	proc     *proc
	// logMark is the error log's size when the node last started, so
	// that JoinedBy reads only that start's lines.
	logMark int64
}

// nodeConfig is a node's option file: the configuration issue 12 found to
// work, with the suspect timeout tuned (see Options.SuspectTimeout).
const nodeConfig = `[mysqld]
datadir={{dir}}/data
socket={{dir}}/mysqld.sock
pid-file={{dir}}/mysqld.pid
tmpdir={{dir}}/tmp
log-error={{dir}}/error.log
port={{port}}
bind-address=127.0.0.1
skip-name-resolve
performance_schema=OFF
max_connections=300
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
# Durability comes from the other nodes: each commit is on all of them.
innodb_flush_log_at_trx_commit=2
binlog_format=ROW
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider={{provider}}
wsrep_cluster_name=rango
wsrep_cluster_address=gcomm://{{peers}}
wsrep_node_name=n{{i}}
wsrep_node_address=127.0.0.1
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:{{gcomm}};ist.recv_addr=127.0.0.1:{{ist}};gcache.size={{gcache}};evs.suspect_timeout={{suspect}};evs.inactive_timeout={{inactive}};evs.keepalive_period={{keepalive}};evs.inactive_check_period={{keepalive}};evs.install_timeout={{inactive}}"
wsrep_sst_receive_address=127.0.0.1:{{sst}}
wsrep_sst_method=rsync
`

// newNode writes node i's option file and makes its directories.
func (c *Cluster) newNode(i int) (*Node, error) {
	n := &Node{Index: i, Port: c.base + 10 + i, CheckPort: c.base + 50 + i, c: c,
		dir: filepath.Join(c.Dir, fmt.Sprintf("n%d", i))}
	n.cnf = filepath.Join(n.dir, "my.cnf")
	var peers []string
	for j := 1; j <= c.Options.Nodes; j++ {
		peers = append(peers, fmt.Sprintf("127.0.0.1:%d", c.base+20+j))
	}
	// Galera wants the keepalive under a third of the suspect timeout.
	inactive, keepalive := 2*c.Options.SuspectTimeout, min(500*time.Millisecond, c.Options.SuspectTimeout/4)
	cnf := strings.NewReplacer(
		"{{dir}}", n.dir, "{{port}}", fmt.Sprint(n.Port), "{{provider}}", Provider, "{{peers}}", strings.Join(peers, ","),
		"{{i}}", fmt.Sprint(i), "{{gcomm}}", fmt.Sprint(c.base+20+i), "{{ist}}", fmt.Sprint(c.base+30+i),
		"{{sst}}", fmt.Sprint(c.base+40+i), "{{gcache}}", c.Options.GCacheSize,
		"{{suspect}}", isoDuration(c.Options.SuspectTimeout), "{{inactive}}", isoDuration(inactive),
		"{{keepalive}}", isoDuration(keepalive),
	).Replace(nodeConfig)
	for _, d := range []string{n.dir, filepath.Join(n.dir, "data"), filepath.Join(n.dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(d, c.acct.uid, c.acct.gid); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(n.cnf, []byte(cnf), 0o644); err != nil {
		return nil, err
	}
	return n, nil
}

// isoDuration formats d as Galera's ISO 8601 durations (PT2.5S).
func isoDuration(d time.Duration) string {
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
}

// start starts the server with extra options. (The option file must come
// first, by --defaults-file: the state transfer scripts read it too.)
func (n *Node) start(extra ...string) error {
	if st, err := os.Stat(n.ErrorLog()); err == nil {
		n.logMark = st.Size()
	}
	args := append([]string{"--defaults-file=" + n.cnf}, extra...)
	p, err := start(n.c.acct, filepath.Join(n.dir, "stdout.log"), mariadbd, args...)
	if err != nil {
		return err
	}
	n.proc = p
	return nil
}

// ErrorLog is the path of the node's error log.
func (n *Node) ErrorLog() string { return filepath.Join(n.dir, "error.log") }

// Addr is the node's SQL address.
func (n *Node) Addr() string { return fmt.Sprintf("127.0.0.1:%d", n.Port) }

// DSN returns a DSN for database db on this node directly.
func (n *Node) DSN(db string) string { return DSN(n.Addr(), db) }

// Running tells whether the node's process runs.
func (n *Node) Running() bool { return n.proc != nil && n.proc.running() }

// Kill kills the node as a crash would (SIGKILL, with its state transfer
// scripts if any).
func (n *Node) Kill() {
	n.proc.kill()
}

// State returns the node's wsrep_local_state_comment (Synced, Joining,
// Donor/Desynced, Initialized, ...).
func (n *Node) State(ctx context.Context) (string, error) {
	db, err := sql.Open("mysql", n.DSN("")+"?timeout=1s")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var name, state string
	err = db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'").Scan(&name, &state)
	return state, err
}

// WaitSynced waits up to d for the node to be Synced.
func (n *Node) WaitSynced(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		state, err := n.State(ctx)
		if err == nil && state == "Synced" {
			return nil
		}
		if !n.Running() {
			return fmt.Errorf("galera: node %d exited; the end of %s:\n%s", n.Index, n.ErrorLog(), n.tail(30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("galera: node %d not Synced after %s (state %q, %v); the end of %s:\n%s",
				n.Index, d, state, err, n.ErrorLog(), n.tail(30))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tail returns the last lines of the node's error log.
func (n *Node) tail(lines int) string {
	b, _ := os.ReadFile(n.ErrorLog())
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

var recovered = regexp.MustCompile(`Recovered position: ([0-9a-f-]+:-?[0-9]+)`)

// Rejoin restarts a killed node so that it rejoins by incremental state
// transfer: --wsrep-recover finds the last transaction its InnoDB holds
// (after a crash grastate.dat says -1), and the node starts from there,
// receiving only what it missed from another node's write-set cache. It
// returns when the node is Synced.
func (n *Node) Rejoin(ctx context.Context) error {
	if n.Running() {
		return fmt.Errorf("galera: node %d is running", n.Index)
	}
	recoverLog := filepath.Join(n.dir, "recover.log")
	_ = os.Remove(recoverLog)
	if out, err := run(n.c.acct, mariadbd, "--defaults-file="+n.cnf, "--wsrep-recover", "--log-error="+recoverLog); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	b, err := os.ReadFile(recoverLog)
	if err != nil {
		return fmt.Errorf("galera: node %d: read the recovery log: %w", n.Index, err)
	}
	m := recovered.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		return fmt.Errorf("galera: node %d: no recovered position in %s:\n%s", n.Index, recoverLog, b)
	}
	pos := string(m[len(m)-1][1])
	n.c.Options.Logf("galera: node %d rejoins from %s", n.Index, pos)
	if err := n.start("--wsrep_start_position=" + pos); err != nil {
		return err
	}
	return n.WaitSynced(ctx, 120*time.Second)
}

// JoinedBy tells how the node got its data at its last start: "IST"
// (incremental, from a peer's write-set cache), "SST" (a full copy), or
// "none" (nothing was missing).
func (n *Node) JoinedBy() string {
	b, _ := os.ReadFile(n.ErrorLog())
	if int64(len(b)) < n.logMark {
		return "none"
	}
	// The rsync script runs for both and says which it did; an SST may
	// be followed by a short IST of what came meanwhile.
	log := string(b[n.logMark:])
	switch {
	case strings.Contains(log, "rsync SST completed on joiner"):
		return "SST"
	case strings.Contains(log, "IST received"):
		return "IST"
	}
	return "none"
}
