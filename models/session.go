package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// sessionColumns are the columns Rango adds to the storage's (k, v, e)
// table for the admin, with their definitions. gofiber/storage/mysql's
// upsert touches only k, v and e, so these survive its writes.
var sessionColumns = []struct{ name, ddl string }{
	{"user_id", "BIGINT UNSIGNED NULL"},
	{"ip", "VARCHAR(45) NOT NULL DEFAULT ''"},
	{"user_agent", "VARCHAR(512) NOT NULL DEFAULT ''"},
	{"created_at", "BIGINT NOT NULL DEFAULT 0"},
	{"last_seen", "BIGINT NOT NULL DEFAULT 0"},
	// kh identifies a session in admin URLs and the audit trail without
	// revealing its key: the first 16 hex digits of its SHA-256, computed
	// by the database, so rows the storage writes get it too.
	{"kh", "CHAR(16) CHARACTER SET ascii AS (LEFT(SHA2(k, 256), 16)) STORED"},
}

// sessionIndexes serve the storage's garbage collector (e), the admin's
// list by activity and its filters, the per-user lists and the chart.
var sessionIndexes = []struct{ name, columns string }{
	{"sessions_e", "(e)"},
	{"sessions_last_seen", "(last_seen, kh)"},
	{"sessions_user_seen", "(user_id, last_seen, kh)"},
	{"sessions_ip_seen", "(ip, last_seen, kh)"},
	{"sessions_kh", "(kh)"},
}

// droppedSessionIndexes were superseded by covering indexes, or
// (created_at) by the dashboard's single scan: every index costs each
// insert and delete.
var droppedSessionIndexes = []string{"sessions_user", "sessions_ip", "sessions_created"}

// migrateSessions creates the sessions table, or adds what an older one
// lacks. (MySQL 8 has no ADD COLUMN IF NOT EXISTS, hence the look-ups.)
func (s *Store) migrateSessions(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(sessionsTable).Error; err != nil {
		return fmt.Errorf("create sessions table: %w", err)
	}
	var cols []string
	if err := db.Raw("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'sessions'").
		Scan(&cols).Error; err != nil {
		return fmt.Errorf("sessions columns: %w", err)
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[strings.ToLower(c)] = true
	}
	for _, c := range sessionColumns {
		if !have[c.name] {
			if err := db.Exec("ALTER TABLE sessions ADD COLUMN " + c.name + " " + c.ddl).Error; err != nil {
				return fmt.Errorf("add sessions.%s: %w", c.name, err)
			}
		}
	}
	var idx []string
	if err := db.Raw("SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'sessions'").
		Scan(&idx).Error; err != nil {
		return fmt.Errorf("sessions indexes: %w", err)
	}
	haveIdx := map[string]bool{}
	for _, i := range idx {
		haveIdx[strings.ToLower(i)] = true
	}
	for _, old := range droppedSessionIndexes {
		if haveIdx[old] {
			if err := db.Exec("DROP INDEX " + old + " ON sessions").Error; err != nil {
				return fmt.Errorf("drop index %s: %w", old, err)
			}
		}
	}
	for _, i := range sessionIndexes {
		if !haveIdx[i.name] {
			if err := db.Exec("CREATE INDEX " + i.name + " ON sessions " + i.columns).Error; err != nil {
				return fmt.Errorf("index %s: %w", i.name, err)
			}
		}
	}
	return nil
}

// SessionMeta is what the admin sees about a session besides its data.
type SessionMeta struct {
	UserID    uint64 // 0 for an anonymous session
	IP        string
	UserAgent string
}

// nullableUser stores 0 as NULL.
func nullableUser(id uint64) any {
	if id == 0 {
		return nil
	}
	return id
}

// InsertSession stores a new session with its metadata in one statement.
func (s *Store) InsertSession(ctx context.Context, key string, data []byte, expires time.Time, meta SessionMeta) error {
	now := time.Now().Unix()
	err := s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Exec(
			"INSERT INTO sessions (k, v, e, user_id, ip, user_agent, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			key, data, expires.Unix(), nullableUser(meta.UserID), truncate(meta.IP, 45), truncate(meta.UserAgent, 512), now, now).Error
	})
	if err == nil {
		s.stats.sessionInserts.Add(1)
	}
	return translate(err, "insert session")
}

// ErrSessionGone means the session row was deleted (logout, an admin, the
// cleanup) while a request was changing it; it is not brought back.
var ErrSessionGone = errors.New("models: session no longer exists")

// SessionUpdate is what a change of a stored session writes: its data,
// the user it now belongs to (0 for none) and its new expiry.
type SessionUpdate struct {
	Data    []byte
	UserID  uint64
	Expires time.Time
}

// UpdateSession changes a stored session atomically: it locks the row,
// passes its current data to apply, and writes what apply returns with the
// new expiry, unless apply reports no change. A row that is gone or
// expired gives ErrSessionGone and is not recreated. apply may run more
// than once: a conflict with a concurrent write (on a Galera cluster, one
// made on another node) runs it all again, until ctx's deadline. On a
// cluster the transaction starts with a causal wait (see Open), so apply
// sees every change committed on any node before.
func (s *Store) UpdateSession(ctx context.Context, key string, apply func(old []byte) (SessionUpdate, bool, error)) error {
	wrote := false
	err := s.retryConflicts(ctx, func() error {
		wrote = false
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var row struct {
				V []byte
				E int64
			}
			res := tx.Raw("SELECT v, e FROM sessions WHERE k = ? FOR UPDATE", key).Scan(&row)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 || (row.E != 0 && row.E <= time.Now().Unix()) {
				return ErrSessionGone
			}
			update, changed, err := apply(row.V)
			if err != nil || !changed {
				return err
			}
			wrote = true
			return tx.Exec("UPDATE sessions SET v = ?, e = ?, user_id = ?, last_seen = ? WHERE k = ?",
				update.Data, update.Expires.Unix(), nullableUser(update.UserID), time.Now().Unix(), key).Error
		}, &sql.TxOptions{})
	})
	if err == nil && wrote {
		s.stats.sessionUpdates.Add(1)
	}
	if errors.Is(err, ErrSessionGone) {
		return err
	}
	return translate(err, "update session")
}

// TouchSession records activity on a session: its last-seen time and, when
// slide is set, a new expiry. It writes only if last_seen is older than
// minAge, so that repeated calls cost a write at most that often.
func (s *Store) TouchSession(ctx context.Context, key string, minAge time.Duration, expires time.Time, slide bool) error {
	now := time.Now()
	q := "UPDATE sessions SET last_seen = ? WHERE k = ? AND last_seen < ?"
	args := []any{now.Unix(), key, now.Add(-minAge).Unix()}
	if slide {
		q = "UPDATE sessions SET last_seen = ?, e = ? WHERE k = ?"
		args = []any{now.Unix(), expires.Unix(), key}
	}
	err := s.retryConflicts(ctx, func() error { return s.db.WithContext(ctx).Exec(q, args...).Error })
	if err == nil {
		s.stats.sessionTouches.Add(1)
	}
	return translate(err, "touch session")
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// SessionExpiry returns when the stored session with this key expires, or
// ErrNotFound if no such session is stored.
func (s *Store) SessionExpiry(ctx context.Context, key string) (time.Time, error) {
	var e []int64
	err := s.db.WithContext(ctx).Raw("SELECT e FROM sessions WHERE k = ?", key).Scan(&e).Error
	if err != nil {
		return time.Time{}, translate(err, "session expiry")
	}
	if len(e) == 0 {
		return time.Time{}, fmt.Errorf("models: session: %w", ErrNotFound)
	}
	return time.Unix(e[0], 0), nil
}

// DeleteExpiredSessions deletes the sessions that have ended at now: past
// their expiry (walked along the expiry index), or unused for longer than
// the limits allow (along the last-seen index). It works in batches of
// batch rows, so that no statement holds its locks for long, and calls
// progress with the running total and the batch's duration after each
// batch. Several cleanups may run at once (one per host): each row is
// deleted, and counted, by one of them. A session past only its absolute
// lifetime is deleted when it is next presented, or once it is idle.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, limits SessionLimits, batch int, progress func(int64, time.Duration)) (int64, error) {
	// Past their expiry: the browser's cookie has expired too (or will
	// when it closes), so no record of why is kept.
	// In the expiry index's order: its entries, those of the activity
	// index and, as keys begin with the time they were made
	// (web.SessionKeyAt), the table's rows go in runs, so that a batch
	// touches few pages (BENCHMARKS.md).
	steps := []func() (int64, bool, error){s.expiredWalk(ctx, now, batch)}
	if idle := limits.idleLimit(); idle > 0 {
		// Idle ones may still be in a browser: it will be told why.
		steps = append(steps, func() (int64, bool, error) {
			n, err := endSessions(s.db.WithContext(ctx), EndedTimedOut, "last_seen > 0 AND last_seen < ?",
				[]any{now.Add(-idle).Unix()}, "last_seen", batch)
			return n, n >= int64(batch), err
		})
	}
	// A large backlog goes with the old table instead (session_swap.go);
	// the walk then deletes what the site left expired meanwhile.
	total, swapped, err := s.swapOutExpired(ctx, now, batch)
	if err != nil {
		return total, translate(err, "clear expired sessions")
	}
	if swapped && progress != nil && total > 0 {
		progress(total, 0)
	}
	for _, step := range steps {
		for more := true; more; {
			var n int64
			start := time.Now()
			err := s.retryConflicts(ctx, func() (err error) {
				n, more, err = step()
				return err
			})
			if err != nil {
				return total, translate(err, "delete expired sessions")
			}
			s.stats.expiredDeleted.Add(n)
			total += n
			if progress != nil && n > 0 {
				progress(total, time.Since(start))
			}
		}
	}
	return total, nil
}

// expiredWalk returns the step that deletes the next batch of sessions
// past their expiry at now, and tells whether there may be more. It walks
// the expiry index by ranges: the expiry that ends a batch is read from
// where the last batch ended, and the batch deletes that range. A DELETE
// … ORDER BY e LIMIT n would start from the index's beginning each time
// and step over every entry the earlier batches delete-marked and purge
// has not yet removed: a quadratic walk that cost a quarter of the time
// per row (BENCHMARKS.md). Several cleanups at once walk the same ranges;
// each row is deleted, and counted, by one of them.
func (s *Store) expiredWalk(ctx context.Context, now time.Time, batch int) func() (int64, bool, error) {
	from := int64(1) // the smallest expiry left; 0 is "never"
	return func() (int64, bool, error) {
		db := s.db.WithContext(ctx)
		last, more := now.Unix(), false
		var edge []int64
		err := db.Raw("SELECT e FROM sessions WHERE e >= ? AND e <= ? ORDER BY e LIMIT 1 OFFSET ?", from, last, batch-1).
			Scan(&edge).Error
		if err != nil {
			return 0, false, err
		}
		if len(edge) == 1 && edge[0] < last {
			last, more = edge[0], true
		}
		res := db.Exec("DELETE FROM sessions WHERE e >= ? AND e <= ? ORDER BY e LIMIT ?", from, last, batch)
		if res.Error != nil {
			return 0, false, res.Error
		}
		if res.RowsAffected >= int64(batch) {
			return res.RowsAffected, true, nil // more than a batch expire at last: go on from here
		}
		from = last + 1
		return res.RowsAffected, more, nil
	}
}

// StoredSession is a session row as the session layer loads it.
type StoredSession struct {
	Data      []byte
	Expiry    int64
	CreatedAt int64
	LastSeen  int64
}

// LoadSession reads a session by key with its timestamps, in one query by
// primary key. found is false when there is no such row. Every page view
// of a returning visitor runs it, so it goes to database/sql directly:
// GORM's scanning costs more than the query here.
func (s *Store) LoadSession(ctx context.Context, key string) (StoredSession, bool, error) {
	sqlDB, err := s.SQLDB()
	if err != nil {
		return StoredSession{}, false, err
	}
	s.stats.sessionReads.Add(1)
	var row StoredSession
	err = sqlDB.QueryRowContext(ctx, "SELECT v, e, created_at, last_seen FROM sessions WHERE k = ?", key).
		Scan(&row.Data, &row.Expiry, &row.CreatedAt, &row.LastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredSession{}, false, nil
	}
	if err != nil {
		return StoredSession{}, false, translate(err, "load session")
	}
	return row, true, nil
}
