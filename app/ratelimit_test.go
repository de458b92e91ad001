package app_test

import (
	"context"
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

// loginFrom posts the login form as if from the address ip (the site must
// trust 127.0.0.1 as its proxy); ip "" sends no X-Forwarded-For.
func loginFrom(c *testsite.Client, ip, name, password string) *testsite.Response {
	var h http.Header
	if ip != "" {
		h = http.Header{"X-Forwarded-For": {ip}}
	}
	return c.Do(http.MethodPost, "/login", url.Values{"username": {name}, "password": {password}, web.CSRFField: {c.CSRF}}, h)
}

// loginPage opens the login page, for its test cookie and CSRF token.
func loginPage(t *testing.T, site *testsite.Site) *testsite.Client {
	t.Helper()
	c := site.NewClient(t)
	wantStatus(t, c.Get("/login"), http.StatusOK)
	return c
}

// countFailures records n wrong passwords for an account as the login
// limits key them (app/ratelimit.go: "account-address:" or "account:",
// then "user:" and the user's id, or "name:" and the NFKC case-folded name
// for a name without an account, then for the first the client address),
// so that a test need not spend n bcrypt comparisons to reach a limit. A
// key spelt wrong here leaves the limit unreached and the test red.
func countFailures(t *testing.T, site *testsite.Site, key string, n int) {
	t.Helper()
	window := 15 * time.Minute
	if strings.HasPrefix(key, "account:") {
		window = time.Hour
	}
	for i := 0; i < n; i++ {
		if _, err := site.Store.AddHit(context.Background(), key, window); err != nil {
			t.Fatal(err)
		}
	}
}

// userID returns the id of the named user.
func userID(t *testing.T, site *testsite.Site, name string) uint64 {
	t.Helper()
	u, err := site.Store.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestLoginLimitHoldsForEveryFormOfAName(t *testing.T) {
	const password = "correct horse battery"
	site := testsite.Start(t, db, nil)
	// The users table compares names by utf8mb4_unicode_ci: full-width
	// letters and a combining accent make the same name as bob. Ten wrong
	// passwords typed in any of its forms lock every form out.
	site.NewClient(t).Register("bob", password)
	c := loginPage(t, site)
	wrong := []string{"bob", "BOB", "ｂｏｂ", "bo\u0301b", "Bob"}
	for i := 0; i < 10; i++ {
		wantStatus(t, loginFrom(c, "", wrong[i%len(wrong)], "wrong guess"), http.StatusUnprocessableEntity)
	}
	for _, name := range []string{"ｂｏｂ", "bo\u0301b", "bob"} {
		r := loginFrom(c, "", name, password)
		wantStatus(t, r, http.StatusTooManyRequests)
		if !strings.Contains(doc(t, r).Find("[data-testid=problem]").Text(), "Too many failed logins") {
			t.Errorf("the 429 page does not say what happened:\n%.1500s", r.Body)
		}
	}

	for _, tc := range []struct {
		name, account, typed, key string
	}{
		// Once too long for the limiter's 64-character key, or not
		// storable in its utf8mb3 column: never counted.
		{"long name", strings.Repeat("l", 60), strings.Repeat("L", 60), ""},
		{"4-byte letters", "𝒷𝑜𝒷𝒷𝑜𝒷", "𝒷𝑜𝒷𝒷𝑜𝒷", ""},
		// A name without an account is limited alike, so that the limit
		// does not tell which names exist; its forms count as one.
		{"unknown name", "", "ＮＯＢＯＤＹ", "account-address:name:nobody:127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.key
			if tc.account != "" {
				site.NewClient(t).Register(tc.account, password)
				key = fmt.Sprintf("account-address:user:%d:127.0.0.1", userID(t, site, tc.account))
			}
			countFailures(t, site, key, 9)
			c := loginPage(t, site)
			wantStatus(t, loginFrom(c, "", tc.typed, "wrong guess"), http.StatusUnprocessableEntity)
			wantStatus(t, loginFrom(c, "", tc.typed, password), http.StatusTooManyRequests)
		})
	}
}

func TestLoginLimitFailsClosed(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.NewClient(t).Register("closed", "correct horse battery")
	c := loginPage(t, site)
	// The limiter's table is away: its counts cannot be kept.
	if err := site.Store.DB().Exec("RENAME TABLE rate_limits TO rate_limits_away").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Store.DB().Exec("RENAME TABLE rate_limits_away TO rate_limits") })
	r := loginFrom(c, "", "closed", "correct horse battery")
	wantStatus(t, r, http.StatusServiceUnavailable)
	if !strings.Contains(doc(t, r).Find("[data-testid=error-message]").Text(), "cannot check") {
		t.Errorf("the 503 page does not say what happened:\n%.1500s", r.Body)
	}
	if strings.Contains(c.Get("/").Body, "Logged in as") {
		t.Error("logged in while the login limits could not be checked")
	}
}

func TestGuessesElsewhereDoNotLockOutTheOwner(t *testing.T) {
	const password = "correct horse battery"
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.TrustedProxies = []string{"127.0.0.1"} })
	owner := site.NewClient(t)
	owner.Register("owner", password) // this browser now holds a device cookie for owner
	owner.Post("/logout", nil)

	// Guesses from one address: that address is locked out of the account.
	attacker := loginPage(t, site)
	for i := 0; i < 10; i++ {
		wantStatus(t, loginFrom(attacker, "203.0.113.1", "owner", "guess"), http.StatusUnprocessableEntity)
	}
	wantStatus(t, loginFrom(attacker, "203.0.113.1", "owner", password), http.StatusTooManyRequests)
	// Another address may still try.
	wantStatus(t, loginFrom(loginPage(t, site), "203.0.113.2", "owner", password), http.StatusSeeOther)

	// Guesses from anywhere: at most 100 an hour for the account. (Ten
	// are real; the rest are counted directly, sparing 90 bcrypts.)
	countFailures(t, site, fmt.Sprintf("account:user:%d", userID(t, site, "owner")), 89)
	wantStatus(t, loginFrom(loginPage(t, site), "198.51.100.1", "owner", "guess"), http.StatusUnprocessableEntity)
	wantStatus(t, loginFrom(loginPage(t, site), "198.51.100.2", "owner", password), http.StatusTooManyRequests)

	// The owner's browser, known from an earlier login, has a budget of
	// its own: it logs in, from the attacker's address even.
	owner.Get("/login")
	wantStatus(t, loginFrom(owner, "203.0.113.1", "owner", password), http.StatusSeeOther)
	// A device cookie for another user, or a forged one, counts for nothing.
	stranger := loginPage(t, site)
	stranger.SetCookie(web.DeviceCookie, owner.Cookie(web.DeviceCookie)+"x")
	wantStatus(t, loginFrom(stranger, "192.0.2.10", "owner", password), http.StatusTooManyRequests)
}

func TestPasswordPagesShareTheAccountBudget(t *testing.T) {
	const password = "correct horse battery"
	site := testsite.Start(t, db, nil)
	owner := site.NewClient(t)
	owner.Register("guessed", password)
	for _, page := range []struct {
		name, path string
		form       func(guess string) url.Values
	}{
		{"password change", "/account/password", func(guess string) url.Values {
			return url.Values{"current": {guess}, "password": {"a new battery horse"}, "password2": {"a new battery horse"}}
		}},
		{"password confirmation", "/account/sessions/end-others", func(guess string) url.Values {
			return url.Values{"password": {guess}}
		}},
	} {
		t.Run(page.name, func(t *testing.T) {
			site.Store.DB().Exec("DELETE FROM rate_limits")
			// Someone with the session key but not the browser (no device
			// cookie) guesses the password.
			thief := site.NewClient(t)
			thief.SetCookie(web.SessionCookie, owner.Cookie(web.SessionCookie))
			ageAuthentication(t, site, owner.Cookie(web.SessionCookie))
			thief.Get("/account/password")
			// Eight wrong passwords were typed at the login form, from the
			// thief's address; two more on this page spend the budget.
			countFailures(t, site, fmt.Sprintf("account-address:user:%d:127.0.0.1", userID(t, site, "guessed")), 8)
			for i := 0; i < 2; i++ {
				wantStatus(t, thief.Post(page.path, page.form(fmt.Sprintf("guess %d", i))), http.StatusUnprocessableEntity)
			}
			r := thief.Post(page.path, page.form(password))
			wantStatus(t, r, http.StatusTooManyRequests)
			if !strings.Contains(r.Body, "Too many wrong passwords") {
				t.Errorf("the 429 page does not say what happened:\n%.1500s", r.Body)
			}
			// The guesses count against logging in to the account too.
			wantStatus(t, loginFrom(loginPage(t, site), "", "guessed", password), http.StatusTooManyRequests)
		})
	}
	// The owner's own browser still gets in.
	owner.Get("/login")
	wantStatus(t, loginFrom(owner, "", "guessed", password), http.StatusSeeOther)
}
