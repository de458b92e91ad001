package main

import (
	"testing"

	"rango/internal/testsite"
	"rango/models"
)

// openTestStore opens the test database, closed when the test ends.
func openTestStore(t *testing.T) *models.Store {
	t.Helper()
	return openStoreOn(t, db.DSN)
}

// openStoreOn opens the database dsn names, closed when the test ends.
func openStoreOn(t *testing.T, dsn string) *models.Store {
	t.Helper()
	store, err := models.Open(t.Context(), dsn, 0, testsite.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}
