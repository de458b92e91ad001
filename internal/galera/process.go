package galera

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// proc is a child process in a process group of its own, killed with the
// program that started it (Pdeathsig), so that a test that panics or
// times out leaves no server behind.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// account is who the servers run as: as root, the mysql user (rsync state
// transfers drop root's rights to nobody, which may not write the data
// directory); otherwise the current user.
type account struct {
	cred     *syscall.Credential
	uid, gid int
}

// serverAccount returns the account servers run as.
func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	u, err := user.Lookup("mysql")
	if err != nil {
		return account{}, fmt.Errorf("galera: running as root needs the mysql user (Debian's mariadb-server makes it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid: uid, gid: gid}, nil
}

// start runs a command with its output appended to logPath, as acct when
// acct has credentials.
func start(acct account, logPath, name string, args ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	// Credentials are set before the parent-death signal in the child, so
	// a server started as mysql keeps it (a setuid of its own would clear
	// it).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: acct.cred}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("galera: start %s: %w", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), log: f}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// running tells whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill kills the process and everything it started (its process group),
// as a crash would, and waits for it to exit.
func (p *proc) kill() {
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// run runs a command to completion as acct, returning its output.
func run(acct account, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: acct.cred}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("galera: %s: %w", name, err)
	}
	return out, nil
}
