package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// emptyDatabase creates a throwaway database on the test server
// (RANGO_TEST_DSN, as internal/testsite reads it, which this package's own
// tests cannot import) and returns its DSN; it is dropped when the test
// ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("RANGO_TEST_DSN")
	if base == "" {
		base = "root@tcp(127.0.0.1:3306)/"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "rango_test_models_" + hex.EncodeToString(b)
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE DATABASE `" + name + "`"); err != nil {
		t.Fatalf("create database (is MariaDB running on 127.0.0.1:3306?): %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS `" + name + "`") })
	mc, err := mysql.ParseDSN(strings.TrimSuffix(base, "/") + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	mc.ParseTime, mc.InterpolateParams = true, true
	return mc.FormatDSN()
}

// openStores opens n stores (n instances' pools) on the database.
func openStores(t *testing.T, dsn string, n int) []*Store {
	t.Helper()
	stores := make([]*Store, n)
	for i := range stores {
		s, err := Open(context.Background(), dsn, 5*time.Second, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	return stores
}

// all runs f on every store at once and fails the test on any error.
func all(t *testing.T, stores []*Store, f func(*Store) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(stores))
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f(s)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Migrators that do not wait for each other (as on a Galera cluster,
// where GET_LOCK holds on one node only) all finish, and the schema is
// whole.
func TestConcurrentSchemaChangesWithoutTheLock(t *testing.T) {
	for round := range 3 {
		stores := openStores(t, emptyDatabase(t), 6)
		all(t, stores, func(s *Store) error { return s.applySchema(context.Background()) })
		if err := stores[0].WaitForSchema(context.Background(), 0); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		var cols int64
		stores[0].db.Raw("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'sessions'").Scan(&cols)
		if want := int64(3 + len(sessionColumns)); cols != want {
			t.Errorf("round %d: sessions has %d columns, want %d", round, cols, want)
		}
	}
}

// Migrate and the sample data, run by several instances at once on an
// empty database: every one succeeds, and the data is there once.
func TestConcurrentMigrateAndSampleData(t *testing.T) {
	wantPages := 0
	for _, c := range sampleData {
		wantPages += len(c.pages)
	}
	ctx := context.Background()
	for round := range 3 {
		stores := openStores(t, emptyDatabase(t), 8)
		all(t, stores, func(s *Store) error { return s.Migrate(ctx) })
		all(t, stores, func(s *Store) error { return s.LoadSampleData(ctx) })
		s := stores[0]
		var cats, pages, dupPages int64
		s.db.Raw("SELECT COUNT(*) FROM categories").Scan(&cats)
		s.db.Raw("SELECT COUNT(*) FROM pages").Scan(&pages)
		s.db.Raw("SELECT COUNT(*) FROM (SELECT category_id, title FROM pages GROUP BY category_id, title HAVING COUNT(*) > 1) d").Scan(&dupPages)
		if cats != int64(len(sampleData)) || pages != int64(wantPages) || dupPages != 0 {
			t.Errorf("round %d: %d categories, %d pages (%d duplicated); want %d and %d", round, cats, pages, dupPages, len(sampleData), wantPages)
		}
		if round > 0 {
			continue
		}
		// Running it all again changes nothing.
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.LoadSampleData(ctx); err != nil {
			t.Fatal(err)
		}
		var after int64
		s.db.Raw("SELECT COUNT(*) FROM pages").Scan(&after)
		if after != pages {
			t.Errorf("a second load made %d pages of %d", after, pages)
		}
	}
}

// An instance that does not migrate waits for the schema, and starts as
// soon as another applied it.
func TestWaitForSchema(t *testing.T) {
	stores := openStores(t, emptyDatabase(t), 2)
	ctx := context.Background()
	start := time.Now()
	if err := stores[0].WaitForSchema(ctx, 1500*time.Millisecond); err == nil || !strings.Contains(err.Error(), "rango -migrate") {
		t.Errorf("no schema: %v, want an error that says to run rango -migrate", err)
	}
	if d := time.Since(start); d < 1500*time.Millisecond || d > 4*time.Second {
		t.Errorf("gave up after %s, want after the 1.5 s wait", d)
	}
	var tables int64
	stores[0].db.Raw("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables)
	if tables != 0 {
		t.Errorf("waiting made %d tables", tables)
	}
	done := make(chan error, 1)
	go func() { done <- stores[0].WaitForSchema(ctx, 30*time.Second) }()
	time.Sleep(300 * time.Millisecond)
	if err := stores[1].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Error("still waiting 10 s after the migration")
	}
}

func TestSchemaFingerprint(t *testing.T) {
	a := schemaFingerprint()
	if len(a) != 64 || a != schemaFingerprint() {
		t.Fatalf("fingerprint %q is not a stable SHA-256", a)
	}
	old := sessionIndexes
	sessionIndexes = append(sessionIndexes[:len(sessionIndexes):len(sessionIndexes)], struct{ name, columns string }{"sessions_new", "(ip)"})
	defer func() { sessionIndexes = old }()
	if schemaFingerprint() == a {
		t.Error("a new index leaves the fingerprint as it was")
	}
}
