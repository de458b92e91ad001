package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// rateLimitsTable holds the rate limiters' counts in gofiber/storage/mysql's
// layout (k, v, e), so that the storage's collector sweeps expired rows.
// Rango creates it first with an ASCII key: a key is the SHA-256 of the
// limited thing in hex, so that any name, however long or in whatever
// script, fits the 64 characters and counts as itself.
const rateLimitsTable = "CREATE TABLE IF NOT EXISTS rate_limits (" +
	"k VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''," +
	"v BLOB NOT NULL," +
	"e BIGINT NOT NULL DEFAULT 0," +
	"PRIMARY KEY (k)" +
	") ENGINE=InnoDB"

// rateKey is the row key of a limited thing.
func rateKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// AddHit counts one hit against name in a fixed window that opens with the
// first hit and lasts window, and returns the count with this hit. It is
// one atomic statement, so concurrent requests on any number of instances
// are all counted: LAST_INSERT_ID(expr) hands the new count back with the
// statement's result, without a second query. A conflict (a Galera
// certification failure, a deadlock) is retried.
func (s *Store) AddHit(ctx context.Context, name string, window time.Duration) (int64, error) {
	sqlDB, err := s.SQLDB()
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.retryConflicts(ctx, func() error {
		now := time.Now()
		// v is assigned before e, so both read the old e.
		res, err := sqlDB.ExecContext(ctx, "INSERT INTO rate_limits (k, v, e) VALUES (?, LAST_INSERT_ID(1), ?) "+
			"ON DUPLICATE KEY UPDATE v = LAST_INSERT_ID(IF(e <= ?, 1, CAST(v AS UNSIGNED) + 1)), e = IF(e <= ?, VALUES(e), e)",
			rateKey(name), now.Add(window).Unix(), now.Unix(), now.Unix())
		if err != nil {
			return err
		}
		n, err = res.LastInsertId()
		return err
	})
	return n, translate(err, "count a hit")
}

// RemoveHit takes back one hit counted against name, for a request that
// turned out not to count (a right password).
func (s *Store) RemoveHit(ctx context.Context, name string) error {
	err := s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Exec("UPDATE rate_limits SET v = GREATEST(CAST(v AS SIGNED) - 1, 0) WHERE k = ? AND e > ?",
			rateKey(name), time.Now().Unix()).Error
	})
	return translate(err, "take back a hit")
}
