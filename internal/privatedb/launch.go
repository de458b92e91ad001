package privatedb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sizing keeps the server small: a 32 MB buffer pool (the default is
// 128 MB) and a 16 MB redo log (96 MB) hold Rango's data with room to spare.
var sizing = []string{"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M"}

// userArgs names the account the server runs as. mariadbd refuses to run
// as root unless told to; the data directory then belongs to root, so the
// server stays root rather than switching to an account that cannot write it.
func userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

// initialise creates the data directory on first use. It builds it under
// a temporary name and renames it when complete, so that an initialisation
// cut short is started over rather than taken for a database.
func (s *Server) initialise(ctx context.Context) error {
	data := filepath.Join(s.Dir, dataName)
	if _, err := os.Stat(data); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("privatedb: %w", err)
	}
	tmp := data + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("privatedb: remove an unfinished data directory: %w", err)
	}
	s.log.Info("creating the private MariaDB data directory (first run)", "dir", data)
	args := []string{"--no-defaults", "--datadir=" + tmp, "--auth-root-authentication-method=normal", "--skip-test-db"}
	args = append(append(args, userArgs()...), sizing...)
	out, err := exec.CommandContext(ctx, s.bins.InstallDB, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("privatedb: %s: %w\n%s", filepath.Base(s.bins.InstallDB), err, bytes.TrimSpace(out))
	}
	if err := os.Rename(tmp, data); err != nil {
		return fmt.Errorf("privatedb: %w", err)
	}
	return nil
}

// serverArgs are mariadbd's options: --no-defaults first, so that no
// my.cnf on the machine changes the data directory, socket, port or user.
func (s *Server) serverArgs() []string {
	args := []string{
		"--no-defaults",
		"--datadir=" + filepath.Join(s.Dir, dataName),
		"--socket=" + s.socket(),
		"--pid-file=" + filepath.Join(s.Dir, pidName),
		"--log-error=" + s.errorLog(),
		"--skip-networking",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
	}
	return append(append(args, userArgs()...), sizing...)
}

// startChild starts the server and waits until it answers.
func (s *Server) startChild(ctx context.Context) error {
	cmd := exec.Command(s.bins.Server, s.serverArgs()...)
	// A session of its own: Ctrl-C in the terminal reaches Rango only,
	// which stops the server after its own shutdown; and the server lives
	// on for other users when this process exits.
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("privatedb: start %s: %w", s.bins.Server, err)
	}
	s.child, s.exited = cmd, make(chan struct{})
	go s.watch(cmd, s.exited)
	pid := cmd.Process.Pid
	err := s.waitAnswer(ctx, pid, s.exited)
	if err == nil {
		s.started.Store(true)
		return nil
	}
	s.stopping.Store(true)
	_ = signalTerm(pid)
	if s.waitExit(context.Background(), pid, s.exited, stopTimeout) != nil {
		_ = s.killAndWait(pid)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("privatedb: starting the server: %w", ctx.Err())
	}
	return fmt.Errorf("privatedb: the server did not start: %w; %s says: %s", err, s.errorLog(), s.lastErrors())
}

// watch reaps the server this process started, and reports it if the
// server exits while Rango still uses it.
func (s *Server) watch(cmd *exec.Cmd, exited chan<- struct{}) {
	err := cmd.Wait()
	close(exited)
	if s.started.Load() && !s.stopping.Load() {
		s.log.Error("the private MariaDB server exited", "err", err, "log", s.errorLog())
	}
}

// waitAnswer waits up to startTimeout for the server with the given pid to
// answer on the socket; exited, if not nil, closes when it exits.
func (s *Server) waitAnswer(ctx context.Context, pid int, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if s.answers(ctx) {
			return nil
		}
		if exited == nil && !s.isServer(pid) {
			return errors.New("it exited")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %s", startTimeout)
		}
		select {
		case <-exited:
			return errors.New("it exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runningPid returns the pid in the pid file if that process is this
// directory's server; a stale pid file (the process gone, or the number
// reused by another program) gives false.
func (s *Server) runningPid() (int, bool) {
	b, err := os.ReadFile(filepath.Join(s.Dir, pidName))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, s.isServer(pid)
}

// isServer tells whether pid is a live mariadbd serving this directory
// (an exited one that its parent has not reaped yet has no command line).
func (s *Server) isServer(pid int) bool {
	cmdline, ok := commandLine(pid)
	want := " --datadir=" + filepath.Join(s.Dir, dataName) + " "
	return ok && strings.Contains(" "+cmdline+" ", want)
}

// waitExit waits up to timeout for the server with the given pid to exit;
// exited, if not nil, closes when it does (this process is its parent).
func (s *Server) waitExit(ctx context.Context, pid int, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if exited == nil && !s.isServer(pid) {
			return nil
		}
		select {
		case <-exited:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("still running: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// killAndWait kills a server that does not answer and waits for it to go.
func (s *Server) killAndWait(pid int) error {
	if err := signalKill(pid); err != nil {
		return fmt.Errorf("privatedb: kill the server (pid %d): %w", pid, err)
	}
	if err := s.waitExit(context.Background(), pid, nil, stopTimeout); err != nil {
		return fmt.Errorf("privatedb: kill the server (pid %d): %w", pid, err)
	}
	return nil
}

// lastErrors returns the last error lines of the server's log.
func (s *Server) lastErrors() string {
	b, err := os.ReadFile(s.errorLog())
	if err != nil {
		return "(no log)"
	}
	var errs []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "[ERROR]") {
			errs = append(errs, strings.TrimSpace(line))
		}
	}
	if len(errs) == 0 {
		return "(no errors logged)"
	}
	return strings.Join(errs[max(0, len(errs)-3):], " | ")
}
