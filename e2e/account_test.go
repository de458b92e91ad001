package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"rango/internal/testsite"
	"rango/web"
)

// accountPassword passes the site's password rules.
const accountPassword = "Velvet Compass Morning 7"

// sessionCookie returns the browser's session cookie, or nil.
func (b *browser) sessionCookie() *network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		b.fatal("read the cookies", err)
	}
	for _, c := range got.Cookies {
		if c.Name == web.SessionCookie {
			return c
		}
	}
	return nil
}

// logInKeeping fills in the login form, ticking "Keep me signed in" or
// not, and waits for the navigation to name the user.
func (b *browser) logInKeeping(name string, keep bool) {
	b.t.Helper()
	b.open("/login")
	if b.present(`#keep:checked`) {
		b.t.Fatal("“Keep me signed in” is ticked before anyone ticks it")
	}
	b.typeInto("#username", name)
	b.typeInto("#password", accountPassword)
	if keep {
		b.do("tick “Keep me signed in”", chromedp.Click(chromedp.CSS(`label[for="keep"]`), chromedp.NodeVisible))
	}
	b.do("log in", chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`), chromedp.NodeVisible))
	b.expectLoggedIn(name)
}

// flashSays waits until the flash area says something containing want.
func (b *browser) flashSays(what, want string) {
	b.t.Helper()
	b.waitThroughLoads(what, `(document.getElementById("flash")?.textContent ?? "").includes(`+jsString(want)+`)`)
}

// waitThroughLoads waits until the JavaScript expression is true, also
// across a page load that htmx starts (HX-Redirect), which ends a wait in
// the old page with "navigated or closed".
func (b *browser) waitThroughLoads(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithDeadline(b.ctx, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "navigated or closed") || time.Now().After(deadline) {
			b.fatal(what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKeepSignedInAndDeleteAccount: the login box decides whether the
// session cookie outlives the browser; deleting one's account from the
// account pages signs out the other browser too, which is told why on
// its next click; both pages pass axe-core at both widths.
func TestKeepSignedInAndDeleteAccount(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	name := "leaving_" + unique()
	if r := site.NewClient(t).Register(name, accountPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", r.StatusCode)
	}

	b := newBrowser(t, site.URL)
	b.logInKeeping(name, false)
	if c := b.sessionCookie(); c == nil || !c.Session {
		t.Fatalf("without “Keep me signed in” the session cookie is %+v, want one that ends with the browser", c)
	}
	b.logOut()
	b.logInKeeping(name, true)
	if c := b.sessionCookie(); c == nil || c.Session || time.Until(time.Unix(int64(c.Expires), 0)) < 13*24*time.Hour {
		t.Fatalf("with “Keep me signed in” the session cookie is %+v, want it kept two weeks", c)
	}
	b.open("/login?next=/")
	for _, size := range [][2]int64{{desktopWidth, desktopHeight}, {phoneWidth, phoneHeight}} {
		b.viewport(size[0], size[1])
		b.axeClean("login with the box")
	}
	b.viewport(desktopWidth, desktopHeight)

	other := newBrowser(t, site.URL)
	other.logInKeeping(name, false)

	b.open("/account/sessions")
	b.do("follow “delete your account”", chromedp.Click(chromedp.CSS(`main a[href="/account/delete"]`), chromedp.NodeVisible))
	b.waitUntil("wait for the delete page", `document.title.startsWith("Delete your account")`)
	b.settled("let htmx settle the delete page") // its form sends through htmx only then
	for _, size := range [][2]int64{{desktopWidth, desktopHeight}, {phoneWidth, phoneHeight}} {
		b.viewport(size[0], size[1])
		b.axeClean("delete your account")
	}
	b.viewport(desktopWidth, desktopHeight)
	b.typeInto("#password", "not the password")
	b.do("delete with a wrong password", chromedp.Click(chromedp.CSS(`main form[action="/account/delete"] button[type="submit"]`), chromedp.NodeVisible))
	b.waitUntil("wait for the refusal", `document.querySelector('[data-testid="problem"]') !== null`)
	b.settled("let htmx settle the refusal")
	b.axeClean("delete your account, wrong password")
	b.clearField("#password")
	b.typeInto("#password", accountPassword)
	b.do("delete the account", chromedp.Click(chromedp.CSS(`main form[action="/account/delete"] button[type="submit"]`), chromedp.NodeVisible))
	b.flashSays("wait for the confirmation", "Your account was deleted")
	b.do("wait for the anonymous navigation", chromedp.WaitVisible(chromedp.CSS(loginLink)))

	other.do("click About", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/about"]`), chromedp.NodeVisible))
	other.flashSays("wait for the reason", "your account was deleted")
	other.do("wait for the anonymous navigation", chromedp.WaitVisible(chromedp.CSS(loginLink)))
}

// TestSignedOutSaysWhy: a browser whose session ended elsewhere says why
// on its next click, for each way a session ends; a Like clicked from it
// (an htmx request) lands on the login page, which says why too.
func TestSignedOutSaysWhy(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	site.KeepSettings(t)
	boss := "whyboss_" + unique()
	if _, err := site.Store.MakeStaff(context.Background(), boss, accountPassword); err != nil {
		t.Fatal(err)
	}
	staff := site.NewClient(t)
	staff.Login(boss, accountPassword)

	for _, tc := range []struct {
		name, why string
		htmx      bool
		end       func(t *testing.T, owner *testsite.Client, key string)
	}{
		{"from another device", "you ended this session from another device", false, func(t *testing.T, owner *testsite.Client, key string) {
			owner.Get("/account/sessions")
			testsite.WantStatus(t, owner.Post("/account/sessions/"+web.KeyHash(key)+"/end", nil), http.StatusSeeOther)
		}},
		{"by an administrator", "an administrator ended your session", true, func(t *testing.T, _ *testsite.Client, key string) {
			staff.Get("/admin/sessions")
			testsite.WantStatus(t, staff.Post("/admin/sessions/"+web.KeyHash(key)+"/delete", nil), http.StatusSeeOther)
		}},
		{"by a password change", "your password was changed", false, func(t *testing.T, owner *testsite.Client, _ string) {
			owner.Get("/account/password")
			testsite.WantStatus(t, owner.Post("/account/password", url.Values{"current": {accountPassword},
				"password": {accountPassword + "!"}, "password2": {accountPassword + "!"}, "end_others": {"on"}}), http.StatusSeeOther)
		}},
		{"by the idle timeout", "your session timed out", false, func(t *testing.T, _ *testsite.Client, key string) {
			v := site.Server.Settings.Current()
			v.SessionIdleTimeout = 10 * time.Minute
			if _, err := site.Server.Settings.Save(context.Background(), v); err != nil {
				t.Fatal(err)
			}
			site.Store.DB().Exec("UPDATE sessions SET last_seen = ? WHERE k = ?", time.Now().Add(-time.Hour).Unix(), key)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "why_" + unique()
			owner := site.NewClient(t)
			if r := owner.Register(name, accountPassword); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("register: %d", r.StatusCode)
			}
			b := newBrowser(t, site.URL)
			b.logInKeeping(name, true)
			b.open("/category/python")
			tc.end(t, owner, b.sessionCookie().Value)
			if tc.htmx {
				b.do("click Like", chromedp.Click(chromedp.CSS(likeButton), chromedp.NodeVisible))
				b.waitThroughLoads("wait for the login page", `location.pathname === "/login"`)
			} else {
				b.do("click About", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/about"]`), chromedp.NodeVisible))
			}
			b.flashSays("wait for the reason", tc.why)
			if text := b.text("#flash"); !strings.Contains(text, "You were signed out") {
				t.Errorf("the flash says %q", text)
			}
			b.do("wait for the anonymous navigation", chromedp.WaitVisible(chromedp.CSS(loginLink)))
			b.open("/about")
			if strings.Contains(eval[string](b, "read the flash", `document.getElementById("flash")?.textContent ?? ""`), "signed out") {
				t.Error("the reason is shown again on the page after")
			}
		})
	}
}
