// Package privatedb runs Rango's private MariaDB server, for machines
// where MariaDB is installed but no database is set up for Rango: a
// mariadbd of Rango's own, its data in a directory under the user's data
// home, reachable only through a unix socket in that directory.
//
// Several Rango processes may use one directory at once (a server and a
// cron job, or two servers): the first starts the server, the others reuse
// it, and the last one to stop shuts it down. A lock file serialises
// starting and stopping; each user holds a shared lock on a second file
// for as long as it uses the server, so the last user is the one that gets
// that lock exclusively. A server left behind by a process that died is
// reused, and a stale pid file or socket is cleaned up.
package privatedb

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The files in a private server's directory.
const (
	dataName     = "data"          // mariadbd's --datadir
	socketName   = "mariadbd.sock" // the only way in: no TCP port
	pidName      = "mariadbd.pid"
	errorLogName = "mariadbd.err"
	startLock    = "start.lock" // held exclusively while starting or stopping
	usersLock    = "users.lock" // held shared by every process using the server
)

// maxSocketPath is the longest unix socket path that works everywhere
// (sun_path holds 108 bytes on Linux, 104 on macOS, with the final NUL).
const maxSocketPath = 100

// Timeouts, variables so that tests can shorten them.
var (
	// startTimeout bounds the wait for a server to answer after it starts.
	startTimeout = 2 * time.Minute
	// stopTimeout bounds the wait for a server to exit after SIGTERM.
	stopTimeout = 2 * time.Minute
)

// Server is a private MariaDB server this process uses. Stop ends the use.
type Server struct {
	// Dir is the directory holding the data, socket, pid file and log.
	Dir string
	// Reused tells that the server was already running when Start came.
	Reused bool

	bins  Binaries
	log   *slog.Logger
	users *os.File // holds the shared lock on usersLock

	child    *exec.Cmd     // the server, when this process started it
	exited   chan struct{} // closed when child has exited
	started  atomic.Bool   // the child answered: its exit is news
	stopping atomic.Bool   // the child's exit is expected
	stopOnce sync.Once
	stopErr  error
}

// DefaultDir returns where the private server keeps its data:
// $XDG_DATA_HOME/rango/mariadb, or ~/.local/share/rango/mariadb.
func DefaultDir() (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(base) { // the XDG spec says to ignore a relative path
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("privatedb: no directory for the data: %w", err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "rango", "mariadb"), nil
}

// Start makes sure the private server in dir runs and answers, and
// registers this process as one of its users. It initialises dir on first
// use, reuses a server that is already running (also one left by a process
// that died), and starts one otherwise.
func Start(ctx context.Context, dir string, bins Binaries, log *slog.Logger) (*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("privatedb: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("privatedb: create %s: %w", dir, err)
	}
	lock, err := lockFile(ctx, filepath.Join(dir, startLock), lockExclusive)
	if err != nil {
		return nil, err
	}
	defer unlockFile(lock)
	users, err := lockFile(ctx, filepath.Join(dir, usersLock), lockShared)
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bins: bins, log: log, users: users}
	if err := s.ensureRunning(ctx); err != nil {
		unlockFile(users)
		return nil, err
	}
	return s, nil
}

// ensureRunning reuses the server if it answers, and otherwise clears
// what a dead one left and starts a new one. The caller holds startLock.
func (s *Server) ensureRunning(ctx context.Context) error {
	if s.answers(ctx) {
		s.Reused = true
		return nil
	}
	if pid, ok := s.runningPid(); ok {
		// A server whose starter died before it answered (it may be
		// recovering after a crash), or one that hangs: give it the usual
		// time, then kill it. InnoDB recovers at the next start.
		if s.waitAnswer(ctx, pid, nil) == nil {
			s.Reused = true
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("privatedb: waiting for the server: %w", ctx.Err())
		}
		s.log.Warn("the private MariaDB server does not answer; restarting it", "pid", pid)
		if err := s.killAndWait(pid); err != nil {
			return err
		}
	}
	// Stale files of a server that is gone; mariadbd would replace them
	// too, but then a later reader could take them for a live server.
	_ = os.Remove(filepath.Join(s.Dir, pidName))
	_ = os.Remove(s.socket())
	if err := s.initialise(ctx); err != nil {
		return err
	}
	return s.startChild(ctx)
}

// DSN returns the go-sql-driver/mysql DSN of the named database on this
// server, as root over the unix socket.
func (s *Server) DSN(database string) string {
	return s.mysqlConfig(database).FormatDSN()
}

func (s *Server) mysqlConfig(database string) *mysql.Config {
	mc := mysql.NewConfig()
	mc.User = "root"
	mc.Net = "unix"
	mc.Addr = s.socket()
	mc.DBName = database
	return mc
}

// Stop ends this process's use of the server and shuts the server down,
// waiting for it to exit, unless another process still uses it. Calling it
// again does nothing.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	s.stopping.Store(true)
	lock, err := lockFile(ctx, filepath.Join(s.Dir, startLock), lockExclusive)
	if err != nil {
		unlockFile(s.users)
		return err
	}
	defer unlockFile(lock)
	last := tryLockExclusive(s.users)
	unlockFile(s.users)
	if !last {
		s.log.Info("the private MariaDB server keeps running for other Rango processes", "dir", s.Dir)
		return nil
	}
	pid, ok := s.runningPid()
	if !ok && s.child != nil && s.isServer(s.child.Process.Pid) {
		pid, ok = s.child.Process.Pid, true // someone removed the pid file
	}
	if !ok {
		return nil // it is gone already, and says why in its log
	}
	if err := signalTerm(pid); err != nil {
		return fmt.Errorf("privatedb: stop the server (pid %d): %w", pid, err)
	}
	var exited <-chan struct{}
	if s.child != nil && s.child.Process.Pid == pid {
		exited = s.exited
	}
	if err := s.waitExit(ctx, pid, exited, stopTimeout); err != nil {
		return fmt.Errorf("privatedb: stop the server (pid %d): %w; see %s", pid, err, s.errorLog())
	}
	s.log.Info("stopped the private MariaDB server", "dir", s.Dir)
	return nil
}

// answers tells whether a server answers on the socket. One that refuses
// the login (someone changed root's password) still answers: the error
// then comes, clearer, from the caller's own connection.
func (s *Server) answers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	connector, err := mysql.NewConnector(s.mysqlConfig(""))
	if err != nil {
		return false
	}
	conn, err := connector.Connect(ctx)
	if err == nil {
		_ = conn.Close()
		return true
	}
	var serverErr *mysql.MySQLError
	return errors.As(err, &serverErr)
}

func (s *Server) socket() string {
	return socketPath(s.Dir)
}

func (s *Server) errorLog() string { return filepath.Join(s.Dir, errorLogName) }

// socketPath is the server's socket in dir, or, when that path is too long
// for a unix socket, one named after dir in the temporary directory.
func socketPath(dir string) string {
	p := filepath.Join(dir, socketName)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), fmt.Sprintf("rango-mariadb-%x.sock", sum[:6]))
}
