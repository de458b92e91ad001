//go:build !unix

package privatedb

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// errUnsupported says that this system cannot run the private server: it
// relies on unix sockets, flock and signals.
var errUnsupported = errors.New("privatedb: the private MariaDB server needs Linux, macOS or another Unix")

const (
	lockShared    = 1
	lockExclusive = 2
)

func lockFile(context.Context, string, int) (*os.File, error) { return nil, errUnsupported }

func unlockFile(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}

func tryLockExclusive(*os.File) bool { return false }

func detached() *syscall.SysProcAttr { return nil }

func signalTerm(int) error { return errUnsupported }

func signalKill(int) error { return errUnsupported }

func commandLine(int) (string, bool) { return "", false }
