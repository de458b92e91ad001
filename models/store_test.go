package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rango/internal/testsite"
	"rango/models"
)

// db is this package's throwaway database.
var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "models", &db)
}

// openStore opens and migrates the test database.
func openStore(t *testing.T) *models.Store {
	t.Helper()
	store, err := models.Open(t.Context(), db.DSN, 0, testsite.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return store
}

// addSession stores a session row for the user (0: anonymous) and returns
// its hash.
func addSession(t *testing.T, store *models.Store, key string, userID uint64) string {
	t.Helper()
	ctx := context.Background()
	if err := store.InsertSession(ctx, key, []byte("x"), time.Now().Add(time.Hour), models.SessionMeta{UserID: userID}); err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := store.DB().Raw("SELECT kh FROM sessions WHERE k = ?", key).Row().Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return hash
}

func TestDeleteUserSessionsByHashTouchesOnlyThatUser(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	mine := addSession(t, store, "del-by-hash-mine", 41)
	theirs := addSession(t, store, "del-by-hash-theirs", 42)
	anonymous := addSession(t, store, "del-by-hash-anon", 0)
	all := []string{mine, theirs, anonymous}

	// A user id of 0 (no user) must not mean "any user".
	if n, err := store.DeleteUserSessionsByHash(ctx, 0, all); err != nil || n != 0 {
		t.Fatalf("user 0 deleted %d sessions (%v), want none", n, err)
	}
	if n, err := store.DeleteUserSessionsByHash(ctx, 41, all); err != nil || n != 1 {
		t.Fatalf("user 41 deleted %d sessions (%v), want only their own", n, err)
	}
	if n, err := store.DeleteSessionsByHash(ctx, all); err != nil || n != 2 {
		t.Fatalf("the admin's delete removed %d sessions (%v), want the other 2", n, err)
	}
}

func TestAddHitCountsEveryHitOfAnyName(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	// Any name fits: long, with 4-byte characters, or empty.
	for _, name := range []string{"login:" + strings.Repeat("ｂ", 100), "login:😀😀", "login:", "login:bob"} {
		for want := int64(1); want <= 3; want++ {
			n, err := store.AddHit(ctx, name, time.Minute)
			if err != nil || n != want {
				t.Fatalf("hit %d on %q: count %d, %v", want, name, n, err)
			}
		}
		if err := store.RemoveHit(ctx, name); err != nil {
			t.Fatal(err)
		}
		if n, err := store.AddHit(ctx, name, time.Minute); err != nil || n != 3 {
			t.Errorf("%q after taking one back and hitting again: %d, %v; want 3", name, n, err)
		}
	}
	// Concurrent hits are all counted, each seeing its own count.
	var wg sync.WaitGroup
	seen := make([]bool, 41)
	var mu sync.Mutex
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := store.AddHit(ctx, "concurrent", time.Minute)
			if err != nil || n < 1 || n > 40 {
				t.Errorf("concurrent hit: %d, %v", n, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[n] {
				t.Errorf("two hits both counted as %d", n)
			}
			seen[n] = true
		}()
	}
	wg.Wait()
	// A window that has passed starts again at 1.
	store.DB().Exec("UPDATE rate_limits SET e = ? WHERE v = '40'", time.Now().Add(-time.Second).Unix())
	if n, err := store.AddHit(ctx, "concurrent", time.Minute); err != nil || n != 1 {
		t.Errorf("after the window: %d, %v; want 1", n, err)
	}
}

func TestPasswordsStoredAsBcrypt(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	u, err := store.CreateUser(ctx, models.NewUser{Username: "hashed", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := store.DB().Raw("SELECT password_hash FROM users WHERE id = ?", u.ID).Row().Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost < bcrypt.DefaultCost {
		t.Errorf("stored %q: bcrypt cost %d (%v), want %d or more", hash, cost, err, bcrypt.DefaultCost)
	}
	if _, err := store.Authenticate(ctx, "hashed", "correct horse battery"); err != nil {
		t.Errorf("the right password: %v", err)
	}
	if _, err := store.Authenticate(ctx, "hashed", "correct horse batterY"); !errors.Is(err, models.ErrInvalidCredentials) {
		t.Errorf("a wrong password: %v, want ErrInvalidCredentials", err)
	}
}
