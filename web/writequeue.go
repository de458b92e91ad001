package web

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// sessionWrite is one request's pending write of a stored session: the
// changes it made to the data (none for a touch), and whether it slides
// the expiry.
type sessionWrite struct {
	changes []Change
	slide   bool
	expires time.Time // for a touch: the expiry a slide sets

	// state, lead and done are guarded by writeQueue.mu.
	state writeState
	lead  chan struct{} // closed when this write must lead the next batch
	done  chan error    // receives the batch's result when another led it
}

type writeState int

const (
	writeWaiting writeState = iota // in the queue, not yet in a batch
	writeLeading                   // asked to commit the next batch
	writeTaken                     // in a batch being committed
)

// writeQueue applies the writes of each session one batch at a time per
// instance, before any database connection is taken. The first write of
// a session leads: it commits every write queued for that key in one
// transaction (its own included), hands the results to their requests,
// and passes the lead to the first write that queued meanwhile. However
// many requests of one browser change its session at once, the instance
// holds at most one connection for them, and a burst costs a few
// transactions instead of one row-lock wait per request. An entry lives
// only while a write of its key is pending, so memory follows the
// requests in flight.
type writeQueue struct {
	mu   sync.Mutex
	keys map[string]*keyWrites
}

// keyWrites are the pending writes of one session.
type keyWrites struct {
	waiting []*sessionWrite
	busy    bool // a batch of this key is being committed
}

// commitFunc writes a batch of one session's writes in one go.
type commitFunc func(ctx context.Context, key string, batch []*sessionWrite) error

func newWriteQueue() *writeQueue {
	return &writeQueue{keys: map[string]*keyWrites{}}
}

// submit queues w and returns once it is committed (with the batch's
// result), or once ctx ends before it was taken into a batch (ErrBusy; w
// is then dropped, not written later).
func (q *writeQueue) submit(ctx context.Context, key string, w *sessionWrite, commit commitFunc) error {
	w.lead, w.done = make(chan struct{}), make(chan error, 1)
	q.mu.Lock()
	kw := q.keys[key]
	if kw == nil {
		kw = &keyWrites{}
		q.keys[key] = kw
	}
	kw.waiting = append(kw.waiting, w)
	if !kw.busy {
		kw.busy, w.state = true, writeLeading
		q.mu.Unlock()
		return q.leadBatch(ctx, key, kw, w, commit)
	}
	q.mu.Unlock()
	select {
	case err := <-w.done:
		return err
	case <-w.lead:
		return q.leadBatch(ctx, key, kw, w, commit)
	case <-ctx.Done():
		return q.abandon(ctx, key, kw, w)
	}
}

// leadBatch commits every write waiting for the key, then passes the lead
// on; it returns the leader's own result.
func (q *writeQueue) leadBatch(ctx context.Context, key string, kw *keyWrites, leader *sessionWrite, commit commitFunc) error {
	q.mu.Lock()
	batch := kw.waiting
	kw.waiting = nil
	for _, w := range batch {
		w.state = writeTaken
	}
	q.mu.Unlock()

	err := commit(ctx, key, batch)
	for _, w := range batch {
		if w != leader {
			w.done <- err
		}
	}
	q.mu.Lock()
	q.passLead(key, kw)
	q.mu.Unlock()
	return err
}

// passLead wakes the first waiting write to lead the next batch, or
// forgets the key when none waits. q.mu must be held.
func (q *writeQueue) passLead(key string, kw *keyWrites) {
	if len(kw.waiting) == 0 {
		kw.busy = false
		delete(q.keys, key)
		return
	}
	next := kw.waiting[0]
	next.state = writeLeading
	close(next.lead)
}

// abandon handles a request whose time ran out while its write waited. A
// write not yet in a batch leaves the queue (passing on the lead if it had
// just been given it); one already in a batch waits for that batch's
// result, which the leader delivers within its own deadline.
func (q *writeQueue) abandon(ctx context.Context, key string, kw *keyWrites, w *sessionWrite) error {
	q.mu.Lock()
	switch w.state {
	case writeTaken:
		q.mu.Unlock()
		return <-w.done
	case writeLeading:
		kw.remove(w)
		q.passLead(key, kw)
	default:
		kw.remove(w)
	}
	q.mu.Unlock()
	return fmt.Errorf("%w (%w)", ErrBusy, ctx.Err())
}

// remove drops w from the waiting writes.
func (kw *keyWrites) remove(w *sessionWrite) {
	for i, x := range kw.waiting {
		if x == w {
			kw.waiting = append(kw.waiting[:i], kw.waiting[i+1:]...)
			return
		}
	}
}

// pending returns how many sessions have writes in progress, for tests.
func (q *writeQueue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.keys)
}
