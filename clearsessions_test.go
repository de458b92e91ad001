package main

import (
	"context"
	"sync"
	"testing"
	"time"
)

// The cleanup pauses after a batch during which other clients kept the
// database busy, as long as the batch took.
func TestPacerPausesWhileTheSiteIsBusy(t *testing.T) {
	store, site := openTestStore(t), openTestStore(t)
	ctx := t.Context()
	p := newPacer(ctx, store)
	// Another client: a few hundred statements in the 100 ms of "batch".
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				site.DB().Exec("SELECT 1")
			}
		}
	})
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	start := time.Now()
	if !p.wait(ctx, 50*time.Millisecond) {
		t.Fatal("no pause after a batch during which another client sent statements")
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("paused %s, want as long as the batch (50ms)", waited)
	}
}

// With no other client, the cleanup goes straight on: only its own
// statements moved the server's counter. (Other test packages share the
// server in CI, so "no other client" is a counter that sees only the
// cleanup's own statements.)
func TestPacerGoesOnWhenTheDatabaseIsIdle(t *testing.T) {
	store := openTestStore(t)
	ctx := t.Context()
	p := newPacer(ctx, store)
	p.statements = func(context.Context) (int64, error) { return 1000 + store.RoundTrips(), nil }
	p.mark(ctx)
	for range 5 {
		store.DB().Exec("SELECT 1") // the cleanup's own batch
		start := time.Now()
		if p.wait(ctx, time.Second) {
			t.Fatal("paused with no other client")
		}
		if waited := time.Since(start); waited > 500*time.Millisecond {
			t.Fatalf("waited %s with no other client", waited)
		}
	}
}
