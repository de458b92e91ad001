// Package models holds Rango's GORM models, the schema migration and every
// query the site and the admin run. Only this package talks SQL.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"rango/internal/groupcommit"
)

// Store runs Rango's queries on one GORM connection pool.
type Store struct {
	db     *gorm.DB
	trips  *atomic.Int64
	stats  *storeStats
	log    *slog.Logger
	galera bool // the server is a Galera node (see wsrep.go)
	// likes queues the likes of each category (see changeLike).
	likes *groupcommit.Queue[*likeWrite]
}

// NewStore wraps an open GORM database.
func NewStore(db *gorm.DB) *Store {
	return &Store{db: db, stats: new(storeStats), log: slog.New(slog.DiscardHandler), likes: groupcommit.New[*likeWrite]()}
}

// DB returns the underlying GORM database.
func (s *Store) DB() *gorm.DB { return s.db }

// SQLDB returns the database/sql pool behind GORM, for the session storage.
func (s *Store) SQLDB() (*sql.DB, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("models: sql pool: %w", err)
	}
	return sqlDB, nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.SQLDB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// MaxConns is the database pool size of each instance.
const MaxConns = 32

// UnreachableError says the database could not be reached in time.
type UnreachableError struct {
	Addr string
	Wait time.Duration
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach MySQL/MariaDB at %s after waiting %s (%v). "+
		"Start the database (for example `sudo systemctl start mariadb`, or `docker compose up -d db`) "+
		"or point RANGO_DSN / -dsn at a running one", e.Addr, e.Wait, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Open waits up to wait for the server named in dsn, creates the database
// if it does not exist, and opens it with GORM. While it waits it logs one
// line per attempt. On a Galera node its reads are causal (see wsrep.go).
// It does not migrate; call Migrate for that.
func Open(ctx context.Context, dsn string, wait time.Duration, log *slog.Logger) (*Store, error) {
	mc, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("models: parse DSN: %w", err)
	}
	galera, err := waitAndCreateDatabase(ctx, mc, wait, log)
	if err != nil {
		return nil, err
	}
	if galera {
		causalReads(mc)
		log.Info("the database is a Galera cluster node", syncWaitParam, mc.Params[syncWaitParam])
	}
	connector, err := mysqldriver.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("models: DSN: %w", err)
	}
	trips := new(atomic.Int64)
	pool := sql.OpenDB(countingConnector{Connector: lagTolerantConnector{connector}, n: trips})
	db, err := gorm.Open(mysql.New(mysql.Config{Conn: pool}), &gorm.Config{
		TranslateError: true,
		Logger:         newGormLogger(log),
		PrepareStmt:    false,
	})
	if err != nil {
		return nil, fmt.Errorf("models: open %s: %w", mc.Addr, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("models: sql pool: %w", err)
	}
	// A 2-core instance gains nothing from more connections, and several
	// instances must stay under the server's max_connections (151 by default).
	sqlDB.SetMaxOpenConns(MaxConns)
	sqlDB.SetMaxIdleConns(MaxConns)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	store := NewStore(db)
	store.trips = trips
	store.log = log
	store.galera = galera
	return store, nil
}

// waitAndCreateDatabase connects to the server without a database until it
// answers (and, on a Galera node, until the node serves: one that is
// joining or without quorum answers 1047) or wait runs out, then creates
// the database if it is missing. It tells whether the server is a Galera
// node.
func waitAndCreateDatabase(ctx context.Context, mc *mysqldriver.Config, wait time.Duration, log *slog.Logger) (bool, error) {
	server := mc.Clone()
	server.DBName = ""
	connector, err := mysqldriver.NewConnector(server)
	if err != nil {
		return false, fmt.Errorf("models: DSN: %w", err)
	}
	pool := sql.OpenDB(connector)
	defer pool.Close()

	deadline := time.Now().Add(wait)
	for attempt := 1; ; attempt++ {
		galera, answered, err := prepareDatabase(ctx, pool, mc.DBName)
		if err == nil {
			return galera, nil
		}
		if ctx.Err() != nil {
			return false, fmt.Errorf("models: waiting for the database: %w", ctx.Err())
		}
		if answered && !IsUnavailable(err) {
			return false, err
		}
		if !time.Now().Before(deadline) {
			return false, &UnreachableError{Addr: mc.Addr, Wait: wait, Err: err}
		}
		log.Warn("database not reachable yet, retrying", "addr", mc.Addr, "attempt", attempt, "err", err.Error())
		if err := sleep(ctx, time.Second); err != nil {
			return false, fmt.Errorf("models: waiting for the database: %w", err)
		}
	}
}

// prepareDatabase pings the server, finds out whether it is a Galera node
// and creates the database if it is missing. answered tells whether the
// ping succeeded: until it does, any error is worth waiting out.
func prepareDatabase(ctx context.Context, pool *sql.DB, name string) (galera, answered bool, err error) {
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := pool.PingContext(pingCtx); err != nil {
		return false, false, err
	}
	if galera, err = isGaleraNode(ctx, pool); err != nil {
		return false, true, err
	}
	q := fmt.Sprintf("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", name)
	if _, err := pool.ExecContext(ctx, q); err != nil {
		return false, true, fmt.Errorf("models: create database %s: %w", name, err)
	}
	return galera, true, nil
}

// newGormLogger logs GORM's errors and slow queries through slog, except
// the errors the store expects and answers itself (a taken name, an
// unavailable database, which the site reports as 503).
func newGormLogger(log *slog.Logger) logger.Interface {
	return quietLogger{logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})}
}

type quietLogger struct{ logger.Interface }

func (q quietLogger) LogMode(level logger.LogLevel) logger.Interface {
	return quietLogger{q.Interface.LogMode(level)}
}

func (q quietLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	// Concurrent migrators' collisions are expected too: Migrate looks
	// again, and reports what persists.
	if isDuplicate(err) || IsUnavailable(err) || isConcurrentDDL(err) || errors.Is(err, context.Canceled) {
		err = nil
	}
	q.Interface.Trace(ctx, begin, fc, err)
}

// translate maps GORM's errors onto this package's sentinels.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, ErrDuplicate)
	default:
		return fmt.Errorf("models: %s: %w", what, err)
	}
}
