//go:build unix

package privatedb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The kinds of lock lockFile takes.
const (
	lockShared    = syscall.LOCK_SH
	lockExclusive = syscall.LOCK_EX
)

// lockFile opens (creating) path and takes a flock of the given kind on
// it, waiting while another process holds a conflicting one. The kernel
// drops the lock when the process dies, so a crash leaves no stale lock.
func lockFile(ctx context.Context, path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("privatedb: lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("privatedb: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("privatedb: waiting for %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unlockFile drops the lock by closing the file.
func unlockFile(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}

// tryLockExclusive turns the lock held on f into an exclusive one if no
// other process holds one, and tells whether it did.
func tryLockExclusive(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// detached puts the child in a session of its own.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

func signalTerm(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }

func signalKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// commandLine returns the command line of a running process, its
// arguments separated by spaces, from /proc where there is one and from ps
// elsewhere (macOS); false if there is no such process, or it has exited
// and awaits its parent.
func commandLine(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err == nil {
		return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " "), len(b) > 0
	}
	if _, err := os.Stat("/proc/self"); err == nil {
		return "", false
	}
	out, err := exec.Command("ps", "-ww", "-o", "command=", "-p", strconv.Itoa(pid)).Output()
	if err != nil || strings.Contains(string(out), "<defunct>") {
		return "", false
	}
	return strings.TrimSpace(string(out)), true
}
