package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/models"
	"rango/web"
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

// startServer runs the binary as a server, with extra environment, and
// waits until it answers.
func startServer(t *testing.T, bin, addr string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = append(append(os.Environ(), "RANGO_DSN="+db.DSN), env...)
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

// visitsIn reads the visit counter off an /about page.
func visitsIn(t *testing.T, body io.Reader) string {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(d.Find("[data-testid=visits]").Text()), " ")
}

func TestRestartKeepsSessionsAndSIGTERMDrains(t *testing.T) {
	bin := build(t)
	addr := freeAddr(t)
	env := "RANGO_VISIT_INTERVAL=0" // every visit counts
	first := startServer(t, bin, addr, env)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	visitsOf := func() string {
		t.Helper()
		resp, err := client.Get("http://" + addr + "/about")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return visitsIn(t, resp.Body)
	}
	for i, want := range []string{"Visits: 1", "Visits: 2", "Visits: 3"} {
		if got := visitsOf(); got != want {
			t.Fatalf("visit %d: %q, want %q", i+1, got, want)
		}
	}
	u, _ := url.Parse("http://" + addr + "/")
	var key string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			key = ck.Value
		}
	}
	if key == "" {
		t.Fatal("no session cookie")
	}

	// A request in flight when SIGTERM arrives: its first line is sent,
	// the rest only once the server has stopped accepting connections.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /about HTTP/1.1\r\nHost: "+addr+"\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server reads the first line: the connection is active
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break // shutting down: the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 5 s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := io.WriteString(conn, "Cookie: "+web.SessionCookie+"="+key+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight at SIGTERM got no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "</html>") {
		t.Fatalf("the request in flight at SIGTERM: %d, %d bytes, %v; want a whole page", resp.StatusCode, len(body), err)
	}
	if got := visitsIn(t, bytes.NewReader(body)); got != "Visits: 4" {
		t.Errorf("the request in flight at SIGTERM read %q, want Visits: 4", got)
	}
	if err := first.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", err)
	}

	// After a restart the same key is accepted and its data is intact:
	// the count goes on from 4 (a lost session would read Visits: 1).
	startServer(t, bin, addr, env)
	if got := visitsOf(); got != "Visits: 5" {
		t.Errorf("after a restart the session reads %q, want Visits: 5", got)
	}
	for _, ck := range jar.Cookies(u) {
		if ck.Name == web.SessionCookie && ck.Value != key {
			t.Error("after a restart the browser was given a new session key")
		}
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
