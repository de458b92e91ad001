package web

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

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
