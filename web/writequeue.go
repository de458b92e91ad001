package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"rango/internal/groupcommit"
)

// sessionWrite is one request's pending write of a stored session: the
// changes it made to the data (none for a touch), and whether it slides
// the expiry. The writes of one session are queued in the instance and
// committed in batches (package groupcommit), so that a burst of one
// browser's requests holds one connection and one row lock.
type sessionWrite struct {
	changes []Change
	slide   bool
	expires time.Time // for a touch: the expiry a slide sets
}

// writeQueue is the instance's queue of session writes, by key.
type writeQueue = groupcommit.Queue[*sessionWrite]

func newWriteQueue() *writeQueue { return groupcommit.New[*sessionWrite]() }

// submitWrite queues w for the session key and waits until it is
// committed; a write whose request ran out of time while it waited its
// turn is dropped and answers ErrBusy.
func (m *Sessions) submitWrite(ctx context.Context, key string, w *sessionWrite) error {
	err := m.writes.Submit(ctx, key, w, m.commitBatch)
	if errors.Is(err, groupcommit.ErrGaveUp) {
		return fmt.Errorf("%w (%w)", ErrBusy, err)
	}
	return err
}
