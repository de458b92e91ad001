package models

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Write conflicts. MariaDB and MySQL abort a transaction that deadlocks
// (1213) or waits too long for a row lock (1205). On a Galera cluster row
// locks do not span nodes: a transaction that touches a row another node
// changed meanwhile fails at commit, with 1213 too (a certification
// failure). Either way nothing was written and the whole transaction can
// run again, so every write of the store goes through retryConflicts.

// ErrConflict means a write kept conflicting with concurrent writes of the
// same rows until its deadline. Nothing was written; the site answers 503
// with Retry-After (see IsUnavailable), never 500.
var ErrConflict = errors.New("models: write kept conflicting with concurrent writes until the deadline")

// Backoff between attempts: exponential from retryBase, capped at
// retryCap, with full jitter (a random wait up to the step), so that the
// losers of one conflict do not collide again in step.
const (
	retryBase = 2 * time.Millisecond
	retryCap  = 128 * time.Millisecond
	// retryNoDeadline bounds the retries of work whose context has no
	// deadline (the -clearsessions command, the sweeper, start-up).
	retryNoDeadline = 30 * time.Second
)

// retryConflicts runs f, which must be a whole transaction (or a single
// statement), and runs it again while it fails with a lock conflict, until
// ctx's deadline. Giving up returns an error that wraps ErrConflict and
// the last conflict. Inside a transaction use f's statements directly:
// after a conflict only the whole transaction may run again.
func (s *Store) retryConflicts(ctx context.Context, f func() error) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(retryNoDeadline)
	}
	step := retryBase
	for {
		err := f()
		if err == nil || !isLockConflict(err) {
			return err
		}
		wait := rand.N(step) + time.Millisecond
		if time.Now().Add(wait).After(deadline) {
			s.stats.conflictGiveUps.Add(1)
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
		s.stats.conflictRetries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.stats.conflictGiveUps.Add(1)
			return fmt.Errorf("%w: %w (last: %w)", ErrConflict, ctx.Err(), err)
		case <-t.C:
		}
		step = min(2*step, retryCap)
	}
}

// RetryConflicts runs f as retryConflicts does, for writes made outside
// this package: gofiber/storage/mysql's deletes and upserts.
func (s *Store) RetryConflicts(ctx context.Context, f func(context.Context) error) error {
	return s.retryConflicts(ctx, func() error { return f(ctx) })
}
