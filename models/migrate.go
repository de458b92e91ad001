package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// sessionsTable is the table gofiber/storage/mysql reads and writes (k, v,
// e). Rango creates it first, with a binary key collation (a session key
// matches only itself, never a differently-cased copy); migrateSessions
// then adds the admin's columns and the indexes, among them the expiry
// index that Rango's own sweeper and -clearsessions delete by (the
// storage's garbage collector is left off: see server.storageGCOff).
const sessionsTable = "CREATE TABLE IF NOT EXISTS sessions (" +
	"k VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''," +
	"v BLOB NOT NULL," +
	"e BIGINT NOT NULL DEFAULT 0," +
	"PRIMARY KEY (k)" +
	") ENGINE=InnoDB"

// schemaTable records which versions of the schema have been applied: one
// row per fingerprint (see schemaFingerprint).
const schemaTable = "CREATE TABLE IF NOT EXISTS rango_schema (" +
	"fingerprint CHAR(64) CHARACTER SET ascii NOT NULL," +
	"migrated_at BIGINT NOT NULL," +
	"PRIMARY KEY (fingerprint)" +
	") ENGINE=InnoDB"

// gormModels are the tables GORM's AutoMigrate manages.
var gormModels = []any{&User{}, &Category{}, &Page{}, &Like{}, &Setting{}, &AuditEntry{}, &EndedSession{}, &LoginRecord{}, &CategorySlug{}}

// Migrate creates or updates every table Rango uses, then records this
// version's schema as applied. It is idempotent, and several instances may
// run it at once: on one server a named lock (GET_LOCK) makes them take
// turns; on a Galera cluster, where that lock holds only on one node,
// a migrator that finds its change already made by another (a table,
// column or index that exists now) looks again and goes on.
func (s *Store) Migrate(ctx context.Context) error {
	unlock, err := s.migrationLock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.applySchema(ctx)
}

// applySchema makes the schema changes and records the version, looking
// again when a concurrent migrator made a change first.
func (s *Store) applySchema(ctx context.Context) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.migrateOnce(ctx)
		if err == nil || !isConcurrentDDL(err) || attempt == maxMigrateAttempts {
			break
		}
		s.log.Info("another instance is migrating the same database; looking again", "attempt", attempt, "err", err.Error())
		if err := sleep(ctx, time.Duration(50+rand.IntN(200))*time.Millisecond); err != nil {
			return fmt.Errorf("models: migrate: %w", err)
		}
	}
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	err = s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Exec("INSERT IGNORE INTO rango_schema (fingerprint, migrated_at) VALUES (?, ?)",
			schemaFingerprint(), time.Now().Unix()).Error
	})
	return translate(err, "record schema version")
}

// maxMigrateAttempts bounds how often Migrate looks again after a
// concurrent migrator's change: each attempt gets further than the last.
const maxMigrateAttempts = 20

func (s *Store) migrateOnce(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	for _, ddl := range []string{schemaTable, rateLimitsTable} {
		if err := db.Exec(ddl).Error; err != nil {
			return err
		}
	}
	if err := db.Set("gorm:table_options", "ENGINE=InnoDB").AutoMigrate(gormModels...); err != nil {
		return err
	}
	if err := s.dropLikeCategoryKey(ctx); err != nil {
		return err
	}
	return s.migrateSessions(ctx)
}

// isConcurrentDDL tells whether err is what a schema change gives when
// another migrator made it first, or when it collided with another's
// statement on a Galera cluster: worth looking at the schema again.
func isConcurrentDDL(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1050, // table already exists
		1060, // duplicate column name
		1061, // duplicate key name
		1091, // can't drop: does not exist (dropped by the other)
		1826, // duplicate foreign key constraint name
		1022, // duplicate key on write (a constraint made twice)
		1213, // deadlock, or a DDL that aborted this one on Galera
		1205: // lock wait timeout
		return true
	}
	// InnoDB reports a foreign key made twice as "Can't create table
	// (errno: 121 "Duplicate key on write or update")".
	return me.Number == 1005 && strings.Contains(me.Message, "121")
}

// migrationLockName is the GET_LOCK name, per database: GET_LOCK is
// server-wide, and unrelated databases must not wait for each other.
const migrationLockName = "LEFT(CONCAT('rango.migrate.', DATABASE()), 64)"

// migrationLock takes the server's named migration lock on a connection of
// its own, waiting for another migrator as long as ctx allows. The lock
// goes when unlock runs, or with the connection if the process dies.
func (s *Store) migrationLock(ctx context.Context) (unlock func(), err error) {
	sqlDB, err := s.SQLDB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: migration lock: %w", err)
	}
	for waited := 0; ; waited++ {
		var got sql.NullInt64
		err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+migrationLockName+", 5)").Scan(&got)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("models: migration lock: %w", err)
		}
		if got.Valid && got.Int64 == 1 {
			break
		}
		s.log.Info("waiting for another instance's migration to finish", "waited", fmt.Sprintf("%ds", 5*(waited+1)))
	}
	return func() {
		// A fresh context: release even when ctx is done; with the
		// connection closed, the server releases it anyway.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(rctx, "DO RELEASE_LOCK("+migrationLockName+")")
		conn.Close()
	}, nil
}

// WaitForSchema waits up to wait for this version's schema to be applied
// (by `rango -migrate`, or an instance that migrates at start), for the
// instances that are told not to change the schema themselves. It logs
// what it waits for every few seconds.
func (s *Store) WaitForSchema(ctx context.Context, wait time.Duration) error {
	want := schemaFingerprint()
	sqlDB, err := s.SQLDB()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for attempt := 0; ; attempt++ {
		// Through database/sql, not GORM, whose logger would report the
		// missing table as an error every second.
		var n int64
		err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM rango_schema WHERE fingerprint = ?", want).Scan(&n)
		switch {
		case err == nil && n > 0:
			return nil
		case err != nil && !isServerError(err, 1146) && !IsUnavailable(err): // 1146: no such table yet
			return fmt.Errorf("models: wait for the schema: %w", err)
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("models: the database schema of this version (%.12s) is not there after waiting %s: "+
				"run `rango -migrate` with this version, or start one instance with RANGO_MIGRATE=true", want, wait)
		}
		if attempt%5 == 0 {
			s.log.Info("waiting for the schema: this instance does not migrate (RANGO_MIGRATE=false)", "version", want[:12])
		}
		if err := sleep(ctx, time.Second); err != nil {
			return fmt.Errorf("models: wait for the schema: %w", err)
		}
	}
}

// schemaFingerprint identifies this version's schema: a hash of every
// table definition Migrate applies (the GORM models' fields with their
// types and tags, and the hand-written DDL). A change to any of them is a
// new version, with no number to remember to raise.
func schemaFingerprint() string {
	h := sha256.New()
	for _, m := range gormModels {
		t := reflect.TypeOf(m).Elem()
		fmt.Fprintf(h, "model %s\n", t.Name())
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(h, "%s %s %q\n", f.Name, f.Type, f.Tag.Get("gorm"))
		}
	}
	fmt.Fprintln(h, sessionsTable, rateLimitsTable, schemaTable)
	for _, c := range sessionColumns {
		fmt.Fprintln(h, "column", c.name, c.ddl)
	}
	for _, i := range sessionIndexes {
		fmt.Fprintln(h, "index", i.name, i.columns)
	}
	for _, old := range droppedSessionIndexes {
		fmt.Fprintln(h, "dropped", old)
	}
	fmt.Fprintln(h, "dropped", likeCategoryKey)
	return hex.EncodeToString(h.Sum(nil))
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
