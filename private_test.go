//go:build unix

package main

import (
	"bytes"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-sql-driver/mysql"

	"rango/config"
	"rango/internal/mariadbtest"
	"rango/internal/privatedb"
	"rango/internal/testsite"
)

// privateEnv is a first run's environment: a home of its own, no RANGO_DSN,
// and nothing answering at the default database address. It returns the
// environment and the private server's directory.
func privateEnv(t *testing.T) ([]string, string) {
	t.Helper()
	if _, err := privatedb.FindBinaries(); err != nil {
		t.Skip("needs mariadbd and mariadb-install-db (Debian package mariadb-server)")
	}
	// A short path: the server's unix socket lives in it.
	home, err := os.MkdirTemp("", "rh")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, "xdg", "rango", "mariadb")
	t.Cleanup(func() {
		for _, pid := range mariadbPids(t, dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = os.RemoveAll(home)
	})
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RANGO_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "xdg"),
		"RANGO_DEFAULT_ADDR="+closedAddr(t), "RANGO_VISIT_INTERVAL=0")
	return env, dir
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// mariadbPids lists the mariadbd processes serving the private directory.
func mariadbPids(t *testing.T, dir string) []int {
	t.Helper()
	out, err := exec.Command("pgrep", "-f", "--", "--datadir="+filepath.Join(dir, "data")).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil
	}
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	return pids
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// rangoServer is a running rango binary.
type rangoServer struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited is closed
}

// startRango runs the binary as a server with env and waits until it
// answers (the first run initialises the private database: give it time).
func startRango(t *testing.T, bin, addr string, env []string) *rangoServer {
	t.Helper()
	r := &rangoServer{cmd: exec.Command(bin, "-addr", addr), out: new(lockedBuffer), exited: make(chan struct{})}
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-r.exited
		if t.Failed() {
			t.Logf("rango output:\n%s", r.out.String())
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/livez")
		if err == nil {
			resp.Body.Close()
			return r
		}
		select {
		case <-r.exited:
			t.Fatalf("rango exited before serving: %v\n%s", r.err, r.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rango did not serve within 90 s: %v\n%s", err, r.out.String())
		}
	}
}

// terminate sends SIGTERM and expects a clean exit.
func (r *rangoServer) terminate(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-r.exited
	if r.err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0\n%s", r.err, r.out.String())
	}
}

// kill ends the process as a crash would.
func (r *rangoServer) kill(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-r.exited
}

// page fetches a path and parses it, failing the test unless it is a 200.
func page(t *testing.T, client *http.Client, url string) *goquery.Document {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	d, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPrivateDatabaseWhenNoneIsSetUp(t *testing.T) {
	env, dir := privateEnv(t)
	bin := build(t)
	addr := freeAddr(t)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	base := "http://" + addr
	visits := func() string {
		t.Helper()
		return strings.Join(strings.Fields(page(t, client, base+"/about").Find("[data-testid=visits]").Text()), " ")
	}

	// First run: the private server is set up and the site serves.
	first := startRango(t, bin, addr, env)
	if n := page(t, client, base+"/").Find("a[href^='/category/']").Length(); n == 0 {
		t.Error("the home page lists no categories: no sample data in the private database")
	}
	// Every page view counts (RANGO_VISIT_INTERVAL=0): the home page was 1.
	if got := visits(); got != "Visits: 2" {
		t.Errorf("second visit: %q", got)
	}
	out := first.out.String()
	if !strings.Contains(out, "using Rango's private MariaDB server; set RANGO_DSN or -dsn to use another database") ||
		!strings.Contains(out, "data="+dir) {
		t.Errorf("no line saying where the data lives and how to use another database:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "rango")); err != nil {
		t.Errorf("the rango database is not in the private directory: %v", err)
	}

	// A command while the site runs shares its server and leaves it running.
	cmd := exec.Command(bin, "-clearsessions")
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "deleted 0 expired sessions") ||
		!strings.Contains(string(b), "reused=true") {
		t.Errorf("-clearsessions beside the site: %v\n%s", err, b)
	}
	if got := visits(); got != "Visits: 3" {
		t.Errorf("after -clearsessions: %q, want the site still on its database", got)
	}

	// SIGTERM stops the private server too.
	first.terminate(t)
	if pids := mariadbPids(t, dir); len(pids) != 0 {
		t.Fatalf("mariadbd still running after Rango's SIGTERM: %v", pids)
	}

	// A stale pid file and socket do not stop the next run, which has the
	// same data.
	if err := os.WriteFile(filepath.Join(dir, "mariadbd.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mariadbd.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	second := startRango(t, bin, addr, env)
	if got := visits(); got != "Visits: 4" {
		t.Errorf("after a restart: %q, want the session kept (Visits: 4)", got)
	}

	// Rango dies: its server runs on, and the next run reuses it.
	second.kill(t)
	orphan := mariadbPids(t, dir)
	if len(orphan) != 1 {
		t.Fatalf("mariadbd processes after Rango was killed: %v, want one", orphan)
	}
	third := startRango(t, bin, addr, env)
	if got := visits(); got != "Visits: 5" {
		t.Errorf("after a crash: %q, want Visits: 5", got)
	}
	if pids := mariadbPids(t, dir); len(pids) != 1 || pids[0] != orphan[0] || !strings.Contains(third.out.String(), "reused=true") {
		t.Errorf("mariadbd after the restart: %v, want the one left running (%d) reused", pids, orphan[0])
	}
	page(t, client, base+"/about")
	third.terminate(t)
	if pids := mariadbPids(t, dir); len(pids) != 0 {
		t.Errorf("mariadbd still running after SIGTERM to the Rango that reused it: %v", pids)
	}

	// -dsn embedded picks the private database even with another one
	// reachable, for commands as for the server.
	testServer, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "-dsn", "embedded", "-clearsessions")
	cmd.Env = append(withoutEnv(env, "RANGO_DEFAULT_ADDR="), "RANGO_DEFAULT_ADDR="+testServer.Addr)
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "because=\"-dsn embedded\"") {
		t.Errorf("-dsn embedded: %v\n%s", err, b)
	}
	if pids := mariadbPids(t, dir); len(pids) != 0 {
		t.Errorf("mariadbd still running after the command: %v", pids)
	}
}

// withoutEnv drops the variables with the given prefix.
func withoutEnv(env []string, prefix string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

func TestExplicitDSNNeverFallsBack(t *testing.T) {
	env, dir := privateEnv(t)
	bin := build(t)
	unreachable := closedAddr(t)
	for name, extra := range map[string]struct {
		env  []string
		args []string
	}{
		"flag": {nil, []string{"-dsn", "root@tcp(" + unreachable + ")/rango"}},
		"env":  {[]string{"RANGO_DSN=root@tcp(" + unreachable + ")/rango"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, append(extra.args, "-clearsessions")...)
			cmd.Env = append(append(env, "RANGO_DB_WAIT=2"), extra.env...)
			start := time.Now()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("exit: %v, want 1", err)
			}
			if !strings.Contains(string(out), "cannot reach MySQL/MariaDB at "+unreachable+" after waiting 2s") {
				t.Errorf("the error does not name the address and the wait:\n%s", out)
			}
			if took := time.Since(start); took < 2*time.Second {
				t.Errorf("gave up after %s, before RANGO_DB_WAIT (2 s)", took)
			}
			if strings.Contains(string(out), "private") {
				t.Errorf("an explicit DSN fell back to the private server:\n%s", out)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("an explicit DSN created the private directory %s", dir)
			}
		})
	}
}

func TestNoMariaDBInstalledSaysWhatToDo(t *testing.T) {
	addr := closedAddr(t)
	cfg := config.Defaults()
	cfg.DSN = "root@tcp(" + addr + ")/rango"
	cfg.DBWait = 0
	log := testsite.Logger(t)
	_, _, err := openDatabaseWith(t.Context(), cfg, privatedb.Binaries{}, privatedb.ErrNotInstalled, log)
	var noDB *noDatabaseError
	if !errors.As(err, &noDB) {
		t.Fatalf("error %v, want one that says what to install", err)
	}
	lines := strings.Split(installHint, "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "apt install mariadb-server") ||
		!strings.Contains(lines[0], "brew install mariadb") || !strings.Contains(lines[1], "docker compose up") {
		t.Errorf("the hint is not two lines naming apt, brew and docker compose:\n%s", installHint)
	}
	if !strings.Contains(noDB.msg, "no MySQL/MariaDB answers at "+addr) {
		t.Errorf("the message does not name the address: %s", noDB.msg)
	}

	cfg.DSN, cfg.DSNGiven = config.DSNEmbedded, true
	if _, _, err := openDatabaseWith(t.Context(), cfg, privatedb.Binaries{}, privatedb.ErrNotInstalled, log); !errors.As(err, &noDB) {
		t.Errorf("-dsn embedded without MariaDB: %v, want what to install", err)
	}
}

func TestPrivateDatabaseWhenRootIsDenied(t *testing.T) {
	env, dir := privateEnv(t)
	if !mariadbtest.Available() {
		t.Skip("needs mariadbd and mariadb-install-db (Debian package mariadb-server)")
	}
	// A server that lets root in only with a password, as Debian's lets
	// root in only through its unix socket: MySQL error 1045 over TCP.
	other := mariadbtest.Start(t)
	admin, err := sql.Open("mysql", other.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.SetMaxOpenConns(1) // keeps the connection that logged in before the change
	// The server resolves no names: these are the accounts TCP can reach.
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := admin.Exec("ALTER USER IF EXISTS 'root'@'" + host + "' IDENTIFIED BY 'not empty'"); err != nil {
			t.Fatal(err)
		}
	}

	bin := build(t)
	cmd := exec.Command(bin, "-clearsessions")
	cmd.Env = append(withoutEnv(env, "RANGO_DEFAULT_ADDR="), "RANGO_DEFAULT_ADDR=127.0.0.1:"+strconv.Itoa(other.Port))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "deleted 0 expired sessions") ||
		!strings.Contains(string(out), "using Rango's private MariaDB server") || !strings.Contains(string(out), "Access denied") {
		t.Errorf("-clearsessions with root denied at the default address: %v\n%s", err, out)
	}
	if pids := mariadbPids(t, dir); len(pids) != 0 {
		t.Errorf("mariadbd still running after the command: %v", pids)
	}
}
