package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Why a session was ended, recorded so that the browser that still holds
// its key can be told once (EndedSession).
const (
	// EndedSignedOut: the user ended it from another of their sessions.
	EndedSignedOut = "signed_out"
	// EndedByAdmin: a staff member ended it, or changed the account.
	EndedByAdmin = "admin"
	// EndedPasswordChanged: the account's password changed.
	EndedPasswordChanged = "password"
	// EndedTimedOut: it passed its idle timeout or absolute lifetime.
	EndedTimedOut = "timeout"
	// EndedAccountDeleted: the account was deleted.
	EndedAccountDeleted = "deleted"
)

// EndedSession records that the session with this key hash was ended, and
// why, until the key would have expired. It is looked up only when a
// browser presents a key that names no session, never on a normal page
// view; the sweeper trims what is past its time.
type EndedSession struct {
	Hash   string `gorm:"column:kh;primaryKey;type:char(16) CHARACTER SET ascii"`
	Reason string `gorm:"size:16;not null"`
	Until  int64  `gorm:"not null;index"`
}

// TableName is the table of ended sessions.
func (EndedSession) TableName() string { return "ended_sessions" }

// endSessions deletes the sessions that cond (with args) selects,
// recording why for each, in one transaction; it returns how many ended.
// order and limit, when set, bound one batch of a large deletion.
func endSessions(tx *gorm.DB, reason, cond string, args []any, order string, limit int) (int64, error) {
	tail := ""
	if order != "" {
		tail = " ORDER BY " + order
	}
	if limit > 0 {
		tail += fmt.Sprintf(" LIMIT %d", limit)
	}
	var n int64
	err := tx.Transaction(func(tx *gorm.DB) error {
		err := tx.Exec("INSERT INTO ended_sessions (kh, reason, until) SELECT kh, ?, e FROM sessions WHERE "+cond+tail+
			" ON DUPLICATE KEY UPDATE reason = VALUES(reason), until = VALUES(until)", append([]any{reason}, args...)...).Error
		if err != nil {
			return err
		}
		res := tx.Exec("DELETE FROM sessions WHERE "+cond+tail, args...)
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

// EndSession deletes the session with this key, recording why.
func (s *Store) EndSession(ctx context.Context, key, reason string) error {
	err := s.retryConflicts(ctx, func() error {
		_, err := endSessions(s.db.WithContext(ctx), reason, "k = ?", []any{key}, "", 0)
		return err
	})
	return translate(err, "end session")
}

// EndedReason returns why the session with this key hash was ended, or ""
// if no record says.
func (s *Store) EndedReason(ctx context.Context, hash string) (string, error) {
	var e EndedSession
	err := s.db.WithContext(ctx).Where("kh = ? AND until > ?", hash, time.Now().Unix()).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return e.Reason, translate(err, "ended session")
}

// TrimEndedSessions deletes the records of ended sessions whose keys
// would have expired by now, batch rows at a time.
func (s *Store) TrimEndedSessions(ctx context.Context, now time.Time, batch int) (int64, error) {
	var total int64
	for {
		res := s.db.WithContext(ctx).Exec("DELETE FROM ended_sessions WHERE until <= ? ORDER BY until LIMIT ?", now.Unix(), batch)
		if res.Error != nil {
			return total, translate(res.Error, "trim ended sessions")
		}
		total += res.RowsAffected
		if res.RowsAffected < int64(batch) {
			return total, nil
		}
	}
}
