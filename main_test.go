package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rango/internal/testsite"
)

var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "main", &db)
}

// build compiles the rango binary once per test.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rango")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// rango runs the binary against the test database with extra environment.
func rango(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "RANGO_DSN="+db.DSN)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func TestCommands(t *testing.T) {
	bin := build(t)

	t.Run("database unreachable", func(t *testing.T) {
		start := time.Now()
		out, code := rango(t, bin, []string{"RANGO_DSN=root@tcp(127.0.0.1:1)/rango", "RANGO_DB_WAIT=2"})
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(out, "cannot reach MySQL/MariaDB at 127.0.0.1:1") || !strings.Contains(out, "retrying") {
			t.Errorf("output lacks the retry lines or the final message:\n%s", out)
		}
		if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
			t.Errorf("a panic or stack trace:\n%s", out)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %s for a 2 s wait", d)
		}
	})

	t.Run("seed twice", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			out, code := rango(t, bin, nil, "-seed")
			if code != 0 || !strings.Contains(out, "sample data loaded") {
				t.Fatalf("seed: exit %d\n%s", code, out)
			}
		}
		store := openTestStore(t)
		n, err := store.CountCategories(t.Context())
		if err != nil || n != 9 {
			t.Errorf("categories after seeding twice: %d, %v; want 9", n, err)
		}
	})

	t.Run("createadmin", func(t *testing.T) {
		out, code := rango(t, bin, []string{"RANGO_ADMIN_PASSWORD=admin password"}, "-createadmin", "boss")
		if code != 0 || !strings.Contains(out, "created staff user boss") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		out, code = rango(t, bin, []string{"RANGO_ADMIN_PASSWORD=another password"}, "-createadmin", "boss")
		if code != 0 || !strings.Contains(out, "now staff") {
			t.Fatalf("second run: exit %d\n%s", code, out)
		}
		u, err := openTestStore(t).Authenticate(t.Context(), "boss", "another password")
		if err != nil || !u.IsStaff {
			t.Errorf("boss: %+v, %v", u, err)
		}
		out, code = rango(t, bin, []string{"RANGO_ADMIN_PASSWORD=short"}, "-createadmin", "boss")
		if code != 1 || !strings.Contains(out, "password needs") {
			t.Errorf("short password: exit %d\n%s", code, out)
		}
		_, code = rango(t, bin, []string{"RANGO_ADMIN_PASSWORD="}, "-createadmin", "boss")
		if code != 1 {
			t.Errorf("no password and no terminal: exit %d, want 1", code)
		}
	})

	t.Run("clearsessions", func(t *testing.T) {
		store := openTestStore(t)
		now := time.Now().Unix()
		sql := "INSERT INTO sessions (k, v, e) VALUES ('old-one', 'x', ?), ('live-one', 'x', ?)"
		if err := store.DB().Exec(sql, now-10, now+3600).Error; err != nil {
			t.Fatal(err)
		}
		out, code := rango(t, bin, nil, "-clearsessions")
		if code != 0 || !strings.Contains(out, "deleted 1 expired sessions") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		var keys []string
		store.DB().Raw("SELECT k FROM sessions WHERE k IN ('old-one', 'live-one')").Scan(&keys)
		if len(keys) != 1 || keys[0] != "live-one" {
			t.Errorf("left %q, want only live-one", keys)
		}
		out, code = rango(t, bin, []string{"RANGO_DSN=root@tcp(127.0.0.1:1)/rango", "RANGO_DB_WAIT=0"}, "-clearsessions")
		if code != 1 || !strings.Contains(out, "cannot reach") {
			t.Errorf("database down: exit %d\n%s", code, out)
		}
	})
}
