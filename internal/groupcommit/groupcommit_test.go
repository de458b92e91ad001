package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// write is a test's write: what to do once committed.
type write struct{ changes []func() }

// TestQueueBatchesOneSessionAtATime: many writes of one session at
// once are each committed exactly once, never two batches of a key at the
// same time, in fewer transactions than writes; other keys go on beside.
func TestQueueBatchesOneSessionAtATime(t *testing.T) {
	q := New[*write]()
	var inFlight, maxInFlight, commits atomic.Int64
	var mu sync.Mutex
	applied := map[string]int{}
	commit := func(_ context.Context, key string, batch []*write) error {
		if key == "hot" {
			if n := inFlight.Add(1); n > 1 {
				maxInFlight.Store(n)
			}
			defer inFlight.Add(-1)
		}
		commits.Add(1)
		time.Sleep(2 * time.Millisecond) // a transaction's round trips
		mu.Lock()
		defer mu.Unlock()
		for _, w := range batch {
			for _, change := range w.changes {
				change()
			}
		}
		applied[key] += len(batch)
		return nil
	}
	var wg sync.WaitGroup
	var counted atomic.Int64
	for i := range 200 {
		key := "hot"
		if i%10 == 0 {
			key = "cold-" + string(rune('a'+i/10))
		}
		wg.Go(func() {
			w := &write{changes: []func(){func() { counted.Add(1) }}}
			if err := q.Submit(context.Background(), key, w, commit); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := counted.Load(); got != 200 {
		t.Errorf("%d changes applied, want 200 (each exactly once)", got)
	}
	if applied["hot"] != 180 {
		t.Errorf("the hot session got %d writes, want 180", applied["hot"])
	}
	if maxInFlight.Load() > 0 {
		t.Error("two batches of one session were committed at the same time")
	}
	if c := commits.Load(); c >= 200 {
		t.Errorf("%d transactions for 200 writes: no batching", c)
	}
	if n := q.Pending(); n != 0 {
		t.Errorf("%d keys still held after every write finished", n)
	}
	t.Logf("200 writes (180 of one session) in %d transactions", commits.Load())
}

// TestQueueAbandonedWriteIsDropped: a write whose request runs out of
// time while it waits answers ErrBusy and is never applied later.
func TestQueueAbandonedWriteIsDropped(t *testing.T) {
	q := New[*write]()
	release := make(chan struct{})
	var applied atomic.Int64
	commit := func(_ context.Context, _ string, batch []*write) error {
		<-release
		for _, w := range batch {
			for _, change := range w.changes {
				change()
			}
		}
		return nil
	}
	count := []func(){func() { applied.Add(1) }}
	leaderDone := make(chan error)
	go func() { leaderDone <- q.Submit(context.Background(), "k", &write{changes: count}, commit) }()
	for q.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // the leader is inside commit now
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := q.Submit(ctx, "k", &write{changes: count}, commit)
	if !errors.Is(err, ErrGaveUp) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a write that ran out of time waiting: %v, want ErrGaveUp", err)
	}
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatal(err)
	}
	if got := applied.Load(); got != 1 {
		t.Errorf("%d changes applied, want 1: the abandoned write must not be applied", got)
	}
	if n := q.Pending(); n != 0 {
		t.Errorf("%d keys still held", n)
	}
}

// TestQueueErrorReachesEveryWrite: a failed batch fails each of its
// writes, and the next write leads a new batch.
func TestQueueErrorReachesEveryWrite(t *testing.T) {
	q := New[*write]()
	boom := errors.New("boom")
	gate := make(chan struct{})
	var calls atomic.Int64
	commit := func(_ context.Context, _ string, batch []*write) error {
		if calls.Add(1) == 1 {
			<-gate
			return boom
		}
		return nil
	}
	errs := make(chan error, 10)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- q.Submit(context.Background(), "k", &write{}, commit) })
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 5 {
		wg.Go(func() { errs <- q.Submit(context.Background(), "k", &write{}, commit) })
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if errors.Is(err, boom) {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d writes failed, want 1: the first batch (the leader alone) failed, the five queued meanwhile form the next", failed)
	}
}
