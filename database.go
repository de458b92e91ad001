package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"rango/config"
	"rango/internal/privatedb"
	"rango/models"
)

// privateStopTimeout bounds the wait for the private server to shut down.
const privateStopTimeout = 3 * time.Minute

// installHint says, in two lines, what to do on a machine with no database.
const installHint = "To run Rango, install MariaDB (Debian/Ubuntu: sudo apt install mariadb-server; macOS: brew install mariadb) and start Rango again,\n" +
	"or run `docker compose up --build` to run Rango and MariaDB in containers."

// noDatabaseError is a start-up failure that installing MariaDB fixes.
type noDatabaseError struct{ msg string }

func (e *noDatabaseError) Error() string { return e.msg + "\n" + installHint }

// openDatabase opens the store on the configured database or, when that is
// the default one and nobody set it up, on Rango's private MariaDB server.
// The returned function closes the store, then stops the private server
// unless another Rango process still uses it.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*models.Store, func(), error) {
	bins, findErr := privatedb.FindBinaries()
	return openDatabaseWith(ctx, cfg, bins, findErr, log)
}

// openDatabaseWith is openDatabase with the result of looking for MariaDB.
func openDatabaseWith(ctx context.Context, cfg config.Config, bins privatedb.Binaries, findErr error, log *slog.Logger) (*models.Store, func(), error) {
	private, err := startPrivateServer(ctx, &cfg, bins, findErr, log)
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		stopPrivateServer(private, log)
		var unreachable *models.UnreachableError
		if !cfg.DSNGiven && findErr != nil && errors.As(err, &unreachable) {
			return nil, nil, &noDatabaseError{fmt.Sprintf("no MySQL/MariaDB answers at %s (after waiting %s: %v), and MariaDB is not installed for Rango to run its own.",
				unreachable.Addr, unreachable.Wait, unreachable.Err)}
		}
		return nil, nil, err
	}
	return store, func() {
		store.Close()
		stopPrivateServer(private, log)
	}, nil
}

// startPrivateServer starts Rango's private server and points cfg.DSN at
// it when -dsn embedded asks for it, or when no DSN was given, the default
// address refuses the connection or denies access, and MariaDB is
// installed. It returns nil when Rango uses the configured database.
func startPrivateServer(ctx context.Context, cfg *config.Config, bins privatedb.Binaries, findErr error, log *slog.Logger) (*privatedb.Server, error) {
	reason := "-dsn " + config.DSNEmbedded
	switch {
	case cfg.DSN == config.DSNEmbedded:
		if findErr != nil {
			return nil, &noDatabaseError{"-dsn embedded runs Rango's private MariaDB server, but MariaDB is not installed."}
		}
	case cfg.DSNGiven || findErr != nil:
		return nil, nil // an explicit DSN never falls back; without MariaDB, openStore waits and explains
	default:
		err := models.CheckServer(ctx, cfg.DSN)
		if err == nil || !models.IsRefusedOrDenied(err) {
			return nil, nil // there, or maybe starting: wait for it as usual
		}
		reason = err.Error()
	}
	dir, err := privatedb.DefaultDir()
	if err != nil {
		return nil, err
	}
	srv, err := privatedb.Start(ctx, dir, bins, log)
	if err != nil {
		return nil, err
	}
	dsn, err := config.NormalizeDSN(srv.DSN("rango"))
	if err != nil {
		stopPrivateServer(srv, log)
		return nil, err
	}
	cfg.DSN = dsn
	log.Info("using Rango's private MariaDB server; set RANGO_DSN or -dsn to use another database",
		"data", dir, "reused", srv.Reused, "because", reason)
	return srv, nil
}

// stopPrivateServer ends this process's use of the private server, if any.
func stopPrivateServer(srv *privatedb.Server, log *slog.Logger) {
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), privateStopTimeout)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		log.Error(err.Error())
	}
}

// logStartError reports why Rango could not start; the two lines of what
// to do when no database is installed go out as they are, not as a log
// record, so that they read as two lines.
func logStartError(log *slog.Logger, err error) {
	var noDB *noDatabaseError
	if errors.As(err, &noDB) {
		log.Error(noDB.msg)
		fmt.Fprintln(os.Stderr, installHint)
		return
	}
	log.Error(err.Error())
}
