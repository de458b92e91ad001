package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rango/internal/testsite"
	"rango/settings"
	"rango/web"
)

func settingsForm(age, interval string, browserClose, everyRequest bool) url.Values {
	f := url.Values{"session_cookie_age": {age}, "visit_interval": {interval}}
	if browserClose {
		f.Set("session_expire_at_browser_close", "on")
	}
	if everyRequest {
		f.Set("session_save_every_request", "on")
	}
	return f
}

// sessionCookie returns the session cookie a fresh visitor of / gets.
func sessionCookie(t *testing.T, site *testsite.Site) *http.Cookie {
	t.Helper()
	r := site.NewClient(t).Get("/")
	for _, ck := range r.Cookies() {
		if ck.Name == web.SessionCookie {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// resetSettings puts the default settings back when the test ends.
func resetSettings(t *testing.T, site *testsite.Site) {
	t.Cleanup(func() {
		defaults := settings.Values{SessionCookieAge: 1209600 * time.Second, VisitInterval: 24 * time.Hour}
		if _, err := site.Server.Settings.Save(context.Background(), defaults); err != nil {
			t.Error(err)
		}
	})
}

func TestSettingsValidation(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "setboss")
	before := site.Server.Settings.Current()
	staff.Get("/admin/settings")
	for _, tc := range []struct {
		form  url.Values
		field string
		want  string
	}{
		{settingsForm("59", "86400", false, false), "session_cookie_age", "between 60 and 31536000"},
		{settingsForm("31536001", "86400", false, false), "session_cookie_age", "between"},
		{settingsForm("two weeks", "86400", false, false), "session_cookie_age", "whole number"},
		{settingsForm("3600", "-5", false, false), "visit_interval", "whole number"},
		{settingsForm("3600", "1e9", false, false), "visit_interval", "whole number"},
	} {
		r := staff.Post("/admin/settings", tc.form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		input := doc(t, r).Find("#" + tc.field)
		if !input.HasClass("is-invalid") || !strings.Contains(input.Parent().Find(".invalid-feedback").Text(), tc.want) {
			t.Errorf("%v: no %q next to %s", tc.form, tc.want, tc.field)
		}
		if v, _ := input.Attr("value"); v != tc.form.Get(tc.field) {
			t.Errorf("the typed value %q was lost: %q", tc.form.Get(tc.field), v)
		}
	}
	if now := site.Server.Settings.Current(); now != before {
		t.Errorf("an invalid form changed the settings: %+v -> %+v", before, now)
	}
}

func TestSettingsApplyLiveAcrossInstances(t *testing.T) {
	one := testsite.Start(t, db, nil)
	two := testsite.Start(t, db, nil)
	staff := staffClient(t, one, "liveboss")
	resetSettings(t, one)

	staff.Get("/admin/settings")
	wantStatus(t, staff.Post("/admin/settings", settingsForm("3600", "60", false, false)), http.StatusSeeOther)
	if ck := sessionCookie(t, one); ck.MaxAge != 3600 {
		t.Errorf("instance one: new session Max-Age %d, want 3600 at once", ck.MaxAge)
	}
	deadline := time.Now().Add(5 * time.Second)
	for sessionCookie(t, two).MaxAge != 3600 {
		if time.Now().After(deadline) {
			t.Fatal("instance two did not apply the new cookie age within 5 s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	wantStatus(t, staff.Post("/admin/settings", settingsForm("3600", "60", true, false)), http.StatusSeeOther)
	if ck := sessionCookie(t, one); ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("expire at browser close: cookie has Max-Age %d, Expires %v", ck.MaxAge, ck.Expires)
	}

	// An existing session gets the new age at its next save.
	wantStatus(t, staff.Post("/admin/settings", settingsForm("7200", "0", false, false)), http.StatusSeeOther)
	v := one.NewClient(t)
	v.Get("/about")
	r := v.Get("/about") // visit interval 0: counts, so saves
	var got int
	for _, ck := range r.Cookies() {
		if ck.Name == web.SessionCookie {
			got = ck.MaxAge
		}
	}
	if got != 7200 {
		t.Errorf("existing session re-saved with Max-Age %d, want 7200", got)
	}
}

func TestSaveEveryRequestSlidesExpiry(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "slideboss")
	resetSettings(t, site)
	staff.Get("/admin/settings")
	wantStatus(t, staff.Post("/admin/settings", settingsForm("600", "86400", false, true)), http.StatusSeeOther)
	v := site.NewClient(t)
	v.Get("/")
	key := v.Cookie(web.SessionCookie)
	site.Store.DB().Exec("UPDATE sessions SET e = e - 300 WHERE k = ?", key)
	var before, after int64
	site.Store.DB().Raw("SELECT e FROM sessions WHERE k = ?", key).Row().Scan(&before)
	r := v.Get("/category/python")
	site.Store.DB().Raw("SELECT e FROM sessions WHERE k = ?", key).Row().Scan(&after)
	if after < before+250 {
		t.Errorf("expiry %d -> %d: a request did not slide it", before, after)
	}
	slid := false
	for _, ck := range r.Cookies() {
		slid = slid || (ck.Name == web.SessionCookie && ck.MaxAge == 600)
	}
	if !slid {
		t.Error("the cookie was not re-sent with the full age")
	}
}

func TestIdleTimeoutAndAbsoluteLifetime(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "lifeboss")
	resetSettings(t, site)
	staff.Get("/admin/settings")
	form := settingsForm("1209600", "86400", false, false)
	form.Set("session_idle_timeout", "299")
	form.Set("session_absolute_lifetime", "60")
	r := staff.Post("/admin/settings", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if d := doc(t, r); !d.Find("#session_idle_timeout").HasClass("is-invalid") || !d.Find("#session_absolute_lifetime").HasClass("is-invalid") {
		t.Error("out-of-range lifetimes not refused next to their fields")
	}
	form.Set("session_idle_timeout", "600")
	form.Set("session_absolute_lifetime", "7200")
	wantStatus(t, staff.Post("/admin/settings", form), http.StatusSeeOther)

	for name, column := range map[string]string{"idle": "last_seen", "absolute": "created_at"} {
		t.Run(name, func(t *testing.T) {
			v := site.NewClient(t)
			v.Register("life-"+name, "long enough")
			if whoami(t, v) == "" {
				t.Fatal("not logged in")
			}
			key := v.Cookie(web.SessionCookie)
			past := time.Now().Add(-3 * time.Hour).Unix() // past both limits, yet before the expiry
			site.Store.DB().Exec("UPDATE sessions SET "+column+" = ? WHERE k = ?", past, key)
			if who := whoami(t, v); who != "" {
				t.Errorf("a session past its %s limit still logs in as %q", name, who)
			}
		})
	}
}

// sessionRowExists tells whether the session with this key is stored.
func sessionRowExists(t *testing.T, site *testsite.Site, key string) bool {
	t.Helper()
	var n int64
	if err := site.Store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE k = ?", key).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// listsSession tells whether the admin's list with this status shows the
// session.
func listsSession(t *testing.T, staff *testsite.Client, status, key string) bool {
	t.Helper()
	r := staff.Get("/admin/sessions?status=" + status)
	wantStatus(t, r, http.StatusOK)
	return doc(t, r).Find(`a[href="/admin/sessions/`+web.KeyHash(key)+`"]`).Length() > 0
}

// TestLimitsEndSessions: a session past a limit ends for good. Presented,
// it is deleted, so that turning the limit off again does not log it back
// in; not presented, the admin lists it as expired and the cleanup deletes
// it; and lowering the cookie age ends the sessions unused for longer than
// the new age.
func TestLimitsEndSessions(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "limitboss")
	resetSettings(t, site)
	save := func(age, idle string) {
		t.Helper()
		staff.Get("/admin/settings")
		form := settingsForm(age, "86400", false, false)
		form.Set("session_idle_timeout", idle)
		form.Set("session_absolute_lifetime", "0")
		wantStatus(t, staff.Post("/admin/settings", form), http.StatusSeeOther)
	}
	visitor := func(name string, unused time.Duration) (*testsite.Client, string) {
		t.Helper()
		v := site.NewClient(t)
		v.Register(name, "long enough")
		key := v.Cookie(web.SessionCookie)
		site.Store.DB().Exec("UPDATE sessions SET last_seen = ? WHERE k = ?", time.Now().Add(-unused).Unix(), key)
		return v, key
	}

	save("1209600", "300")
	presented, presentedKey := visitor("limit-presented", time.Hour)
	if who := whoami(t, presented); who != "" {
		t.Fatalf("a session unused for an hour, with a 5-minute idle timeout, logs in as %q", who)
	}
	if sessionRowExists(t, site, presentedKey) {
		t.Error("the session past its idle timeout was refused but not deleted")
	}
	save("1209600", "0")
	if who := whoami(t, presented); who != "" {
		t.Errorf("turning the idle timeout off logged the ended session back in as %q", who)
	}

	save("1209600", "300")
	_, idleKey := visitor("limit-idle", time.Hour)
	if !listsSession(t, staff, "expired", idleKey) || listsSession(t, staff, "active", idleKey) {
		t.Error("the admin does not list a session past its idle timeout as expired")
	}
	staff.Get("/admin/sessions")
	wantStatus(t, staff.Post("/admin/sessions/delete-expired", nil), http.StatusSeeOther)
	if sessionRowExists(t, site, idleKey) {
		t.Error("deleting the expired sessions kept one past its idle timeout")
	}

	save("1209600", "0")
	lowered, loweredKey := visitor("limit-age", 48*time.Hour)
	if whoami(t, lowered) == "" {
		t.Fatal("a two-week session unused for two days is not logged in")
	}
	site.Store.DB().Exec("UPDATE sessions SET last_seen = ? WHERE k = ?", time.Now().Add(-48*time.Hour).Unix(), loweredKey)
	save("86400", "0")
	if who := whoami(t, lowered); who != "" {
		t.Errorf("after the cookie age went down to a day, a session unused for two days still logs in as %q", who)
	}
}
