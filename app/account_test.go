package app_test

import (
	"bytes"
	"encoding/gob"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
	"rango/web"
)

func TestRegisterValidation(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/register")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		text  string
	}{
		{"short password", url.Values{"username": {"ann"}, "password": {"short"}, "password2": {"short"}}, "password", "at least 8"},
		{"weak password", url.Values{"username": {"ann"}, "password": {"long enough"}, "password2": {"long enough"}}, "password", "too easy to guess"},
		{"common password", url.Values{"username": {"ann"}, "password": {"password1"}, "password2": {"password1"}}, "password", "commonly used"},
		{"password is the user name", url.Values{"username": {"horsebattery"}, "password": {"HorseBattery"}, "password2": {"HorseBattery"}}, "password", "user name"},
		{"password contains the user name", url.Values{"username": {"ann"}, "password": {"ann battery staple horse"}, "password2": {"ann battery staple horse"}}, "password", "user name"},
		{"password from the email", url.Values{"username": {"ann"}, "email": {"wonderland1865@example.com"}, "password": {"wonderland1865"}, "password2": {"wonderland1865"}}, "password", "email"},
		{"passwords differ", url.Values{"username": {"ann"}, "password": {"correct horse battery 1"}, "password2": {"correct horse battery 2"}}, "password2", "differ"},
		{"bad user name", url.Values{"username": {"a b<script>"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, "username", "Use letters"},
		{"no user name", url.Values{"password": {"correct horse battery"}, "password2": {"correct horse battery"}}, "username", "required"},
		{"bad email", url.Values{"username": {"ann"}, "email": {"not-an-email"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, "email", "not an email"},
		{"bad website", url.Values{"username": {"ann"}, "website": {"javascript:alert(1)"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, "website", "http"},
		{"long user name", url.Values{"username": {strings.Repeat("a", 151)}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, "username", "at most 150"},
		{"invalid utf-8", url.Values{"username": {"ann\xff"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, "username", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Post("/register", tc.form)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			d := doc(t, r)
			input := d.Find("#" + tc.field)
			if !input.HasClass("is-invalid") {
				t.Errorf("field %s not marked invalid", tc.field)
			}
			if msg := input.Parent().Find(".invalid-feedback").Text(); !strings.Contains(msg, tc.text) {
				t.Errorf("message next to %s = %q, want %q in it", tc.field, msg, tc.text)
			}
			if tc.form.Get("username") != "" && tc.field != "username" {
				if v, _ := d.Find("#username").Attr("value"); v != tc.form.Get("username") {
					t.Errorf("the form lost the user name: %q", v)
				}
			}
		})
	}
	c.Register("taken", "correct horse battery")
	c2 := site.NewClient(t)
	r := c2.Register("TAKEN", "correct horse battery")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "taken") {
		t.Error("a taken user name (in any case) must be refused with a message")
	}
}

func TestRegistrationLimitedPerAddress(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.TrustedProxies = []string{"127.0.0.1"} })
	site.NewClient(t).Register("taken-name", "correct horse battery")
	register := func(c *testsite.Client, ip, name string) *testsite.Response {
		return c.Do(http.MethodPost, "/register", url.Values{"username": {name}, "password": {"correct horse battery"},
			"password2": {"correct horse battery"}, "_csrf": {c.CSRF}}, http.Header{"X-Forwarded-For": {ip}})
	}
	c := site.NewClient(t)
	c.Get("/register")
	// Nine sign-ups from this address this hour already (counted directly,
	// sparing nine bcrypts; app/ratelimit.go keys them "register:" and the
	// address); a tenth asks whether a name is taken.
	countFailures(t, site, "register:203.0.113.7", 9)
	wantStatus(t, register(c, "203.0.113.7", "taken-name"), http.StatusUnprocessableEntity)
	r := register(c, "203.0.113.7", "probed-name")
	wantStatus(t, r, http.StatusTooManyRequests)
	d := doc(t, r)
	if !strings.Contains(d.Find("[data-testid=problem]").Text(), "Too many registrations") {
		t.Errorf("the 429 page does not say what happened:\n%.1500s", r.Body)
	}
	if v, _ := d.Find("#username").Attr("value"); v != "probed-name" {
		t.Errorf("the form lost the user name: %q", v)
	}
	if _, err := site.Store.UserByName(t.Context(), "probed-name"); err == nil {
		t.Error("a refused registration created the account")
	}
	// Invalid forms do not count; another address is not held back.
	other := site.NewClient(t)
	other.Get("/register")
	wantStatus(t, register(other, "203.0.113.8", "probed-name"), http.StatusSeeOther)
}

func TestPasswordStrengthAsYouType(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	wantStatus(t, c.Get("/register"), http.StatusOK)
	meter := func(form url.Values) string {
		t.Helper()
		r := c.Do(http.MethodPost, "/password-strength", form, http.Header{"X-CSRF-Token": {c.CSRF}, "HX-Request": {"true"}})
		wantStatus(t, r, http.StatusOK)
		return strings.Join(strings.Fields(doc(t, r).Find("#password-strength").Text()), " ")
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"password": {"password"}}, "Strength: too weak. It is one of the most common passwords."},
		{url.Values{"password": {"correct horse battery"}}, "Strength: strong."},
		{url.Values{"password": {"annabelle battery horse"}, "username": {"annabelle"}}, "Strength: not allowed. The password must not be or contain your user name."},
		{url.Values{"password": {"short"}}, "Strength: too short."},
		{url.Values{"password": {""}}, ""},
	} {
		if got := meter(tc.form); !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("%v: meter says %q, want %q", tc.form, got, tc.want)
		}
	}
	// It is a POST behind the CSRF check, like every other.
	r := c.Do(http.MethodPost, "/password-strength", url.Values{"password": {"x"}}, nil)
	wantStatus(t, r, http.StatusForbidden)
	// The register page asks for it as the user types.
	input := doc(t, c.Get("/register")).Find("#password")
	if v, _ := input.Attr("hx-post"); v != "/password-strength" {
		t.Errorf("the password field does not ask for its strength: hx-post=%q", v)
	}
}

func TestLoginSameMessageForUnknownUserAndWrongPassword(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("known", "right password")
	c.Post("/logout", nil)
	var msgs []string
	for _, creds := range [][2]string{{"known", "wrong password"}, {"unknown", "right password"}} {
		r := c.Login(creds[0], creds[1])
		wantStatus(t, r, http.StatusUnprocessableEntity)
		msgs = append(msgs, doc(t, r).Find("[data-testid=problem]").Text())
	}
	if msgs[0] == "" || msgs[0] != msgs[1] {
		t.Errorf("messages differ or are empty: %q", msgs)
	}
}

func TestRestrictedRedirectsToLoginAndBack(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("walker", "correct horse battery")
	c.Post("/logout", nil)
	r := c.Get("/restricted")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Frestricted" {
		t.Fatalf("anonymous /restricted: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	c.Get(r.Header.Get("Location"))
	r = c.Post("/login", url.Values{"username": {"walker"}, "password": {"correct horse battery"}, "next": {"/restricted"}})
	if r.Header.Get("Location") != "/restricted" {
		t.Fatalf("after login: to %q, want /restricted", r.Header.Get("Location"))
	}
	wantStatus(t, c.Get("/restricted"), http.StatusOK)
	r = c.Post("/login", url.Values{"username": {"walker"}, "password": {"correct horse battery"}, "next": {"//evil.example/"}})
	if r.Header.Get("Location") != "/" {
		t.Errorf("next=//evil.example/ redirected to %q, want /", r.Header.Get("Location"))
	}
}

func TestTestCookie(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("cookieless", "correct horse battery")
	c.Post("/logout", nil)
	c.Get("/login")
	u, _ := url.Parse(c.Base)
	// Keep the CSRF cookie but drop the test cookie, as a browser that
	// refuses the cookies of the login page would not send it.
	c.Jar.SetCookies(u, []*http.Cookie{{Name: web.TestCookie, Value: "", MaxAge: -1, Path: "/"}})
	r := c.Post("/login", url.Values{"username": {"cookieless"}, "password": {"correct horse battery"}})
	wantStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(doc(t, r).Find("[data-testid=problem]").Text(), "enable cookies to log in") {
		t.Errorf("no plain message about cookies:\n%.1500s", r.Body)
	}

	// A browser that keeps no cookies at all fails the CSRF check first;
	// it is told about cookies too.
	bare := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := bare.PostForm(site.URL+"/login", url.Values{"username": {"x"}, "password": {"y"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := new(strings.Builder)
	_, _ = io.Copy(body, resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body.String(), "enable cookies") {
		t.Errorf("cookieless POST: %d, body lacks 'enable cookies':\n%.1500s", resp.StatusCode, body.String())
	}
}

func TestCSRFRequired(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("csrfer", "correct horse battery")
	for _, path := range []string{"/add_category", "/category/python/like", "/category/python/unlike", "/logout", "/consent",
		"/category/python/add_page", "/account/password", "/account/sessions/end-others", "/account/sessions/0123456789abcdef/end", "/login", "/register"} {
		r := c.Do(http.MethodPost, path, url.Values{"name": {"Sneaky"}}, nil)
		wantStatus(t, r, http.StatusForbidden)
		if !strings.Contains(doc(t, r).Find("[data-testid=error-message]").Text(), "CSRF") {
			t.Errorf("%s: the 403 page does not say what happened", path)
		}
		r = c.Do(http.MethodPost, path, url.Values{"_csrf": {"forged.token"}}, nil)
		wantStatus(t, r, http.StatusForbidden)
	}
	// The session is intact: none of the refused requests did anything.
	if !strings.Contains(c.Get("/").Body, "Logged in as") {
		t.Error("a request without a token logged the user out")
	}
	// htmx sends the token as a header.
	c.Get("/category/python")
	r := c.Do(http.MethodPost, "/category/python/like", url.Values{}, http.Header{"X-CSRF-Token": {c.CSRF}, "HX-Request": {"true"}})
	wantStatus(t, r, http.StatusOK)
}

func TestCSRFTokenRotatesAtLoginAndLogout(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.NewClient(t).Register("rotated-csrf", "correct horse battery")
	c := site.NewClient(t)
	c.Get("/login")
	anonymous := c.Cookie(web.CSRFCookie)
	wantStatus(t, c.Post("/login", url.Values{"username": {"rotated-csrf"}, "password": {"correct horse battery"}}), http.StatusSeeOther)
	loggedIn := c.Cookie(web.CSRFCookie)
	if loggedIn == "" || loggedIn == anonymous {
		t.Fatalf("the CSRF token after login is %q, the anonymous one was %q: want a new one", loggedIn, anonymous)
	}
	// The anonymous visitor's token no longer works in the user's session.
	r := c.Post("/logout", url.Values{"_csrf": {anonymous}})
	wantStatus(t, r, http.StatusForbidden)
	page := c.Get("/")
	if !strings.Contains(page.Body, "Logged in as") {
		t.Fatal("a refused logout logged the user out")
	}
	if got, _ := doc(t, page).Find("input[name=_csrf]").First().Attr("value"); got != loggedIn {
		t.Errorf("the page's token %q is not the cookie's %q", got, loggedIn)
	}
	wantStatus(t, c.Post("/logout", nil), http.StatusSeeOther)
	if out := c.Cookie(web.CSRFCookie); out == "" || out == loggedIn {
		t.Errorf("the CSRF token after logout is %q, the logged-in one was %q: want a new one", out, loggedIn)
	}
}

func TestYourSessionsAndPasswordChange(t *testing.T) {
	site := testsite.Start(t, db, nil)
	here := site.NewClient(t)
	here.Register("multi", "first password")
	there := site.NewClient(t)
	there.Login("multi", "first password")
	third := site.NewClient(t)
	third.Login("multi", "first password")
	stranger := site.NewClient(t)
	stranger.Register("stranger", "correct horse battery")

	r := here.Get("/account/sessions")
	wantStatus(t, r, http.StatusOK)
	rows := doc(t, r).Find("[data-testid=own-sessions] [data-hash]")
	if rows.Length() != 3 || !strings.Contains(r.Body, "this session") {
		t.Fatalf("listed %d sessions, want 3 with this one marked", rows.Length())
	}
	// Ending another user's session is refused and changes nothing.
	strangerHash := web.KeyHash(stranger.Cookie(web.SessionCookie))
	if r := here.Post("/account/sessions/"+strangerHash+"/end", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("ending another user's session: %d, want 404", r.StatusCode)
	}
	if !strings.Contains(stranger.Get("/").Body, "Logged in as") {
		t.Fatal("a user ended someone else's session")
	}
	// End one of my own.
	wantStatus(t, here.Post("/account/sessions/"+web.KeyHash(there.Cookie(web.SessionCookie))+"/end", nil), http.StatusSeeOther)
	if strings.Contains(there.Get("/").Body, "Logged in as") {
		t.Error("the ended session is still logged in")
	}

	// Change the password, ending the other sessions. A weak new password
	// is refused with the reason.
	here.Get("/account/password")
	r = here.Post("/account/password", url.Values{"current": {"first password"}, "password": {"multi password"}, "password2": {"multi password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if msg := doc(t, r).Find("#password").Parent().Find(".invalid-feedback").Text(); !strings.Contains(msg, "user name") {
		t.Errorf("a new password containing the user name: the message is %q", msg)
	}
	r = here.Post("/account/password", url.Values{"current": {"wrong"}, "password": {"second password"}, "password2": {"second password"}, "end_others": {"on"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	before := here.Cookie(web.SessionCookie)
	r = here.Post("/account/password", url.Values{"current": {"first password"}, "password": {"second password"}, "password2": {"second password"}, "end_others": {"on"}})
	wantStatus(t, r, http.StatusSeeOther)
	if here.Cookie(web.SessionCookie) == before {
		t.Error("changing the password must give this session a new key")
	}
	if strings.Contains(third.Get("/").Body, "Logged in as") {
		t.Error("the other session survived the password change")
	}
	if !strings.Contains(here.Get("/").Body, "Logged in as") {
		t.Error("this session was logged out by its own password change")
	}
	if r := third.Login("multi", "second password"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", r.StatusCode)
	}
}

func TestOversizedBodyAndFields(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("bigbody", "correct horse battery")
	c.Get("/add_category")
	r := c.Post("/add_category", url.Values{"name": {strings.Repeat("x", 70*1024)}})
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(doc(t, r).Find("[data-testid=error-message]").Text(), "too large") {
		t.Error("the 413 page does not say what happened")
	}
	r = c.Post("/add_category", url.Values{"name": {strings.Repeat("é", 200)}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
}

// ageAuthentication makes the session's last password entry an hour old.
func ageAuthentication(t *testing.T, site *testsite.Site, key string) {
	t.Helper()
	var raw []byte
	if err := site.Store.DB().Raw("SELECT v FROM sessions WHERE k = ?", key).Row().Scan(&raw); err != nil {
		t.Fatal(err)
	}
	data, err := web.DecodeData(raw)
	if err != nil {
		t.Fatal(err)
	}
	data["_auth_at"] = time.Now().Add(-time.Hour).Unix()
	var buf bytes.Buffer
	m := map[string]any(data)
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		t.Fatal(err)
	}
	site.Store.DB().Exec("UPDATE sessions SET v = ? WHERE k = ?", buf.Bytes(), key)
}

func TestEndingSessionsAsksForThePasswordAgain(t *testing.T) {
	site := testsite.Start(t, db, nil)
	here := site.NewClient(t)
	here.Register("reauth", "first password")
	there := site.NewClient(t)
	there.Login("reauth", "first password")
	ageAuthentication(t, site, here.Cookie(web.SessionCookie))

	here.Get("/account/sessions")
	r := here.Post("/account/sessions/end-others", nil)
	wantStatus(t, r, http.StatusOK)
	if doc(t, r).Find("form[action='/account/sessions/end-others'] input[name=password]").Length() != 1 {
		t.Fatalf("no password confirmation asked:\n%.1500s", r.Body)
	}
	if !strings.Contains(there.Get("/").Body, "Logged in as") {
		t.Fatal("the other session ended without the password")
	}
	r = here.Post("/account/sessions/end-others", url.Values{"password": {"wrong password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(there.Get("/").Body, "Logged in as") {
		t.Fatal("the other session ended with a wrong password")
	}
	r = here.Post("/account/sessions/end-others", url.Values{"password": {"first password"}})
	wantStatus(t, r, http.StatusSeeOther)
	if strings.Contains(there.Get("/").Body, "Logged in as") {
		t.Error("the other session survived a confirmed 'log out all other sessions'")
	}
	// Confirmed a moment ago: the next action needs no password.
	third := site.NewClient(t)
	third.Login("reauth", "first password")
	wantStatus(t, here.Post("/account/sessions/"+web.KeyHash(third.Cookie(web.SessionCookie))+"/end", nil), http.StatusSeeOther)
}
