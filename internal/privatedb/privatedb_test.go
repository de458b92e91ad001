//go:build unix

package privatedb

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testDir returns a fresh directory with a short path (a unix socket path
// must stay under about 100 bytes) and, when the test ends, kills any
// server left in it.
func testDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pdb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, pid := range serverPids(t, dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = os.RemoveAll(dir)
	})
	return dir
}

// binaries returns the installed server programs, or skips the test.
func binaries(t *testing.T) Binaries {
	t.Helper()
	bins, err := FindBinaries()
	if err != nil {
		t.Skip("needs mariadbd and mariadb-install-db (Debian package mariadb-server)")
	}
	return bins
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// serverPids lists the mariadbd processes whose command line names dir.
func serverPids(t *testing.T, dir string) []int {
	t.Helper()
	out, err := exec.Command("pgrep", "-f", "--", "--datadir="+filepath.Join(dir, dataName)).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			return nil // none
		}
		t.Fatalf("pgrep: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	return pids
}

func start(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := Start(t.Context(), dir, binaries(t), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stop(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, s *Server) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec1(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func pidOf(t *testing.T, s *Server) int {
	t.Helper()
	pid, ok := s.runningPid()
	if !ok {
		t.Fatal("no running server in the pid file")
	}
	return pid
}

func TestStartReuseStopRestart(t *testing.T) {
	dir := testDir(t)
	first := start(t, dir)
	if first.Reused {
		t.Error("a fresh directory's server counts as reused")
	}
	db := open(t, first)
	exec1(t, db, "CREATE DATABASE kept")
	exec1(t, db, "CREATE TABLE kept.t (n INT)")
	exec1(t, db, "INSERT INTO kept.t VALUES (42)")
	var tcp int
	if err := db.QueryRow("SELECT @@skip_networking").Scan(&tcp); err != nil || tcp != 1 {
		t.Errorf("skip_networking = %d, %v; want 1 (socket only)", tcp, err)
	}

	second := start(t, dir)
	if !second.Reused || pidOf(t, second) != pidOf(t, first) {
		t.Errorf("second user: reused %v, pid %d; want the first's server %d", second.Reused, pidOf(t, second), pidOf(t, first))
	}
	stop(t, first)
	if err := db.Ping(); err != nil {
		t.Fatalf("the server stopped while another user had it: %v", err)
	}
	stop(t, second)
	if pids := serverPids(t, dir); len(pids) != 0 {
		t.Fatalf("mariadbd still running after the last user stopped: %v", pids)
	}
	for _, name := range []string{pidName, socketName} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left behind by a clean shutdown", name)
		}
	}

	third := start(t, dir)
	defer stop(t, third)
	var n int
	if err := open(t, third).QueryRow("SELECT n FROM kept.t").Scan(&n); err != nil || n != 42 {
		t.Errorf("after a restart: %d, %v; want the row kept (42)", n, err)
	}
}

func TestStaleFilesAreNoError(t *testing.T) {
	for name, pid := range map[string]int{
		"another program's pid": os.Getpid(),
		"a pid that is gone":    1 << 22,
		"garbage":               -1,
	} {
		t.Run(name, func(t *testing.T) {
			dir := testDir(t)
			stop(t, start(t, dir)) // initialised, then stopped cleanly
			content := strconv.Itoa(pid)
			if pid < 0 {
				content = "not a pid"
			}
			if err := os.WriteFile(filepath.Join(dir, pidName), []byte(content+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			// A socket file nobody listens on, as a killed server leaves it.
			l, err := net.Listen("unix", filepath.Join(dir, socketName))
			if err != nil {
				t.Fatal(err)
			}
			l.(*net.UnixListener).SetUnlinkOnClose(false)
			l.Close()

			s := start(t, dir)
			defer stop(t, s)
			if s.Reused {
				t.Error("a stale pid file and socket were taken for a running server")
			}
			if err := open(t, s).Ping(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestInitialisationCutShortStartsOver(t *testing.T) {
	dir := testDir(t)
	unfinished := filepath.Join(dir, dataName+".new")
	if err := os.MkdirAll(filepath.Join(unfinished, "mysql"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unfinished, "ibdata1"), []byte("half written"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, dir)
	defer stop(t, s)
	if err := open(t, s).Ping(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(unfinished); err == nil {
		t.Error("the unfinished directory is still there")
	}
}

func TestConcurrentStartsShareOneServer(t *testing.T) {
	dir := testDir(t)
	bins := binaries(t)
	const n = 3
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { servers[i], errs[i] = Start(t.Context(), dir, bins, testLog(t)) })
	}
	wg.Wait()
	started := 0
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if !s.Reused {
			started++
		}
	}
	if started != 1 {
		t.Errorf("%d of %d concurrent starts started a server, want 1", started, n)
	}
	if pids := serverPids(t, dir); len(pids) != 1 {
		t.Errorf("mariadbd processes on the directory: %v, want one", pids)
	}
	for _, s := range servers {
		stop(t, s)
	}
	if pids := serverPids(t, dir); len(pids) != 0 {
		t.Errorf("mariadbd still running after every user stopped: %v", pids)
	}
}

// abandon ends a user's use of the server as its death would: the kernel
// drops its locks, and nobody stops the server.
func abandon(s *Server) {
	s.stopping.Store(true)
	unlockFile(s.users)
}

func TestServerOfADeadProcessIsReused(t *testing.T) {
	dir := testDir(t)
	dead := start(t, dir)
	pid := pidOf(t, dead)
	abandon(dead)

	s := start(t, dir)
	if !s.Reused || pidOf(t, s) != pid {
		t.Errorf("reused %v, pid %d; want the running server %d", s.Reused, pidOf(t, s), pid)
	}
	stop(t, s)
	if pids := serverPids(t, dir); len(pids) != 0 {
		t.Errorf("mariadbd still running after the last user stopped: %v", pids)
	}
}

func TestHungServerIsReplaced(t *testing.T) {
	defer func(d time.Duration) { startTimeout = d }(startTimeout)
	startTimeout = 3 * time.Second
	dir := testDir(t)
	hung := start(t, dir)
	pid := pidOf(t, hung)
	abandon(hung)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	s := start(t, dir)
	defer stop(t, s)
	if s.Reused || pidOf(t, s) == pid {
		t.Errorf("reused %v, pid %d: the hung server %d was kept", s.Reused, pidOf(t, s), pid)
	}
	if err := open(t, s).Ping(); err != nil {
		t.Error(err)
	}
}

func TestSocketPathStaysShort(t *testing.T) {
	short := "/home/ann/.local/share/rango/mariadb"
	if got := socketPath(short); got != filepath.Join(short, socketName) {
		t.Errorf("short dir: socket %s, want it inside the directory", got)
	}
	long := "/home/" + strings.Repeat("x", 100) + "/.local/share/rango/mariadb"
	got := socketPath(long)
	if len(got) > maxSocketPath || got == socketPath("/home/other"+strings.Repeat("x", 100)) {
		t.Errorf("long dir: socket %s (%d bytes), want a short one of its own", got, len(got))
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("HOME", "/home/ann")
	for xdg, want := range map[string]string{
		"/data":    "/data/rango/mariadb",
		"":         "/home/ann/.local/share/rango/mariadb",
		"relative": "/home/ann/.local/share/rango/mariadb", // ignored, as the XDG spec says
	} {
		t.Setenv("XDG_DATA_HOME", xdg)
		got, err := DefaultDir()
		if err != nil || got != want {
			t.Errorf("XDG_DATA_HOME=%q: %q, %v; want %q", xdg, got, err, want)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	defer func(dirs []string) { sbinDirs = dirs }(sbinDirs)
	bin, sbin := t.TempDir(), t.TempDir()
	sbinDirs = []string{sbin}
	t.Setenv("PATH", bin)
	if _, err := FindBinaries(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("nothing installed: %v, want ErrNotInstalled", err)
	}
	touch := func(dir, name string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	touch(sbin, "mariadbd") // Debian's place, off a user's PATH
	if _, err := FindBinaries(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("server without mariadb-install-db: %v, want ErrNotInstalled", err)
	}
	touch(bin, "mariadb-install-db")
	got, err := FindBinaries()
	want := Binaries{Server: filepath.Join(sbin, "mariadbd"), InstallDB: filepath.Join(bin, "mariadb-install-db")}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	touch(bin, "mysqld")
	touch(bin, "mysql_install_db")
	if got, _ := FindBinaries(); got != want {
		t.Errorf("with the old names too: %+v, want the new ones %+v", got, want)
	}
}
