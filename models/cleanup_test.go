package models_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rango/models"
)

// addExpiredSessions stores n sessions that expired in the past hour and
// live ones, in multi-row inserts, with keys prefixed by prefix.
func addExpiredSessions(t *testing.T, store *models.Store, prefix string, expired, live int) {
	t.Helper()
	if err := store.DB().Exec("DELETE FROM sessions WHERE k LIKE ?", prefix+"-%").Error; err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	for done := 0; done < expired+live; done += 500 {
		var sb strings.Builder
		var args []any
		for j := done; j < min(done+500, expired+live); j++ {
			if j > done {
				sb.WriteByte(',')
			}
			sb.WriteString("(?, 'x', ?, ?, ?)")
			e := now + 3600
			if j < expired {
				e = now - 1 - int64(j%3600)
			}
			args = append(args, fmt.Sprintf("%s-%07d", prefix, (j*7919)%(expired+live)), e, now-7200, now-7200)
		}
		if err := store.DB().Exec("INSERT INTO sessions (k, v, e, created_at, last_seen) VALUES "+sb.String(), args...).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// countSessions counts the sessions whose keys start with prefix.
func countSessions(t *testing.T, store *models.Store, prefix string) (expired, live int64) {
	t.Helper()
	now := time.Now().Unix()
	err := store.DB().Raw("SELECT COALESCE(SUM(e <= ?), 0), COALESCE(SUM(e > ?), 0) FROM sessions WHERE k LIKE ?", now, now, prefix+"-%").
		Row().Scan(&expired, &live)
	if err != nil {
		t.Fatal(err)
	}
	return expired, live
}

// Two cleanups at once (two hosts' cron jobs, or the sweepers of two
// instances) delete every expired session once between them, count each
// once, and leave the live ones.
func TestConcurrentCleanupsDeleteEachRowOnce(t *testing.T) {
	a, b := openStore(t), openStore(t)
	const expired, live = 6000, 300
	addExpiredSessions(t, a, "two-cleanups", expired, live)
	ctx := context.Background()
	var wg sync.WaitGroup
	var counts [2]int64
	var errs [2]error
	var batches [2]int
	for i, store := range []*models.Store{a, b} {
		wg.Go(func() {
			// Small batches, so that the two cleanups overlap many times.
			counts[i], errs[i] = store.DeleteExpiredSessions(ctx, time.Now(), models.SessionLimits{}, 100,
				func(int64, time.Duration) { batches[i]++ })
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("cleanup %d: %v", i, err)
		}
	}
	if counts[0]+counts[1] != expired {
		t.Errorf("the cleanups counted %d + %d deleted, want %d in all", counts[0], counts[1], expired)
	}
	if counts[0] == 0 || counts[1] == 0 {
		t.Logf("one cleanup did all the work (%d, %d): they did not overlap this time", counts[0], counts[1])
	}
	left, kept := countSessions(t, a, "two-cleanups")
	if left != 0 || kept != live {
		t.Errorf("left %d expired and %d live sessions, want 0 and %d", left, kept, live)
	}
	t.Logf("batches: %d and %d; deleted %d and %d", batches[0], batches[1], counts[0], counts[1])
}

// A session renewed after the cleanup read its key (a returning visitor
// whose expiry moved on) is not deleted: the delete checks the expiry
// again.
func TestCleanupSparesRenewedSession(t *testing.T) {
	store := openStore(t)
	addExpiredSessions(t, store, "renewed", 250, 0)
	var renewed bool
	progress := func(int64, time.Duration) {
		if renewed {
			return
		}
		renewed = true
		// Between two batches, renew every session still there.
		if err := store.DB().Exec("UPDATE sessions SET e = ? WHERE k LIKE 'renewed-%'", time.Now().Add(time.Hour).Unix()).Error; err != nil {
			t.Error(err)
		}
	}
	n, err := store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 100, progress)
	if err != nil {
		t.Fatal(err)
	}
	if _, kept := countSessions(t, store, "renewed"); n != 100 || kept != 150 {
		t.Errorf("deleted %d and kept %d renewed sessions, want 100 and 150", n, kept)
	}
}

// A cleanup whose batches meet more sessions expiring in the same second
// than a batch holds deletes them all, in batches, and leaves the sessions
// that never expire (e = 0) and the live ones.
func TestCleanupDeletesTiesLargerThanABatch(t *testing.T) {
	store := openStore(t)
	addExpiredSessions(t, store, "ties", 0, 20)
	now := time.Now().Unix()
	for _, row := range []struct {
		n int
		e int64
	}{{250, now - 60}, {30, now - 30}, {5, 0}} {
		for i := range row.n {
			err := store.DB().Exec("INSERT INTO sessions (k, v, e, created_at, last_seen) VALUES (?, 'x', ?, ?, ?)",
				fmt.Sprintf("ties-%d-%03d", row.e, i), row.e, now-7200, now-7200).Error
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	var batches int
	n, err := store.DeleteExpiredSessions(context.Background(), time.Now(), models.SessionLimits{}, 100,
		func(int64, time.Duration) { batches++ })
	if err != nil {
		t.Fatal(err)
	}
	var left, never int64
	store.DB().Raw("SELECT COUNT(*), COALESCE(SUM(e = 0), 0) FROM sessions WHERE k LIKE 'ties-%'").Row().Scan(&left, &never)
	if n < 280 || left != 25 || never != 5 || batches < 3 {
		t.Errorf("deleted %d in %d batches, %d left of which %d never expire; want at least 280 in 3 or more batches, 25 and 5", n, batches, left, never)
	}
}

// The admin's count of ended sessions, read along the expiry and activity
// indexes, is the count of the rows the list's condition keeps, whether
// sessions ended by their expiry, by their idle time or both, and stops
// at the maximum asked for.
func TestCountEndedSessions(t *testing.T) {
	store := openStore(t)
	now := time.Now().Unix()
	if err := store.DB().Exec("DELETE FROM sessions WHERE k LIKE 'ended-%'").Error; err != nil {
		t.Fatal(err)
	}
	for i, row := range []struct{ e, seen int64 }{
		{now - 10, now - 20}, {now - 10, now - 7200}, {now + 3600, now - 7200}, {now + 3600, now - 7200},
		{now + 3600, now - 10}, {0, now - 10}, {0, now - 7200}, {now - 5, 0},
	} {
		err := store.DB().Exec("INSERT INTO sessions (k, v, e, created_at, last_seen) VALUES (?, 'x', ?, ?, ?)",
			fmt.Sprintf("ended-%d", i), row.e, now-9000, row.seen).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, limits := range []models.SessionLimits{{}, {CookieAge: time.Hour}} {
		f := models.SessionFilter{Status: models.StatusExpired, Limits: limits}
		var want int64
		cond := "(e != 0 AND e <= ?)"
		args := []any{now}
		if limits.CookieAge > 0 {
			cond += " OR (last_seen > 0 AND last_seen < ?)"
			args = append(args, now-3600)
		}
		if err := store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE "+cond, args...).Row().Scan(&want); err != nil {
			t.Fatal(err)
		}
		n, exact, err := store.CountSessions(context.Background(), f, 1000000)
		if err != nil || n != want || !exact {
			t.Errorf("limits %+v: counted %d (exact %v, %v), want %d", limits, n, exact, err, want)
		}
		if n, exact, err := store.CountSessions(context.Background(), f, 2); err != nil || n != 2 || exact {
			t.Errorf("limits %+v, at most 2: counted %d (exact %v, %v), want 2 and not exact", limits, n, exact, err)
		}
	}
}
