package cluster_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rango/internal/testsite"
	"rango/models"
)

// BenchmarkSessionRead measures what a causal read costs: a session read
// by key on node 2, with wsrep_sync_wait=1 (Rango's default on Galera) and
// 0, on an idle cluster and while node 1 commits session updates
// continuously (the causal read then also waits for those to be applied).
//
//	go test -run '^$' -bench SessionRead -count 5 ./cluster/
func BenchmarkSessionRead(b *testing.B) {
	db := newDatabase("bench")
	ctx := context.Background()
	writer := openStore(b, cluster.Nodes[0].Addr(), db, "")
	if err := writer.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const key = "benchmark-session-key-0000000000000000000000000000000000000000"
	if err := writer.InsertSession(ctx, key, []byte("data"), time.Now().Add(time.Hour), models.SessionMeta{}); err != nil {
		b.Fatal(err)
	}
	for _, load := range []bool{false, true} {
		for _, wait := range []int{1, 0} {
			name := fmt.Sprintf("writes=%v/wsrep_sync_wait=%d", load, wait)
			b.Run(name, func(b *testing.B) {
				reader := openStore(b, cluster.Nodes[1].Addr(), db, fmt.Sprintf("&wsrep_sync_wait=%d", wait))
				if load {
					defer writeContinuously(b, writer, 8)()
				}
				for b.Loop() {
					if _, found, err := reader.LoadSession(ctx, key); err != nil || !found {
						b.Fatalf("found %v, %v", found, err)
					}
				}
			})
		}
	}
}

// openStore opens a store on database db through addr, with extra DSN
// parameters (each starting with &).
func openStore(b *testing.B, addr, db, params string) *models.Store {
	b.Helper()
	d := dsn(b, addr, db)
	store, err := models.Open(context.Background(), d.DSN+params, 10*time.Second, testsite.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return store
}

// writeContinuously updates n sessions of its own in a loop until the
// returned function is called.
func writeContinuously(b *testing.B, store *models.Store, n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	ctx := context.Background()
	run := time.Now().UnixNano()
	for i := range n {
		key := fmt.Sprintf("benchmark-writer-%d-%02d", run, i)
		if err := store.InsertSession(ctx, key, []byte("0"), time.Now().Add(time.Hour), models.SessionMeta{}); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				_ = store.UpdateSession(ctx, key, func(old []byte) (models.SessionUpdate, bool, error) {
					return models.SessionUpdate{Data: append(old[:0:0], old...), Expires: time.Now().Add(time.Hour)}, true, nil
				})
			}
		}()
	}
	return func() {
		done.Store(true)
		wg.Wait()
	}
}
