package models

import (
	"context"
	"fmt"
)

// sessionsTable is the table gofiber/storage/mysql reads and writes (k, v,
// e). Rango creates it first, with a binary key collation (a session key
// matches only itself, never a differently-cased copy); migrateSessions
// then adds the admin's columns and the indexes, the expiry index that the
// storage's garbage collector needs among them.
const sessionsTable = "CREATE TABLE IF NOT EXISTS sessions (" +
	"k VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''," +
	"v BLOB NOT NULL," +
	"e BIGINT NOT NULL DEFAULT 0," +
	"PRIMARY KEY (k)" +
	") ENGINE=InnoDB"

// Migrate creates or updates every table Rango uses.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx).Set("gorm:table_options", "ENGINE=InnoDB")
	if err := db.AutoMigrate(&User{}, &Category{}, &Page{}, &Like{}, &Setting{}, &AuditEntry{}, &LoginRecord{}, &CategorySlug{}); err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	if err := s.dropLikeCategoryKey(ctx); err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	if err := s.migrateSessions(ctx); err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	return nil
}
