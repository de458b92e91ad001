// Package testsite runs a real Rango for tests: a throwaway MariaDB
// database per test package, the assembled server on a loopback port, and
// an HTTP client with a cookie jar that finds CSRF tokens in pages.
package testsite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	mysqldriver "github.com/go-sql-driver/mysql" // also the MySQL driver for database/sql

	"rango/config"
	"rango/models"
	"rango/server"
	"rango/web"
)

// serverDSN is the MariaDB server tests use; RANGO_TEST_DSN overrides it.
func serverDSN() string {
	if dsn := os.Getenv("RANGO_TEST_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// Database is a throwaway database on the test server.
type Database struct {
	Name string
	DSN  string
}

// NewDatabase creates an empty database named after prefix with a random
// suffix. Drop removes it.
func NewDatabase(prefix string) (*Database, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "rango_test_" + prefix + "_" + hex.EncodeToString(b)
	base := serverDSN()
	db, err := sql.Open("mysql", base)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return nil, fmt.Errorf("testsite: create database %s (is MariaDB running on 127.0.0.1:3306?): %w", name, err)
	}
	dsn, err := config.NormalizeDSN(strings.TrimSuffix(base, "/") + "/" + name)
	if err != nil {
		return nil, err
	}
	return &Database{Name: name, DSN: dsn}, nil
}

// Drop deletes the database.
func (d *Database) Drop() error {
	db, err := sql.Open("mysql", serverDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("DROP DATABASE IF EXISTS `" + d.Name + "`")
	return err
}

// Main runs a test package's tests against a throwaway database, which it
// drops afterwards; use it from TestMain.
func Main(m *testing.M, prefix string, db **Database) {
	d, err := NewDatabase(prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*db = d
	code := m.Run()
	if err := d.Drop(); err != nil {
		fmt.Fprintln(os.Stderr, "testsite: drop:", err)
	}
	os.Exit(code)
}

// Site is a running Rango server.
type Site struct {
	URL    string
	Server *server.Server
	Store  *models.Store
	errors *atomic.Int64
}

// Errors counts what the server logged at error level (panics, 500s).
func (s *Site) Errors() int64 { return s.errors.Load() }

// Logger returns a logger that writes warnings and errors to the test log
// (for a fuzz test, whose log cannot be written from inside its target, to
// standard error).
func Logger(t testing.TB) *slog.Logger {
	var w io.Writer = testWriter{t}
	if _, fuzz := t.(*testing.F); fuzz {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// countingHandler counts the error records that pass through it.
type countingHandler struct {
	slog.Handler
	errors *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.errors.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(attrs), h.errors}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(name), h.errors}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Config returns the configuration tests start sites with.
func Config(db *Database) config.Config {
	cfg := config.Defaults()
	cfg.DSN = db.DSN
	cfg.DBWait = 5 * time.Second
	// Under the race detector, with the test packages running side by
	// side on two cores, a page can take longer than in production.
	cfg.PageTimeout = 10 * time.Second
	return cfg
}

// Start opens the database, migrates it and serves Rango on a loopback
// port until the test ends. edit, if not nil, changes the configuration.
func Start(t testing.TB, db *Database, edit func(*config.Config)) *Site {
	t.Helper()
	site, err := TryStart(t, db, edit)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// TryStart is Start returning its error instead of failing the test, for
// starting several sites at once.
func TryStart(t testing.TB, db *Database, edit func(*config.Config)) (*Site, error) {
	cfg := Config(db)
	if edit != nil {
		edit(&cfg)
	}
	ctx := context.Background()
	errCount := new(atomic.Int64)
	log := slog.New(countingHandler{Logger(t).Handler(), errCount})
	store, err := models.Open(ctx, cfg.DSN, cfg.DBWait, log)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	// Every test logs in and registers from 127.0.0.1: it starts with
	// nothing counted against that address by the tests before it. (On a
	// Galera node that has not applied the new table yet there is nothing
	// to clear.)
	var me *mysqldriver.MySQLError
	if err := store.DB().Exec("DELETE FROM rate_limits").Error; err != nil && !(errors.As(err, &me) && me.Number == 1146) {
		store.Close()
		return nil, fmt.Errorf("testsite: clear the rate limits: %w", err)
	}
	srv, err := server.New(ctx, cfg, store, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, err
	}
	go func() { _ = srv.Fiber.Listener(ln) }()
	t.Cleanup(func() {
		_ = srv.Close(5 * time.Second)
		_ = store.Close()
	})
	return &Site{URL: "http://" + ln.Addr().String(), Server: srv, Store: store, errors: errCount}, nil
}

// Client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects, and remembers the last CSRF token it saw.
type Client struct {
	t    testing.TB
	Base string
	HTTP *http.Client
	Jar  *cookiejar.Jar
	// CSRF is the last token found in a page's forms.
	CSRF string
	// HTMX sends HX-Request on every request when true.
	HTMX bool
}

// NewClient returns a client for the site.
func (s *Site) NewClient(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, Base: s.URL, Jar: jar, HTTP: &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Do sends a request; form, if not nil, is sent url-encoded as the body.
func (c *Client) Do(method, path string, form url.Values, header http.Header) *Response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.Base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.HTMX {
		req.Header.Set("HX-Request", "true")
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if m := csrfInput.FindSubmatch(b); m != nil {
		c.CSRF = string(m[1])
	}
	// A new token (Rango issues one at login and logout) is in the next
	// page a browser loads; this client follows no redirects, so it takes
	// the token from the cookie, which holds the same.
	for _, ck := range resp.Cookies() {
		if (ck.Name == web.CSRFCookie || ck.Name == web.SecureCSRFCookie) && ck.Value != "" {
			c.CSRF = ck.Value
		}
	}
	return &Response{Response: resp, Body: string(b)}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	return c.Do(http.MethodGet, path, nil, nil)
}

// Post submits a form with the current CSRF token added.
func (c *Client) Post(path string, form url.Values) *Response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && c.CSRF != "" {
		form.Set("_csrf", c.CSRF)
	}
	return c.Do(http.MethodPost, path, form, nil)
}

// Cookie returns the value of the named cookie the client holds, or "".
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.Base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie puts a cookie into the client's jar.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.Base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Register creates an account through the register form; the client ends
// up logged in.
func (c *Client) Register(username, password string) *Response {
	c.t.Helper()
	c.Get("/register")
	return c.Post("/register", url.Values{"username": {username}, "password": {password}, "password2": {password}})
}

// Login logs in through the login form.
func (c *Client) Login(username, password string) *Response {
	c.t.Helper()
	c.Get("/login")
	return c.Post("/login", url.Values{"username": {username}, "password": {password}})
}

// Doc parses the response body as HTML.
func (r *Response) Doc(t testing.TB) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// WantStatus fails the test unless the response has the status.
func WantStatus(t testing.TB, r *Response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body:\n%.2000s", r.Request.Method, r.Request.URL, r.StatusCode, status, r.Body)
	}
}

// SignedInClient returns a client logged in as a new user called name,
// made without the forms: the user row (with no usable password) and a
// session row are written directly, so that a test can have hundreds of
// users without hashing a password for each. The client has fetched the
// home page, so it holds a CSRF token.
func (s *Site) SignedInClient(t testing.TB, name string) *Client {
	t.Helper()
	ctx := context.Background()
	res := s.Store.DB().WithContext(ctx).Exec("INSERT INTO users (username, password_hash, joined) VALUES (?, '!', ?)", name, time.Now())
	if res.Error != nil {
		t.Fatalf("testsite: user %s: %v", name, res.Error)
	}
	u, err := s.Store.UserByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := web.EncodeData(web.LoginData(web.CurrentUser{ID: u.ID, Username: name}))
	if err != nil {
		t.Fatal(err)
	}
	key := web.NewSessionKey()
	if err := s.Store.InsertSession(ctx, key, raw, time.Now().Add(time.Hour), models.SessionMeta{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	c := s.NewClient(t)
	c.SetCookie(web.SessionCookie, key)
	c.Get("/")
	return c
}

// KeepSettings restores the stored settings as they are now when the test
// ends: the tests of a package share their database, and a live setting a
// test saved would otherwise override the configuration of the sites that
// later tests start.
func (s *Site) KeepSettings(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	before, err := s.Store.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Store.DB().Exec("DELETE FROM settings WHERE `key` <> ?", models.SecretKeySetting).Error; err != nil {
			t.Error(err)
		}
		delete(before, models.SecretKeySetting)
		if len(before) > 0 {
			if err := s.Store.SetSettings(ctx, before); err != nil {
				t.Error(err)
			}
		}
		if err := s.Server.Settings.Reload(ctx); err != nil {
			t.Error(err)
		}
	})
}

// HoldTable locks table against every other connection, as a long-running
// statement would, until release is called (at the latest when the test
// ends), so that requests reading or writing it wait.
func (s *Site) HoldTable(t testing.TB, table string) (release func()) {
	t.Helper()
	pool, err := s.Store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "LOCK TABLES "+table+" WRITE"); err != nil {
		_ = conn.Close()
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.Background(), "UNLOCK TABLES")
			_ = conn.Close()
		})
	}
	t.Cleanup(release)
	return release
}
