package models

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// errAccessDenied is MySQL's ER_ACCESS_DENIED_ERROR.
const errAccessDenied = 1045

// CheckServer logs in once to the server named in dsn, without a database
// and without waiting or retrying, and returns why it could not.
func CheckServer(ctx context.Context, dsn string) error {
	mc, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("models: parse DSN: %w", err)
	}
	mc.DBName = ""
	connector, err := mysqldriver.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("models: DSN: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := connector.Connect(ctx)
	if err != nil {
		return fmt.Errorf("models: %s: %w", mc.Addr, err)
	}
	return conn.Close()
}

// IsRefusedOrDenied tells whether err says that nothing listens at the
// server's address (the connection was refused, or there is no such unix
// socket) or that the server denied access (MySQL error 1045): the answers
// of a machine where no database is set up for Rango, as opposed to a
// server that is slow or still starting.
func IsRefusedOrDenied(err error) bool {
	var mysqlErr *mysqldriver.MySQLError
	if errors.As(err, &mysqlErr) {
		return mysqlErr.Number == errAccessDenied
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist)
}
