// Package mariadbtest runs a private MariaDB server for tests that must
// stop and start their database: its own data directory, port and socket,
// set up with mariadb-install-db and run by the test.
package mariadbtest

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for database/sql
)

// mariadbd is Debian's MariaDB server binary.
const mariadbd = "/usr/sbin/mariadbd"

// Server is a private MariaDB server.
type Server struct {
	t       testing.TB
	dir     string
	Port    int
	cmd     *exec.Cmd
	stopped chan struct{}
}

// Available tells whether this machine can run a private server.
func Available() bool {
	_, err1 := os.Stat(mariadbd)
	_, err2 := exec.LookPath("mariadb-install-db")
	return err1 == nil && err2 == nil
}

// Start sets up a data directory and starts the server; it is stopped when
// the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+filepath.Join(dir, "data"),
		"--user=root", "--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	s := &Server{t: t, dir: dir, Port: freePort(t)}
	s.Resume()
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DSN returns a DSN for the named database on this server.
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s", s.Port, database)
}

// Resume starts the server (again) and waits until it answers.
func (s *Server) Resume() {
	s.t.Helper()
	s.cmd = exec.Command(mariadbd, "--no-defaults", "--datadir="+filepath.Join(s.dir, "data"),
		fmt.Sprintf("--port=%d", s.Port), "--bind-address=127.0.0.1", "--socket="+filepath.Join(s.dir, "sock"),
		"--user=root", "--skip-log-bin", "--innodb-buffer-pool-size=32M", "--skip-name-resolve",
		"--log-error="+filepath.Join(s.dir, "error.log"))
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start mariadbd: %v", err)
	}
	s.stopped = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.stopped)
	db, _ := sql.Open("mysql", s.DSN(""))
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for db.Ping() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			s.t.Fatalf("private mariadbd did not answer on port %d within 30 s:\n%s", s.Port, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the server, as a crash or an outage would, and waits for it
// to exit. InnoDB recovers at the next Resume.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.stopped
	s.cmd = nil
}
