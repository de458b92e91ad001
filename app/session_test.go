package app_test

import (
	"bytes"
	"encoding/gob"
	"net/http"
	"strings"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
	"rango/web"
)

// sessionRows counts the stored sessions.
func sessionRows(t *testing.T, site *testsite.Site) int64 {
	t.Helper()
	var n int64
	if err := site.Store.DB().Raw("SELECT COUNT(*) FROM sessions").Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rowExists(t *testing.T, site *testsite.Site, key string) bool {
	t.Helper()
	var n int64
	if err := site.Store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE k = ?", key).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// storeSession writes a session row with the given data, as Fiber would.
func storeSession(t *testing.T, site *testsite.Site, key string, data map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(data); err != nil {
		t.Fatal(err)
	}
	storeRaw(t, site, key, buf.Bytes())
}

func storeRaw(t *testing.T, site *testsite.Site, key string, v []byte) {
	t.Helper()
	err := site.Store.DB().Exec("INSERT INTO sessions (k, v, e) VALUES (?, ?, ?)", key, v, time.Now().Add(time.Hour).Unix()).Error
	if err != nil {
		t.Fatal(err)
	}
}

func visits(t *testing.T, c *testsite.Client, path string) string {
	t.Helper()
	r := c.Get(path)
	wantStatus(t, r, http.StatusOK)
	return strings.TrimSpace(doc(t, r).Find("[data-testid=visits]").Text())
}

// setCookieNames lists the cookies a response sets.
func setCookieNames(r *testsite.Response) []string {
	var names []string
	for _, ck := range r.Cookies() {
		names = append(names, ck.Name)
	}
	return names
}

func TestVisitCounter(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	if got := visits(t, c, "/about"); got != "Visits: 1" {
		t.Fatalf("first visit: %q", got)
	}
	key := c.Cookie(web.SessionCookie)
	if key == "" || !rowExists(t, site, key) {
		t.Fatal("the first visit must store a session")
	}
	r := c.Get("/about")
	if strings.Contains(strings.Join(setCookieNames(r), ","), web.SessionCookie) {
		t.Error("a returning visitor within the interval must not cause a session save")
	}
	if got := visits(t, c, "/"); got != "Visits: 1" {
		t.Errorf("same day: %q, want still 1", got)
	}
}

func TestVisitCounterCountsAfterInterval(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.VisitInterval = 0 })
	c := site.NewClient(t)
	visits(t, c, "/about")
	time.Sleep(1100 * time.Millisecond) // last_visit has one-second resolution
	if got := visits(t, c, "/about"); got != "Visits: 2" {
		t.Errorf("after the interval: %q, want Visits: 2", got)
	}
}

func TestMalformedLastVisitIsFirstVisit(t *testing.T) {
	site := testsite.Start(t, db, nil)
	for name, data := range map[string]map[string]any{
		"garbage time":   {"visits": 7, "last_visit": "yesterday-ish"},
		"missing time":   {"visits": 7},
		"wrong type":     {"visits": "seven", "last_visit": 12},
		"negative count": {"visits": -3, "last_visit": time.Now().Format(time.RFC3339)},
	} {
		t.Run(name, func(t *testing.T) {
			key := web.NewSessionKey()
			storeSession(t, site, key, data)
			c := site.NewClient(t)
			c.SetCookie(web.SessionCookie, key)
			if got := visits(t, c, "/about"); got != "Visits: 1" {
				t.Errorf("%q, want Visits: 1", got)
			}
		})
	}
}

func TestNoSessionRowWithoutSessionData(t *testing.T) {
	site := testsite.Start(t, db, nil)
	before := sessionRows(t, site)
	c := site.NewClient(t)
	for _, path := range []string{"/login", "/register", "/category/python", "/cookies", "/search?q=D", "/nowhere", "/goto?page_id=1"} {
		r := c.Get(path)
		for _, name := range setCookieNames(r) {
			if name == web.SessionCookie {
				t.Errorf("%s set a session cookie", path)
			}
		}
	}
	if after := sessionRows(t, site); after != before {
		t.Errorf("sessions went from %d to %d for a visitor without session data", before, after)
	}
}

func TestUnknownSessionKeyIsNotAdopted(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	bogus := web.NewSessionKey()
	c.SetCookie(web.SessionCookie, bogus)
	c.Get("/login")
	if rowExists(t, site, bogus) {
		t.Fatal("a page without session data stored the unknown key")
	}
	c.Get("/about")
	if got := c.Cookie(web.SessionCookie); got == bogus || got == "" {
		t.Errorf("session key after a counted visit = %q: the unknown key was adopted", got)
	}
	if rowExists(t, site, bogus) {
		t.Error("a row was stored under the unknown key")
	}
}

func TestCorruptSessionStartsOver(t *testing.T) {
	site := testsite.Start(t, db, nil)
	key := web.NewSessionKey()
	storeRaw(t, site, key, []byte("\x00\x01not gob at all"))
	c := site.NewClient(t)
	c.SetCookie(web.SessionCookie, key)
	if got := visits(t, c, "/about"); got != "Visits: 1" {
		t.Errorf("%q, want a fresh Visits: 1", got)
	}
	if rowExists(t, site, key) {
		t.Error("the corrupt row should be gone")
	}
}

func TestExpiredSessionLoadsEmpty(t *testing.T) {
	site := testsite.Start(t, db, nil)
	key := web.NewSessionKey()
	storeSession(t, site, key, map[string]any{"visits": 9, "last_visit": time.Now().UTC().Format(time.RFC3339)})
	site.Store.DB().Exec("UPDATE sessions SET e = ? WHERE k = ?", time.Now().Add(-time.Minute).Unix(), key)
	c := site.NewClient(t)
	c.SetCookie(web.SessionCookie, key)
	if got := visits(t, c, "/about"); got != "Visits: 1" {
		t.Errorf("expired session: %q, want Visits: 1", got)
	}
	if c.Cookie(web.SessionCookie) == key {
		t.Error("an expired key must not be reused")
	}
}

func TestLoginRotatesKeyAndKeepsData(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.VisitInterval = 0 })
	c := site.NewClient(t)
	visits(t, c, "/about")
	time.Sleep(1100 * time.Millisecond)
	visits(t, c, "/about") // Visits: 2
	old := c.Cookie(web.SessionCookie)
	c.Register("rotator", "correct horse battery")
	c.Post("/logout", nil)

	c.Get("/about") // a new anonymous session, Visits: 1
	time.Sleep(1100 * time.Millisecond)
	visits(t, c, "/about")
	before := c.Cookie(web.SessionCookie)
	r := c.Login("rotator", "correct horse battery")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%.1500s", r.StatusCode, r.Body)
	}
	after := c.Cookie(web.SessionCookie)
	if after == before || after == "" {
		t.Fatal("login must issue a new session key")
	}
	if rowExists(t, site, before) || rowExists(t, site, old) {
		t.Error("the pre-login session row must be deleted")
	}
	if !rowExists(t, site, after) {
		t.Error("the new session must be stored")
	}
	var data map[string]any
	var raw []byte
	site.Store.DB().Raw("SELECT v FROM sessions WHERE k = ?", after).Row().Scan(&raw)
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		t.Fatal(err)
	}
	if data["visits"] != int64(2) {
		t.Errorf("visits after login = %v, want the 2 counted before", data["visits"])
	}
}

func TestLogoutDeletesRowAndExpiresCookie(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("leaver", "correct horse battery")
	key := c.Cookie(web.SessionCookie)
	if !rowExists(t, site, key) {
		t.Fatal("registration should log in with a stored session")
	}
	c.Get("/")
	r := c.Post("/logout", nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	expired := false
	for _, ck := range r.Cookies() {
		if ck.Name == web.SessionCookie && ck.Value == "" && (ck.MaxAge < 0 || ck.Expires.Before(time.Now())) {
			expired = true
		}
	}
	if !expired {
		t.Errorf("logout must send an expired session cookie, got %v", r.Header.Values("Set-Cookie"))
	}
	if rowExists(t, site, key) {
		t.Error("logout must delete the session row")
	}
	if d := doc(t, c.Get("/")); d.Find("[data-testid=whoami]").Length() != 0 {
		t.Error("still logged in after logout")
	}
}

func TestCookieAttributes(t *testing.T) {
	site := testsite.Start(t, db, nil)
	r := site.NewClient(t).Get("/")
	var found bool
	for _, ck := range r.Cookies() {
		if ck.Name != web.SessionCookie {
			continue
		}
		found = true
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 1209600 {
			t.Errorf("session cookie: HttpOnly=%v SameSite=%v Path=%q MaxAge=%d", ck.HttpOnly, ck.SameSite, ck.Path, ck.MaxAge)
		}
		if len(ck.Value) < 43 {
			t.Errorf("session key %d characters, want >= 43 (256 bits)", len(ck.Value))
		}
	}
	if !found {
		t.Fatal("no session cookie on the first visit to /")
	}
}

func TestCookiesPageShowsSession(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	key := c.Cookie(web.SessionCookie)
	r := c.Get("/cookies")
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if strings.Contains(r.Body, key) {
		t.Error("/cookies shows the whole session key")
	}
	if !strings.Contains(d.Find("[data-testid=session-data]").Text(), "visits") {
		t.Error("/cookies does not show the session data")
	}
	if !strings.Contains(d.Find("[data-testid=expires]").Text(), "in 2 weeks") {
		t.Errorf("expires = %q, want in 2 weeks", d.Find("[data-testid=expires]").Text())
	}
}

// TestSweeperDeletesExpiredSessions: the sweeper deletes sessions past
// their expiry, and those unused for longer than the cookie age (after it
// was lowered), and no live one.
func TestSweeperDeletesExpiredSessions(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.SessionGCInterval = time.Second })
	expired, unused, live := web.NewSessionKey(), web.NewSessionKey(), web.NewSessionKey()
	for _, key := range []string{expired, unused, live} {
		storeSession(t, site, key, map[string]any{"visits": 1})
	}
	site.Store.DB().Exec("UPDATE sessions SET e = ? WHERE k = ?", time.Now().Add(-time.Minute).Unix(), expired)
	site.Store.DB().Exec("UPDATE sessions SET last_seen = ? WHERE k = ?", time.Now().Add(-15*24*time.Hour).Unix(), unused)
	deadline := time.Now().Add(5 * time.Second)
	for rowExists(t, site, expired) || rowExists(t, site, unused) {
		if time.Now().After(deadline) {
			t.Fatalf("not swept within 5 s at a 1 s interval: expired %v, unused for longer than the cookie age %v",
				rowExists(t, site, expired), rowExists(t, site, unused))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !rowExists(t, site, live) {
		t.Error("the sweeper deleted a live session")
	}
}
