package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/models"
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
		// Someone is logged in as boss: a new password and privileges end it.
		store := openTestStore(t)
		boss, err := store.UserByName(t.Context(), "boss")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.InsertSession(t.Context(), "boss-session", []byte("x"), time.Now().Add(time.Hour),
			models.SessionMeta{UserID: boss.ID}); err != nil {
			t.Fatal(err)
		}
		out, code = rango(t, bin, []string{"RANGO_ADMIN_PASSWORD=another password"}, "-createadmin", "boss")
		if code != 0 || !strings.Contains(out, "now staff") {
			t.Fatalf("second run: exit %d\n%s", code, out)
		}
		u, err := store.Authenticate(t.Context(), "boss", "another password")
		if err != nil || !u.IsStaff {
			t.Errorf("boss: %+v, %v", u, err)
		}
		if _, err := store.SessionExpiry(t.Context(), "boss-session"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("boss's session survived -createadmin (%v)", err)
		}
		// The register page's rules: long enough, not the name, not guessable.
		for password, want := range map[string]string{"short": "at least 8", "long enough": "too easy to guess",
			"the bosses battery horse": "user name"} {
			out, code = rango(t, bin, []string{"RANGO_ADMIN_PASSWORD=" + password}, "-createadmin", "boss")
			if code != 1 || !strings.Contains(out, want) {
				t.Errorf("password %q: exit %d, want 1 and %q:\n%s", password, code, want, out)
			}
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

// startServer runs the binary as a server and waits until it answers.
func startServer(t *testing.T, bin, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = append(os.Environ(), "RANGO_DSN="+db.DSN)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/livez")
		if err == nil {
			resp.Body.Close()
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRestartKeepsSessionsAndSIGTERMDrains(t *testing.T) {
	bin := build(t)
	addr := freeAddr(t)
	first := startServer(t, bin, addr)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	visitsOf := func() string {
		resp, err := client.Get("http://" + addr + "/about")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		d, err := goquery.NewDocumentFromReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(d.Find("[data-testid=visits]").Text()), " ")
	}
	if got := visitsOf(); got != "Visits: 1" {
		t.Fatalf("first visit: %q", got)
	}

	// Requests in flight when SIGTERM arrives are all answered.
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get("http://" + addr + "/category/python")
			if err != nil {
				return // sent after the listener closed: refused, never half-answered
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := first.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", err)
	}
	if failed.Load() != 0 {
		t.Errorf("%d requests in flight were cut off or failed", failed.Load())
	}

	startServer(t, bin, addr)
	if got := visitsOf(); got != "Visits: 1" {
		t.Errorf("after a restart the session reads %q, want it kept (Visits: 1)", got)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
