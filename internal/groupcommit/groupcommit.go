// Package groupcommit applies the writes of each key (a session, a
// category's like count) one batch at a time in this process, before any
// database connection is taken. The first write of a key leads: it
// commits every write queued for that key in one go (its own included),
// hands the result to each, and passes the lead to the first write that
// queued meanwhile. However many requests change one row at once, the
// process then holds one connection and one row lock for them, and a
// burst costs a few transactions instead of one row-lock wait per
// request. A key's entry lives only while a write of it is pending, so
// memory follows the requests in flight.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrGaveUp is returned for a write whose context ended while it waited
// for its turn: it was dropped, never applied.
var ErrGaveUp = errors.New("groupcommit: gave up waiting for the turn")

// Commit writes a batch of one key's writes in one go; its error is every
// write's result.
type Commit[W any] func(ctx context.Context, key string, batch []W) error

// Queue queues the writes of type W by key.
type Queue[W any] struct {
	mu   sync.Mutex
	keys map[string]*pending[W]
}

// pending are the writes of one key waiting for a batch.
type pending[W any] struct {
	waiting []*entry[W]
	busy    bool // a batch of this key is being committed
}

// entry is one write in the queue; state, lead and done are guarded by
// Queue.mu.
type entry[W any] struct {
	w     W
	state state
	lead  chan struct{} // closed when this write must lead the next batch
	done  chan error    // receives the batch's result when another led it
}

type state int

const (
	waiting state = iota // in the queue, not yet in a batch
	leading              // asked to commit the next batch
	taken                // in a batch being committed
)

// New returns an empty queue.
func New[W any]() *Queue[W] {
	return &Queue[W]{keys: map[string]*pending[W]{}}
}

// Submit queues w and returns once it is committed (with its batch's
// result), or once ctx ends before it was taken into a batch (an error
// wrapping ErrGaveUp and ctx's; w is then dropped, not written later).
func (q *Queue[W]) Submit(ctx context.Context, key string, w W, commit Commit[W]) error {
	e := &entry[W]{w: w, lead: make(chan struct{}), done: make(chan error, 1)}
	q.mu.Lock()
	p := q.keys[key]
	if p == nil {
		p = &pending[W]{}
		q.keys[key] = p
	}
	p.waiting = append(p.waiting, e)
	if !p.busy {
		p.busy, e.state = true, leading
		q.mu.Unlock()
		return q.leadBatch(ctx, key, p, e, commit)
	}
	q.mu.Unlock()
	select {
	case err := <-e.done:
		return err
	case <-e.lead:
		return q.leadBatch(ctx, key, p, e, commit)
	case <-ctx.Done():
		return q.abandon(ctx, key, p, e)
	}
}

// leadBatch commits every write waiting for the key, then passes the lead
// on; it returns the leader's own result.
func (q *Queue[W]) leadBatch(ctx context.Context, key string, p *pending[W], leader *entry[W], commit Commit[W]) error {
	q.mu.Lock()
	batch := p.waiting
	p.waiting = nil
	writes := make([]W, len(batch))
	for i, e := range batch {
		e.state = taken
		writes[i] = e.w
	}
	q.mu.Unlock()

	err := commit(ctx, key, writes)
	for _, e := range batch {
		if e != leader {
			e.done <- err
		}
	}
	q.mu.Lock()
	q.passLead(key, p)
	q.mu.Unlock()
	return err
}

// passLead wakes the first waiting write to lead the next batch, or
// forgets the key when none waits. q.mu must be held.
func (q *Queue[W]) passLead(key string, p *pending[W]) {
	if len(p.waiting) == 0 {
		p.busy = false
		delete(q.keys, key)
		return
	}
	next := p.waiting[0]
	next.state = leading
	close(next.lead)
}

// abandon handles a write whose request ran out of time while it waited.
// One not yet in a batch leaves the queue (passing on the lead if it had
// just been given it); one already in a batch waits for that batch's
// result, which the leader delivers within its own deadline.
func (q *Queue[W]) abandon(ctx context.Context, key string, p *pending[W], e *entry[W]) error {
	q.mu.Lock()
	switch e.state {
	case taken:
		q.mu.Unlock()
		return <-e.done
	case leading:
		p.remove(e)
		q.passLead(key, p)
	default:
		p.remove(e)
	}
	q.mu.Unlock()
	return fmt.Errorf("%w (%w)", ErrGaveUp, ctx.Err())
}

// remove drops e from the waiting writes.
func (p *pending[W]) remove(e *entry[W]) {
	for i, x := range p.waiting {
		if x == e {
			p.waiting = append(p.waiting[:i], p.waiting[i+1:]...)
			return
		}
	}
}

// Pending returns how many keys have writes in progress or waiting.
func (q *Queue[W]) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.keys)
}
