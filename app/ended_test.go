package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rango/internal/testsite"
	"rango/web"
)

// flashText returns the message in the page's flash area.
func flashText(t *testing.T, r *testsite.Response) string {
	t.Helper()
	return strings.TrimSpace(doc(t, r).Find("#flash").Text())
}

// wantSignedOutOnce checks that the next page the client loads says why
// its session ended, and the page after says nothing.
func wantSignedOutOnce(t *testing.T, c *testsite.Client, path, why string) {
	t.Helper()
	first := c.Get(path)
	wantStatus(t, first, http.StatusOK)
	if got := flashText(t, first); !strings.Contains(got, why) {
		t.Errorf("after the session ended, %s says %q; want it to say %q", path, got, why)
	}
	if got := flashText(t, c.Get(path)); strings.Contains(got, "signed out") {
		t.Errorf("the next page says %q again; it must say it once", got)
	}
}

// TestTimedOutSessionSaysSo: a browser whose session passed its idle
// timeout is told so once, whether the session is ended when presented or
// was swept before; an htmx request from it gets the message on the login
// page it is sent to, not a silent login page.
func TestTimedOutSessionSaysSo(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.KeepSettings(t)
	v := site.Server.Settings.Current()
	v.SessionIdleTimeout = 10 * time.Minute
	if _, err := site.Server.Settings.Save(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	const why = "your session timed out"
	idle := func(name string) *testsite.Client {
		c := site.NewClient(t)
		c.Register(name, "correct horse battery staple")
		c.Get("/category/python") // a CSRF token for later
		site.Store.DB().Exec("UPDATE sessions SET last_seen = ? WHERE k = ?", time.Now().Add(-time.Hour).Unix(), c.Cookie(web.SessionCookie))
		return c
	}

	t.Run("ended when presented", func(t *testing.T) {
		wantSignedOutOnce(t, idle("timeout-presented"), "/about", why)
	})
	t.Run("swept before", func(t *testing.T) {
		c := idle("timeout-swept")
		if _, err := site.Store.DeleteExpiredSessions(context.Background(), time.Now(), site.Server.Settings.Current().SessionLimits(), 1000, nil); err != nil {
			t.Fatal(err)
		}
		wantSignedOutOnce(t, c, "/", why)
	})
	t.Run("htmx like", func(t *testing.T) {
		c := idle("timeout-htmx")
		r := c.Do(http.MethodPost, "/category/python/like", nil, http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {c.CSRF}})
		target := r.Header.Get("HX-Redirect")
		if !strings.HasPrefix(target, "/login") {
			t.Fatalf("an htmx like from a timed-out session: %d, HX-Redirect %q; want the login page", r.StatusCode, target)
		}
		if got := flashText(t, c.Get(target)); !strings.Contains(got, why) {
			t.Errorf("the login page after an htmx like from a timed-out session says %q, want %q", got, why)
		}
	})
}

// TestEndedSessionSaysWhy: a browser whose session was ended elsewhere is
// told why, once, for each way a session ends besides a timeout: by the
// user on another device (one session, or all the others), by a password
// change, by an administrator.
func TestEndedSessionSaysWhy(t *testing.T) {
	site := testsite.Start(t, db, nil)
	if _, err := site.Store.MakeStaff(context.Background(), "whyboss", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	staff := site.NewClient(t)
	staff.Login("whyboss", "correct horse battery")
	const password = "Paper Lantern Orbit 42"
	for _, tc := range []struct {
		name, why string
		end       func(t *testing.T, here *testsite.Client, there string)
	}{
		{"ended from another device", "you ended this session from another device", func(t *testing.T, here *testsite.Client, there string) {
			here.Get("/account/sessions")
			wantStatus(t, here.Post("/account/sessions/"+web.KeyHash(there)+"/end", nil), http.StatusSeeOther)
		}},
		{"all others ended", "you ended this session from another device", func(t *testing.T, here *testsite.Client, _ string) {
			here.Get("/account/sessions")
			wantStatus(t, here.Post("/account/sessions/end-others", nil), http.StatusSeeOther)
		}},
		{"password changed", "your password was changed", func(t *testing.T, here *testsite.Client, _ string) {
			here.Get("/account/password")
			wantStatus(t, here.Post("/account/password", url.Values{"current": {password}, "password": {password + " too"},
				"password2": {password + " too"}, "end_others": {"on"}}), http.StatusSeeOther)
		}},
		{"ended by an administrator", "an administrator ended your session", func(t *testing.T, _ *testsite.Client, there string) {
			staff.Get("/admin/sessions")
			wantStatus(t, staff.Post("/admin/sessions/"+web.KeyHash(there)+"/delete", nil), http.StatusSeeOther)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "why" + strings.ReplaceAll(tc.name, " ", "")
			here, there := site.NewClient(t), site.NewClient(t)
			here.Register(name, password)
			there.Login(name, password)
			tc.end(t, here, there.Cookie(web.SessionCookie))
			wantSignedOutOnce(t, there, "/about", tc.why)
		})
	}
}
