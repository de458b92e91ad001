// Package benchsetup is what the benchmark tools (tools/loadgen,
// tools/cleanbench) share: a throwaway database on a MariaDB or MySQL
// server, and a rango binary built from the working tree.
package benchsetup

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for database/sql
)

// Database is a database made for one benchmark run.
type Database struct {
	// Name is the database's name, prefix_<unix time>.
	Name string
	// DSN reaches it (no parameters).
	DSN string
	// Admin is a connection to the server, without a database selected.
	Admin *sql.DB
}

// NewDatabase creates a database named prefix_<unix time> on the server
// that server (a DSN without a database) names.
func NewDatabase(server, prefix string) (*Database, error) {
	admin, err := sql.Open("mysql", server+"?interpolateParams=true")
	if err != nil {
		return nil, fmt.Errorf("benchsetup: %w", err)
	}
	name := fmt.Sprintf("%s_%d", prefix, time.Now().Unix())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("benchsetup: create %s: %w", name, err)
	}
	return &Database{Name: name, DSN: strings.TrimSuffix(server, "/") + "/" + name, Admin: admin}, nil
}

// Close drops the database unless keep is set, and closes the server
// connection.
func (d *Database) Close(keep bool) {
	if !keep {
		if _, err := d.Admin.Exec("DROP DATABASE " + d.Name); err != nil {
			fmt.Fprintf(os.Stderr, "benchsetup: drop %s: %v\n", d.Name, err)
		}
	}
	d.Admin.Close()
}

// Build compiles the rango binary of the working tree (the tools run from
// the repository's root) into a temporary directory; remove that
// directory (filepath.Dir of the path) when done.
func Build() (string, error) {
	dir, err := os.MkdirTemp("", "rango-bench")
	if err != nil {
		return "", fmt.Errorf("benchsetup: %w", err)
	}
	bin := filepath.Join(dir, "rango")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("benchsetup: go build (run the tool from the repository root): %w", err)
	}
	return bin, nil
}
