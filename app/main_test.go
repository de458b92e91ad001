package app_test

import (
	"testing"

	"rango/internal/testsite"
)

// db is this package's throwaway database.
var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "app", &db)
}
