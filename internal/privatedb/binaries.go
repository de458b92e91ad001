package privatedb

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrNotInstalled says that no MariaDB server programs were found.
var ErrNotInstalled = errors.New("privatedb: MariaDB is not installed (no mariadbd and mariadb-install-db)")

// Binaries are the programs that set up and run a private server.
type Binaries struct {
	// Server is mariadbd (or mysqld, its older name).
	Server string
	// InstallDB is mariadb-install-db (or mysql_install_db).
	InstallDB string
}

// binaryPairs are the server and its data directory initialiser, by the
// names of MariaDB 10.4 and later first, then the older ones.
var binaryPairs = [][2]string{
	{"mariadbd", "mariadb-install-db"},
	{"mysqld", "mysql_install_db"},
}

// sbinDirs hold the server on systems that leave sbin off a user's PATH
// (Debian installs mariadbd in /usr/sbin).
var sbinDirs = []string{"/usr/sbin", "/usr/local/sbin"}

// FindBinaries looks for a MariaDB server and its initialiser on the PATH
// and in the sbin directories; it returns ErrNotInstalled if there is none.
func FindBinaries() (Binaries, error) {
	for _, pair := range binaryPairs {
		server, installDB := lookPath(pair[0]), lookPath(pair[1])
		if server != "" && installDB != "" {
			return Binaries{Server: server, InstallDB: installDB}, nil
		}
	}
	return Binaries{}, ErrNotInstalled
}

// lookPath finds an executable on the PATH or in sbinDirs, or returns "".
func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range sbinDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}
