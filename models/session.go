package models

import (
	"context"
	"fmt"
	"time"
)

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

// DeleteExpiredSessions deletes the sessions that expired before now in
// batches of batch rows, so that no statement holds its locks for long, and
// calls progress with the running total after each batch. A deadlock with a
// concurrent cleanup (another host running it too) is retried.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, batch int, progress func(int64)) (int64, error) {
	var total int64
	for {
		var n int64
		err := retryDeadlock(ctx, func() error {
			res := s.db.WithContext(ctx).Exec(
				"DELETE FROM sessions WHERE e != 0 AND e <= ? ORDER BY e LIMIT ?", now.Unix(), batch)
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return total, translate(err, "delete expired sessions")
		}
		total += n
		if progress != nil && n > 0 {
			progress(total)
		}
		if n < int64(batch) {
			return total, nil
		}
	}
}

// retryDeadlock runs f again, up to five times, while MySQL reports a
// deadlock (1213) or a lock wait timeout (1205).
func retryDeadlock(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = f(); err == nil || !isLockConflict(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}
