package web

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWriteQueueBatchesOneSessionAtATime: many writes of one session at
// once are each committed exactly once, never two batches of a key at the
// same time, in fewer transactions than writes; other keys go on beside.
func TestWriteQueueBatchesOneSessionAtATime(t *testing.T) {
	q := newWriteQueue()
	var inFlight, maxInFlight, commits atomic.Int64
	var mu sync.Mutex
	applied := map[string]int{}
	commit := func(_ context.Context, key string, batch []*sessionWrite) error {
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
				change(Data{})
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
			w := &sessionWrite{changes: []Change{func(Data) bool { counted.Add(1); return true }}}
			if err := q.submit(context.Background(), key, w, commit); err != nil {
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
	if n := q.pending(); n != 0 {
		t.Errorf("%d keys still held after every write finished", n)
	}
	t.Logf("200 writes (180 of one session) in %d transactions", commits.Load())
}

// TestWriteQueueAbandonedWriteIsDropped: a write whose request runs out of
// time while it waits answers ErrBusy and is never applied later.
func TestWriteQueueAbandonedWriteIsDropped(t *testing.T) {
	q := newWriteQueue()
	release := make(chan struct{})
	var applied atomic.Int64
	commit := func(_ context.Context, _ string, batch []*sessionWrite) error {
		<-release
		for _, w := range batch {
			for _, change := range w.changes {
				change(Data{})
			}
		}
		return nil
	}
	count := []Change{func(Data) bool { applied.Add(1); return true }}
	leaderDone := make(chan error)
	go func() { leaderDone <- q.submit(context.Background(), "k", &sessionWrite{changes: count}, commit) }()
	for q.pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // the leader is inside commit now
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := q.submit(ctx, "k", &sessionWrite{changes: count}, commit)
	if !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a write that ran out of time waiting: %v, want ErrBusy", err)
	}
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatal(err)
	}
	if got := applied.Load(); got != 1 {
		t.Errorf("%d changes applied, want 1: the abandoned write must not be applied", got)
	}
	if n := q.pending(); n != 0 {
		t.Errorf("%d keys still held", n)
	}
}

// TestWriteQueueErrorReachesEveryWrite: a failed batch fails each of its
// writes, and the next write leads a new batch.
func TestWriteQueueErrorReachesEveryWrite(t *testing.T) {
	q := newWriteQueue()
	boom := errors.New("boom")
	gate := make(chan struct{})
	var calls atomic.Int64
	commit := func(_ context.Context, _ string, batch []*sessionWrite) error {
		if calls.Add(1) == 1 {
			<-gate
			return boom
		}
		return nil
	}
	errs := make(chan error, 10)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- q.submit(context.Background(), "k", &sessionWrite{}, commit) })
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 5 {
		wg.Go(func() { errs <- q.submit(context.Background(), "k", &sessionWrite{}, commit) })
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

// TestKeyedSemaphoreBoundsAndReleases: no more than size holders of a key
// at once; a waiter whose time runs out gets ErrBusy; nothing is left
// behind.
func TestKeyedSemaphoreBoundsAndReleases(t *testing.T) {
	k := newKeyedSemaphore(3)
	var holders, most atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			release, err := k.acquire(context.Background(), "client")
			if err != nil {
				t.Error(err)
				return
			}
			n := holders.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			holders.Add(-1)
			release()
		})
	}
	wg.Wait()
	if most.Load() != 3 {
		t.Errorf("at most %d holders at once, want 3", most.Load())
	}
	var releases []func()
	for range 3 {
		r, err := k.acquire(context.Background(), "client")
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := k.acquire(ctx, "client"); !errors.Is(err, ErrBusy) {
		t.Errorf("a fourth holder past its deadline: %v, want ErrBusy", err)
	}
	if r, err := k.acquire(context.Background(), "other"); err != nil {
		t.Errorf("another key must not wait: %v", err)
	} else {
		r()
	}
	for _, r := range releases {
		r()
	}
	if n := k.inUse(); n != 0 {
		t.Errorf("%d keys still held after every release", n)
	}
}
