package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"rango/models"
)

// swapKeys are the keys addExpiredSessions gives the expired and the live
// sessions of prefix.
func swapKeys(prefix string, expired, live int) (expiredKeys, liveKeys []string) {
	for j := range expired + live {
		key := fmt.Sprintf("%s-%07d", prefix, (j*7919)%(expired+live))
		if j < expired {
			expiredKeys = append(expiredKeys, key)
		} else {
			liveKeys = append(liveKeys, key)
		}
	}
	return expiredKeys, liveKeys
}

// siteWrites is what a site did to the sessions table while a cleanup
// ran: the sessions it added, the expired ones it renewed and the live
// ones it deleted (each only if the write found its row).
type siteWrites struct {
	added, renewed, deleted []string
}

// writeLikeASite adds, renews, changes and deletes sessions until stop is
// closed. It runs in a goroutine of its own, so it reports with t.Error.
func writeLikeASite(t *testing.T, store *models.Store, expiredKeys, liveKeys []string, stop <-chan struct{}) *siteWrites {
	t.Helper()
	w := new(siteWrites)
	db := store.DB()
	if err := db.Exec("DELETE FROM sessions WHERE k LIKE 'swapnew-%'").Error; err != nil {
		t.Error(err) // not Fatal: this runs in a goroutine of its own
		return w
	}
	// Each write runs again after a deadlock with the copy, as the site's
	// writes do.
	exec := func(q string, args ...any) bool {
		var n int64
		err := store.RetryConflicts(context.Background(), func(ctx context.Context) error {
			res := db.WithContext(ctx).Exec(q, args...)
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			t.Errorf("%s: %v", q, err)
		}
		return n == 1
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return w
		default:
		}
		later := time.Now().Add(time.Hour).Unix()
		key := fmt.Sprintf("swapnew-%06d", i)
		// New sessions expire before the older live ones, so that the copy,
		// in expiry order, has passed their place when they come.
		if exec("INSERT INTO sessions (k, v, e) VALUES (?, 'new', ?)", key, time.Now().Add(time.Minute).Unix()) {
			w.added = append(w.added, key)
		}
		if i < len(expiredKeys) && exec("UPDATE sessions SET e = ?, v = 'renewed' WHERE k = ?", later, expiredKeys[i]) {
			w.renewed = append(w.renewed, expiredKeys[i])
		}
		// An expired session written without renewing it stays expired.
		if i < len(expiredKeys)/2 {
			exec("UPDATE sessions SET v = 'touched' WHERE k = ?", expiredKeys[len(expiredKeys)-1-i])
		}
		if i < len(liveKeys) && exec("DELETE FROM sessions WHERE k = ?", liveKeys[i]) {
			w.deleted = append(w.deleted, liveKeys[i])
		}
	}
}

// A backlog of expired sessions larger than the live ones is cleared by
// copying the live ones into a new table that replaces the old one, while
// the site goes on writing: the sessions it adds, renews or deletes during
// the copy are in the new table as it left them, and nothing of the swap
// is left behind.
func TestSwapClearsBacklogWhileSiteWrites(t *testing.T) {
	defer models.SetSwapMinExpired(1000)()
	store := openStore(t)
	emptySessions(t, store)
	const expired, live = 6000, 3000
	addExpiredSessions(t, store, "swap", expired, live)
	if err := store.DB().Exec("REPLACE INTO sessions (k, v, e) VALUES ('swapnever', 'x', 0)").Error; err != nil {
		t.Fatal(err)
	}
	// The site starts writing before the cleanup and stops after it.
	expiredKeys, liveKeys := swapKeys("swap", expired, live)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var w *siteWrites
	wg.Go(func() { w = writeLikeASite(t, store, expiredKeys, liveKeys, stop) })
	time.Sleep(20 * time.Millisecond)
	swaps := store.Counts().SessionTableSwaps
	n, err := store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 100, nil)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := store.Counts().SessionTableSwaps - swaps; got != 1 {
		t.Fatalf("the cleanup swapped tables %d times, want once", got)
	}
	t.Logf("deleted %d; meanwhile the site added %d, renewed %d and deleted %d sessions", n, len(w.added), len(w.renewed), len(w.deleted))
	if len(w.renewed) == 0 || len(w.renewed) == expired {
		t.Fatalf("the site renewed %d of %d expired sessions: the cleanup did not run while it wrote", len(w.renewed), expired)
	}
	if want := int64(expired - len(w.renewed)); n != want {
		t.Errorf("deleted %d, want %d (the expired sessions less those renewed meanwhile, each counted once)", n, want)
	}
	assertSessions(t, store, w.added, "new")
	assertSessions(t, store, w.renewed, "renewed")
	assertSessions(t, store, []string{"swapnever"}, "x")
	if left, kept := countSessions(t, store, "swap"); left != 0 || kept != int64(live+len(w.renewed)-len(w.deleted)) {
		t.Errorf("left %d expired and %d live sessions, want 0 and %d", left, kept, live+len(w.renewed)-len(w.deleted))
	}
	var gone int64
	store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE k IN ?", append(w.deleted, "")).Scan(&gone)
	if gone != 0 {
		t.Errorf("%d sessions the site deleted during the copy are back", gone)
	}
	assertNoSwapLeft(t, store)
}

// emptySessions deletes the sessions earlier tests left: a swap depends
// on the whole table's counts.
func emptySessions(t *testing.T, store *models.Store) {
	t.Helper()
	if err := store.DB().Exec("DELETE FROM sessions").Error; err != nil {
		t.Fatal(err)
	}
}

// assertSessions checks that every key names a live session with data v.
func assertSessions(t *testing.T, store *models.Store, keys []string, v string) {
	t.Helper()
	if len(keys) == 0 {
		return
	}
	var n int64
	if err := store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE k IN ? AND v = ? AND (e = 0 OR e > ?)", keys, v, time.Now().Unix()).
		Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != int64(len(keys)) {
		t.Errorf("%d of the %d sessions with data %q are there", n, len(keys), v)
	}
}

// assertNoSwapLeft checks that no table or trigger of a swap is left.
func assertNoSwapLeft(t *testing.T, store *models.Store) {
	t.Helper()
	var tables, triggers []string
	store.DB().Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() " +
		"AND (table_name = 'sessions_swap' OR table_name LIKE 'sessions\\_expired\\_%')").Scan(&tables)
	store.DB().Raw("SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()").Scan(&triggers)
	if len(tables)+len(triggers) > 0 {
		t.Errorf("left behind: tables %v, triggers %v", tables, triggers)
	}
}

// Two cleanups at once, both with a backlog worth a swap: one swaps, the
// other deletes in batches meanwhile, and between them they delete and
// count every expired session once.
func TestConcurrentCleanupsWithSwap(t *testing.T) {
	defer models.SetSwapMinExpired(1000)()
	a, b := openStore(t), openStore(t)
	emptySessions(t, a)
	const expired, live = 6000, 300
	addExpiredSessions(t, a, "two-swaps", expired, live)
	var wg sync.WaitGroup
	var counts [2]int64
	var errs [2]error
	for i, store := range []*models.Store{a, b} {
		wg.Go(func() {
			counts[i], errs[i] = store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 100, nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("cleanup %d: %v", i, err)
		}
	}
	if swaps := a.Counts().SessionTableSwaps + b.Counts().SessionTableSwaps; swaps != 1 {
		t.Errorf("%d swaps, want 1", swaps)
	}
	if counts[0]+counts[1] != expired {
		t.Errorf("the cleanups counted %d + %d deleted, want %d in all", counts[0], counts[1], expired)
	}
	if left, kept := countSessions(t, a, "two-swaps"); left != 0 || kept != live {
		t.Errorf("left %d expired and %d live sessions, want 0 and %d", left, kept, live)
	}
	assertNoSwapLeft(t, a)
}

// An old table that a cleanup which died after its rename left behind
// is dropped by the next swap, which leaves its connection as it found
// it; a backlog smaller than the live sessions is deleted in batches,
// without a swap.
func TestSwapDropsLeftoversAndOnlyPays(t *testing.T) {
	defer models.SetSwapMinExpired(1000)()
	store := openStore(t)
	emptySessions(t, store)
	if err := store.DB().Exec("CREATE TABLE sessions_expired_1000 LIKE sessions").Error; err != nil {
		t.Fatal(err)
	}
	addExpiredSessions(t, store, "few", 1500, 2000)
	if _, err := store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 500, nil); err != nil {
		t.Fatal(err)
	}
	if swaps := store.Counts().SessionTableSwaps; swaps != 0 {
		t.Errorf("1,500 expired sessions against 2,000 live: %d swaps, want none", swaps)
	}
	addExpiredSessions(t, store, "leftover", 3000, 100)
	// One connection, so that the swap's is the one checked afterwards.
	sqlDB, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	if _, err := store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 500, nil); err != nil {
		t.Fatal(err)
	}
	var restored bool
	if err := store.DB().Raw("SELECT @@SESSION.lock_wait_timeout = @@GLOBAL.lock_wait_timeout").Scan(&restored).Error; err != nil || !restored {
		t.Errorf("the swap's connection went back to the pool with its own lock wait (%v)", err)
	}
	if swaps := store.Counts().SessionTableSwaps; swaps != 1 {
		t.Errorf("3,000 expired sessions against 2,100 live: %d swaps, want 1", swaps)
	}
	assertNoSwapLeft(t, store)
}

// A cleanup with a deadline (the admin's button, within its request)
// deletes a backlog in batches: a swap cut short by the deadline would
// keep nothing of its work.
func TestNoSwapWithinADeadline(t *testing.T) {
	defer models.SetSwapMinExpired(1000)()
	store := openStore(t)
	emptySessions(t, store)
	addExpiredSessions(t, store, "deadline", 3000, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := store.DeleteExpiredSessions(ctx, time.Now(), models.SessionLimits{}, 500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if swaps := store.Counts().SessionTableSwaps; swaps != 0 || n != 3000 {
		t.Errorf("deleted %d with %d swaps, want 3000 in batches", n, swaps)
	}
}

// A swap cut short (its process killed) leaves its copy and its triggers:
// the site's writes go on, mirrored into the copy, and the next cleanup
// that finds them stale removes them and swaps.
func TestSwapRemovesWhatADeadSwapLeft(t *testing.T) {
	defer models.SetSwapMinExpired(1000)()
	defer models.SetSwapStale(0)()
	store := openStore(t)
	emptySessions(t, store)
	db := store.DB()
	for _, q := range []string{
		"CREATE TABLE sessions_swap LIKE sessions",
		"CREATE TRIGGER sessions_swap_insert AFTER INSERT ON sessions FOR EACH ROW REPLACE INTO sessions_swap (k, v, e) VALUES (NEW.k, NEW.v, NEW.e)",
		"CREATE TRIGGER sessions_swap_update AFTER UPDATE ON sessions FOR EACH ROW REPLACE INTO sessions_swap (k, v, e) VALUES (NEW.k, NEW.v, NEW.e)",
		"CREATE TRIGGER sessions_swap_delete AFTER DELETE ON sessions FOR EACH ROW DELETE FROM sessions_swap WHERE k = OLD.k",
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	addExpiredSessions(t, store, "dead", 3000, 100)
	n, err := store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if swaps := store.Counts().SessionTableSwaps; swaps != 1 || n != 3000 {
		t.Errorf("deleted %d with %d swaps, want 3000 with one", n, swaps)
	}
	if left, kept := countSessions(t, store, "dead"); left != 0 || kept != 100 {
		t.Errorf("left %d expired and %d live sessions, want 0 and 100", left, kept)
	}
	assertNoSwapLeft(t, store)
}
