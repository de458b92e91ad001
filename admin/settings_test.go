package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/settings"
	"rango/web"
)

// settingsForm is the settings form with these values, confirmed: a
// shorter cookie age ends the sessions idle for longer, which the form
// asks about first (see TestSettingsImpactPreview).
func settingsForm(age, interval string, browserClose, everyRequest bool) url.Values {
	f := url.Values{"session_cookie_age": {age}, "visit_interval": {interval}, "impact_confirmed": {"yes"}}
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

// fieldError returns the error a settings page shows for a field, after
// checking that it is tied to the field as an accessible description.
func fieldError(t *testing.T, d *goquery.Document, key string) string {
	t.Helper()
	input := d.Find("#" + key)
	msg := strings.TrimSpace(d.Find("#" + key + "-error").Text())
	invalid, _ := input.Attr("aria-invalid")
	described, _ := input.Attr("aria-describedby")
	if msg == "" {
		if invalid != "" || input.HasClass("is-invalid") {
			t.Errorf("%s is marked invalid without a message", key)
		}
		return ""
	}
	if invalid != "true" || !input.HasClass("is-invalid") || !slices.Contains(strings.Fields(described), key+"-error") {
		t.Errorf("%s: the error %q is not tied to the field (aria-invalid %q, aria-describedby %q)", key, msg, invalid, described)
	}
	return msg
}

func TestSettingsValidation(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "setboss")
	before := site.Server.Settings.Current()
	staff.Get("/admin/settings")
	for _, tc := range []struct {
		form url.Values
		want map[string]string // field: part of its error
	}{
		{settingsForm("59", "86400", false, false), map[string]string{"session_cookie_age": "between 1 minute and 365 days"}},
		{settingsForm("31536001", "86400", false, false), map[string]string{"session_cookie_age": "60 to 31,536,000 seconds"}},
		// Past what a time.Duration holds in nanoseconds (once wrapped
		// round to 60 s), or past int64 altogether: out of range, not garbage.
		{settingsForm("18446744134", "86400", false, false), map[string]string{"session_cookie_age": "60 to 31,536,000 seconds"}},
		{settingsForm("99999999999999999999", "86400", false, false), map[string]string{"session_cookie_age": "60 to 31,536,000 seconds"}},
		{settingsForm("3600", "18446744073", false, false), map[string]string{"visit_interval": "between 0 (every visit counts) and 3,650 days"}},
		{settingsForm("two weeks", "86400", false, false), map[string]string{"session_cookie_age": "Enter a number"}},
		{settingsForm("3600", "-5", false, false), map[string]string{"visit_interval": "Enter a number"}},
		{settingsForm("3600", "1e9", false, false), map[string]string{"visit_interval": "Enter a number"}},
		{settingsForm("3600", "2 fortnights", false, false), map[string]string{"visit_interval": "Enter a number"}},
		// One pass: a field that cannot be read and another out of range
		// are both reported at once.
		{url.Values{"session_cookie_age": {"abc"}, "visit_interval": {"86400"}, "session_idle_timeout": {"1m"},
			"session_absolute_lifetime": {"20000d"}},
			map[string]string{"session_cookie_age": "Enter a number", "session_idle_timeout": "between 5 minutes",
				"session_absolute_lifetime": "between 1 hour and 3,650 days"}},
	} {
		r := staff.Post("/admin/settings", tc.form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		d := doc(t, r)
		for _, key := range []string{"session_cookie_age", "session_idle_timeout", "session_absolute_lifetime", "visit_interval"} {
			got := fieldError(t, d, key)
			if want := tc.want[key]; (want == "") != (got == "") || !strings.Contains(got, want) {
				t.Errorf("%v: %s says %q, want %q", tc.form, key, got, want)
			}
			if typed := tc.form.Get(key); typed != "" {
				if v, _ := d.Find("#" + key).Attr("value"); v != typed {
					t.Errorf("the typed value %q of %s was lost: %q", typed, key, v)
				}
			}
		}
		if n := len(tc.want); !strings.Contains(d.Find("[data-testid=form-errors]").Text(), map[bool]string{true: "One field", false: fmt.Sprint(n, " fields")}[n == 1]) {
			t.Errorf("%v: the summary says %q", tc.form, d.Find("[data-testid=form-errors]").Text())
		}
	}
	if now := site.Server.Settings.Current(); now != before {
		t.Errorf("an invalid form changed the settings: %+v -> %+v", before, now)
	}
}

func TestSettingsInHumanUnits(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "unitboss")
	resetSettings(t, site)
	d := doc(t, staff.Get("/admin/settings"))
	unit := func(d *goquery.Document, key string) (string, string) {
		v, _ := d.Find("#" + key).Attr("value")
		return v, strings.TrimSpace(d.Find("select[name=" + key + "_unit] option[selected]").Text())
	}
	if n, u := unit(d, "session_cookie_age"); n != "2" || u != "weeks" {
		t.Errorf("the cookie age shows as %s %s, want 2 weeks", n, u)
	}
	for _, tc := range []struct {
		number, unit string
		want         time.Duration
	}{
		{"3", "days", 3 * 24 * time.Hour},
		{"2w", "seconds", 14 * 24 * time.Hour}, // units typed win over the picker
		{"90m", "days", 90 * time.Minute},
		{"1h 30m", "seconds", 90 * time.Minute},
		{"7200", "seconds", 2 * time.Hour},
	} {
		form := url.Values{"session_cookie_age": {tc.number}, "session_cookie_age_unit": {tc.unit}, "visit_interval": {"1"}, "visit_interval_unit": {"days"}}
		wantStatus(t, staff.Post("/admin/settings", form), http.StatusSeeOther)
		if got := site.Server.Settings.Current().SessionCookieAge; got != tc.want {
			t.Errorf("%q %s saved as %s, want %s", tc.number, tc.unit, got, tc.want)
		}
	}
	d = doc(t, staff.Get("/admin/settings"))
	if n, u := unit(d, "session_cookie_age"); n != "2" || u != "hours" {
		t.Errorf("7200 seconds shows as %s %s, want 2 hours", n, u)
	}
	notice := d.Find("[data-testid=notice]").Text()
	if !strings.Contains(notice, "session_cookie_age 90 minutes → 2 hours") {
		t.Errorf("the result message is %q", notice)
	}
	if href, _ := d.Find("[data-testid=notice-audit]").Attr("href"); !strings.HasPrefix(href, "/admin/audit?at=") {
		t.Errorf("the result message links to %q, not its audit entry", href)
	}
	dash := doc(t, staff.Get("/admin/"))
	if got := dash.Find("[data-testid=settings-in-force]").Text(); !strings.Contains(got, "2 hours") || strings.Contains(got, "7200") {
		t.Errorf("the dashboard shows the settings as %q", got)
	}
}

func TestSettingsImpactPreview(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "impactboss")
	resetSettings(t, site)
	site.Store.DB().Exec("DELETE FROM sessions WHERE user_id IS NULL")
	now := time.Now().Unix()
	// Idle for 2 hours (5), begun 3 days ago but active (4), fresh (3).
	for i, s := range []struct {
		n             int
		created, seen int64
	}{{5, now - 7200, now - 7200}, {4, now - 3*86400, now - 60}, {3, now - 60, now - 60}} {
		for j := 0; j < s.n; j++ {
			site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
				web.NewSessionKey(), []byte{0}, now+86400, fmt.Sprintf("10.9.%d.%d", i, j), s.created, s.seen)
		}
	}
	staff.Get("/admin/settings")
	form := url.Values{"session_cookie_age": {"2w"}, "visit_interval": {"1d"},
		"session_idle_timeout": {"1"}, "session_idle_timeout_unit": {"hours"},
		"session_absolute_lifetime": {"2"}, "session_absolute_lifetime_unit": {"days"}}
	r := staff.Post("/admin/settings", form)
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if got := d.Find("[data-testid=impact-idle]").Text(); !strings.Contains(got, "This idle timeout would end 5 sessions now") {
		t.Errorf("idle impact: %q", got)
	}
	if got := d.Find("[data-testid=impact-absolute]").Text(); !strings.Contains(got, "would end 4 sessions now") {
		t.Errorf("absolute impact: %q", got)
	}
	if got := d.Find("[data-testid=impact-confirm]").Text(); got != "Save and end 9 sessions" {
		t.Errorf("the confirm button says %q", got)
	}
	if site.Server.Settings.Current().SessionIdleTimeout != 0 {
		t.Fatal("the preview saved the settings")
	}
	if v, _ := d.Find("#session_idle_timeout").Attr("value"); v != "1" {
		t.Errorf("the preview lost the typed value: %q", v)
	}
	form.Set("impact_confirmed", "yes")
	wantStatus(t, staff.Post("/admin/settings", form), http.StatusSeeOther)
	if got := site.Server.Settings.Current(); got.SessionIdleTimeout != time.Hour || got.SessionAbsoluteLifetime != 48*time.Hour {
		t.Errorf("saved %+v", got)
	}
	if msg := doc(t, staff.Get("/admin/settings")).Find("[data-testid=notice]").Text(); !strings.Contains(msg, "9 sessions ended by the shorter limits") {
		t.Errorf("the result message is %q", msg)
	}
	// Lengthening ends nothing and asks nothing.
	form.Del("impact_confirmed")
	form.Set("session_idle_timeout", "2")
	wantStatus(t, staff.Post("/admin/settings", form), http.StatusSeeOther)

	// A shorter cookie age ends the sessions idle for longer, so it asks.
	now = time.Now().Unix()
	for i := 0; i < 2; i++ {
		site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
			web.NewSessionKey(), []byte{0}, now+86400, "10.9.9.9", now-5400, now-5400)
	}
	form = url.Values{"session_cookie_age": {"1h"}, "visit_interval": {"1d"}, "session_idle_timeout": {"0"}, "session_absolute_lifetime": {"0"}}
	d = doc(t, staff.Post("/admin/settings", form))
	if got := d.Find("[data-testid=impact-idle]").Text(); !strings.HasPrefix(got, "This cookie age would end ") || !strings.HasSuffix(got, "sessions now: not used for 1 hour.") {
		t.Errorf("cookie age impact: %q", got)
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
	form.Set("impact_confirmed", "yes") // other tests' sessions may be older
	wantStatus(t, staff.Post("/admin/settings", form), http.StatusSeeOther)

	for name, column := range map[string]string{"idle": "last_seen", "absolute": "created_at"} {
		t.Run(name, func(t *testing.T) {
			v := site.NewClient(t)
			v.Register("life-"+name, "correct horse battery")
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
		v.Register(name, "correct horse battery")
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
