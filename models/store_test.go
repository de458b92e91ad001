package models_test

import (
	"context"
	"testing"
	"time"

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
