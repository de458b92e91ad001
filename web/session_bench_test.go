package web_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"testing"
	"time"

	"rango/internal/testsite"
	"rango/models"
	"rango/web"
)

var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "web", &db)
}

// typicalSession is a logged-in visitor's session data, gob-encoded.
func typicalSession(b testing.TB) []byte {
	m := map[string]any{"visits": int64(3), "last_visit": "2026-11-27T10:00:00Z",
		"_auth_user_id": uint64(7), "_auth_username": "someone", "_auth_is_staff": false}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkSessionDecode(b *testing.B) {
	raw := typicalSession(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := web.DecodeData(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// openStore opens the test database for a test or benchmark.
func openStore(b testing.TB) *models.Store {
	store, err := models.Open(context.Background(), db.DSN, time.Second, testsite.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	if err := store.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return store
}

// BenchmarkSessionLoad reads a stored session the way every page view
// does (one primary-key read through the session storage) and decodes it.
func BenchmarkSessionLoad(b *testing.B) {
	store := openStore(b)
	ctx := context.Background()
	key := web.NewSessionKey()
	if err := store.InsertSession(ctx, key, typicalSession(b), time.Now().Add(time.Hour), models.SessionMeta{}); err != nil {
		b.Fatal(err)
	}
	storage := web.SessionStorage{Store: store}
	b.ReportAllocs()
	for b.Loop() {
		raw, err := storage.GetWithContext(ctx, key)
		if err != nil || raw == nil {
			b.Fatal("load failed", err)
		}
		if _, err := web.DecodeData(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionSave changes a stored session the way a counted visit
// does: lock the row, decode, apply the change, encode, write, commit.
func BenchmarkSessionSave(b *testing.B) {
	store := openStore(b)
	ctx := context.Background()
	key := web.NewSessionKey()
	if err := store.InsertSession(ctx, key, typicalSession(b), time.Now().Add(time.Hour), models.SessionMeta{}); err != nil {
		b.Fatal(err)
	}
	apply := func(old []byte) (models.SessionUpdate, bool, error) {
		data, err := web.DecodeData(old)
		if err != nil {
			return models.SessionUpdate{}, false, err
		}
		n, _ := web.AsInt(data["visits"])
		data["visits"] = n + 1
		var buf bytes.Buffer
		m := map[string]any(data)
		err = gob.NewEncoder(&buf).Encode(&m)
		return models.SessionUpdate{Data: buf.Bytes(), UserID: 7, Expires: time.Now().Add(time.Hour)}, true, err
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := store.UpdateSession(ctx, key, apply); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionInsert stores a new session with its metadata: a first
// visit's one write.
func BenchmarkSessionInsert(b *testing.B) {
	store := openStore(b)
	ctx := context.Background()
	raw := typicalSession(b)
	meta := models.SessionMeta{IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	b.ReportAllocs()
	for b.Loop() {
		if err := store.InsertSession(ctx, web.NewSessionKey(), raw, time.Now().Add(time.Hour), meta); err != nil {
			b.Fatal(err)
		}
	}
}
