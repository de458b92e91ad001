package app_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
	"rango/web"
)

const keepPassword = "Quiet Harbour Lamp 19"

// sessionCookieOf returns the session cookie a response sets, or nil.
func sessionCookieOf(r *testsite.Response) *http.Cookie {
	for _, ck := range r.Cookies() {
		if ck.Name == web.SessionCookie {
			return ck
		}
	}
	return nil
}

// rowExpiry returns when the stored session with this key expires and
// its data.
func rowExpiry(t *testing.T, site *testsite.Site, key string) (time.Time, map[string]any) {
	t.Helper()
	var e int64
	var raw []byte
	if err := site.Store.DB().Raw("SELECT e, v FROM sessions WHERE k = ?", key).Row().Scan(&e, &raw); err != nil {
		t.Fatal(err)
	}
	data := map[string]any{}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		t.Fatal(err)
	}
	return time.Unix(e, 0), data
}

// near fails unless got is within a minute of want.
func near(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -time.Minute || d > time.Minute {
		t.Errorf("%s: %s, want about %s", what, got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
}

// loginKeeping logs in with the "Keep me signed in" box ticked or not.
func loginKeeping(t *testing.T, c *testsite.Client, name string, keep bool) *testsite.Response {
	t.Helper()
	form := url.Values{"username": {name}, "password": {keepPassword}}
	if keep {
		form.Set("keep", "on")
	}
	c.Get("/login")
	r := c.Post("/login", form)
	wantStatus(t, r, http.StatusSeeOther)
	return r
}

// TestKeepMeSignedIn: without the box the session cookie has no Max-Age
// or Expires and the server keeps the session the browser lifetime (12
// hours) after its last activity, sliding; with the box the cookie lives
// the cookie age. The choice survives later saves and the key's rotation
// at a password change; /cookies says which it is.
func TestKeepMeSignedIn(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.VisitInterval = 0 })
	name := fmt.Sprintf("keeper%d", time.Now().UnixNano()%1e9)
	site.NewClient(t).Register(name, keepPassword)

	browser := site.NewClient(t)
	if d := doc(t, browser.Get("/login")); d.Find(`input[name="keep"][type="checkbox"]`).Length() != 1 ||
		d.Find(`input[name="keep"]`).Is("[checked]") {
		t.Fatal("the login form has no unticked “Keep me signed in” box")
	}
	ck := sessionCookieOf(loginKeeping(t, browser, name, false))
	if ck == nil || ck.MaxAge != 0 || !ck.Expires.IsZero() || strings.Contains(ck.Raw, "Max-Age") {
		t.Fatalf("unticked: session cookie %v, want one without Max-Age or Expires", ck)
	}
	key := browser.Cookie(web.SessionCookie)
	e, data := rowExpiry(t, site, key)
	near(t, "unticked: the row's expiry", e, time.Now().Add(12*time.Hour))
	if data["_auth_keep"] != false {
		t.Errorf("unticked: the session records %v, want the choice (false)", data["_auth_keep"])
	}

	// A later save (a counted visit) keeps it browser-length.
	r := browser.Get("/about")
	if ck := sessionCookieOf(r); ck == nil || ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("after a save: session cookie %v, want still no Max-Age", ck)
	}
	if e, _ := rowExpiry(t, site, key); e.After(time.Now().Add(12*time.Hour + time.Minute)) {
		t.Errorf("after a save the row expires %s, beyond the browser lifetime", e)
	}
	// Activity slides it: seen 30 minutes ago, the next page pushes it back.
	site.Store.DB().Exec("UPDATE sessions SET e = ?, last_seen = ? WHERE k = ?",
		time.Now().Add(11*time.Hour+30*time.Minute).Unix(), time.Now().Add(-30*time.Minute).Unix(), key)
	site.Server.Sessions.ForgetTouches()
	browser.Get("/cookies")
	e, _ = rowExpiry(t, site, key)
	near(t, "unticked, after a page view: the row's expiry", e, time.Now().Add(12*time.Hour))
	if got := strings.TrimSpace(doc(t, browser.Get("/cookies")).Find(`[data-testid="persistence"]`).Text()); got != "Ends when you close your browser" {
		t.Errorf("/cookies says %q for a browser-length session", got)
	}

	// The key's rotation at a password change keeps the choice.
	browser.Get("/account/password")
	wantStatus(t, browser.Post("/account/password", url.Values{"current": {keepPassword}, "password": {keepPassword + " x"},
		"password2": {keepPassword + " x"}}), http.StatusSeeOther)
	if _, data := rowExpiry(t, site, browser.Cookie(web.SessionCookie)); data["_auth_keep"] != false {
		t.Errorf("after the key's rotation the session records %v, want false", data["_auth_keep"])
	}
	site.Store.SetPassword(context.Background(), userID(t, site, name), keepPassword)

	kept := site.NewClient(t)
	ck = sessionCookieOf(loginKeeping(t, kept, name, true))
	if ck == nil || ck.MaxAge != 1209600 {
		t.Fatalf("ticked: session cookie %v, want Max-Age 1209600 (the cookie age)", ck)
	}
	e, _ = rowExpiry(t, site, kept.Cookie(web.SessionCookie))
	near(t, "ticked: the row's expiry", e, time.Now().Add(1209600*time.Second))
	if got := doc(t, kept.Get("/cookies")).Find(`[data-testid="persistence"]`).Text(); !strings.HasPrefix(got, "Kept until") {
		t.Errorf("/cookies says %q for a kept session", got)
	}
	if ck := sessionCookieOf(kept.Get("/about")); ck == nil || ck.MaxAge != 1209600 {
		t.Errorf("ticked, after a save: session cookie %v, want Max-Age 1209600", ck)
	}
}

// TestSiteWideBrowserCloseOverridesTheBox: with the site-wide
// session_expire_at_browser_close on, the box is not offered and every
// login gets a browser-length cookie.
func TestSiteWideBrowserCloseOverridesTheBox(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.KeepSettings(t)
	v := site.Server.Settings.Current()
	v.SessionExpireAtBrowserClose = true
	if _, err := site.Server.Settings.Save(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("sitewide%d", time.Now().UnixNano()%1e9)
	site.NewClient(t).Register(name, keepPassword)
	c := site.NewClient(t)
	if doc(t, c.Get("/login")).Find(`input[name="keep"]`).Length() != 0 {
		t.Error("the box is offered although the site ends every session with the browser")
	}
	for _, keep := range []bool{false, true} {
		if ck := sessionCookieOf(loginKeeping(t, site.NewClient(t), name, keep)); ck == nil || ck.MaxAge != 0 || !ck.Expires.IsZero() {
			t.Errorf("site-wide browser close, box %v: session cookie %v, want no Max-Age", keep, ck)
		}
	}
}
