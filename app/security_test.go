package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/config"
	"rango/internal/testsite"
	"rango/web"
)

func TestSecurityHeaders(t *testing.T) {
	site := testsite.Start(t, db, nil)
	r := site.NewClient(t).Get("/")
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if got := r.Header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy %q, want same-origin (no-referrer breaks CSRF over HTTPS)", got)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Frame-Options") == "" {
		t.Error("nosniff or X-Frame-Options missing")
	}
	// Nothing inline that the policy would block.
	if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " style=") || strings.Contains(r.Body, "<style") {
		t.Error("the page has an inline script or style")
	}
}

// httpsJar keeps and sends Secure cookies over the tests' plain HTTP, as
// a browser would over the HTTPS that secure mode assumes.
type httpsJar struct{ http.CookieJar }

func asHTTPS(u *url.URL) *url.URL {
	v := *u
	v.Scheme = "https"
	return &v
}

func (j httpsJar) SetCookies(u *url.URL, cs []*http.Cookie) { j.CookieJar.SetCookies(asHTTPS(u), cs) }
func (j httpsJar) Cookies(u *url.URL) []*http.Cookie        { return j.CookieJar.Cookies(asHTTPS(u)) }

// TestCookieAttributes takes a browser through everything that sets a
// cookie and checks every cookie Rango sets, or deletes, on the way:
// HttpOnly, SameSite=Lax, Path=/, no Domain; behind HTTPS also Secure,
// with the __Host- prefix on the session, CSRF and device cookies.
func TestCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			site := testsite.Start(t, db, func(cfg *config.Config) { cfg.SecureCookies = secure })
			c := site.NewClient(t)
			c.HTTP.Jar = httpsJar{c.Jar}
			names := map[string]string{"session": web.SessionCookie, "csrf": web.CSRFCookie, "device": web.DeviceCookie}
			if secure {
				names = map[string]string{"session": web.SecureSessionCookie, "csrf": web.SecureCSRFCookie, "device": web.SecureDeviceCookie}
			}
			want := map[string]bool{names["session"]: true, names["csrf"]: true, names["device"]: true, web.TestCookie: true,
				web.ConsentCookie: true, web.FlashCookie: true, "visits": true, "last_visit": true}
			set := map[string]bool{}
			var last *http.Cookie
			check := func(r *testsite.Response) {
				t.Helper()
				for _, ck := range r.Cookies() {
					where := fmt.Sprintf("%s %s: cookie %s", r.Request.Method, r.Request.URL.Path, ck.Name)
					if !want[ck.Name] {
						t.Errorf("%s: not a cookie Rango is known to set (list it here, in README and SECURITY.md)", where)
					}
					if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
						t.Errorf("%s: HttpOnly=%v SameSite=%v Path=%q Domain=%q", where, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
					}
					if ck.Secure != secure {
						t.Errorf("%s: Secure=%v in secure mode %v", where, ck.Secure, secure)
					}
					if ck.Value != "" {
						set[ck.Name] = true
					}
					if ck.Name == names["session"] && ck.Value != "" {
						last = ck
					}
				}
			}
			check(c.Get("/"))
			check(c.Get("/login"))
			check(c.Post("/consent", url.Values{"choice": {"accept"}}))
			check(c.Get("/"))
			check(c.Register("cookie-"+fmt.Sprint(secure), "correct horse battery"))
			check(c.Get("/cookies"))
			check(c.Get("/nowhere"))
			check(c.Post("/logout", nil))
			check(c.Post("/consent", url.Values{"choice": {"reject"}}))
			check(c.Get("/nowhere"))
			for name := range want {
				if !set[name] {
					t.Errorf("the tour never set %s: add the step that does", name)
				}
			}
			if last == nil || last.MaxAge != 1209600 || len(last.Value) < 43 {
				t.Fatalf("session cookie %v: want Max-Age 1209600 and a key of 43 characters (256 bits) or more", last)
			}
		})
	}
}

func TestSecureCookiesOnErrorPages(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.SecureCookies = true })
	c := site.NewClient(t)
	c.SetCookie(web.FlashCookie, "logged_in")
	// The error page takes the flash (expiring its cookie) after every
	// middleware has returned.
	r := c.Get("/nowhere")
	wantStatus(t, r, http.StatusNotFound)
	var flash *http.Cookie
	for _, ck := range r.Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s on the error page is not Secure: %v", ck.Name, r.Header.Values("Set-Cookie"))
		}
		if ck.Name == web.FlashCookie {
			flash = ck
		}
	}
	if flash == nil {
		t.Fatalf("the error page did not expire the flash cookie: %v", r.Header.Values("Set-Cookie"))
	}
}

func TestClientIPFromTrustedProxyOnly(t *testing.T) {
	for name, tc := range map[string]struct {
		proxies []string
		xff     string
		want    string
	}{
		"no proxy configured: header ignored": {nil, "203.0.113.9", "127.0.0.1"},
		"trusted proxy: rightmost untrusted":  {[]string{"127.0.0.0/8"}, "6.6.6.6, 203.0.113.9", "203.0.113.9"},
		"chain of trusted proxies":            {[]string{"127.0.0.1", "10.0.0.0/8"}, "198.51.100.7, 10.1.1.1", "198.51.100.7"},
		"garbage header":                      {[]string{"127.0.0.1"}, "not-an-ip", "127.0.0.1"},
	} {
		t.Run(name, func(t *testing.T) {
			site := testsite.Start(t, db, func(cfg *config.Config) { cfg.TrustedProxies = tc.proxies })
			c := site.NewClient(t)
			c.Do(http.MethodGet, "/about", nil, http.Header{"X-Forwarded-For": {tc.xff}})
			var ip string
			key := c.Cookie(web.SessionCookie)
			if err := site.Store.DB().Raw("SELECT ip FROM sessions WHERE k = ?", key).Row().Scan(&ip); err != nil {
				t.Fatal(err)
			}
			if ip != tc.want {
				t.Errorf("stored IP %q, want %q", ip, tc.want)
			}
		})
	}
}

func TestLoginRateLimit(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("limited", "correct horse battery")
	c.Post("/logout", nil)
	c.Get("/login")
	var last *testsite.Response
	for i := 0; i < 11; i++ {
		last = c.Post("/login", url.Values{"username": {"limited"}, "password": {"wrong guess"}})
	}
	wantStatus(t, last, http.StatusTooManyRequests)
	if !strings.Contains(doc(t, last).Find("[data-testid=problem]").Text(), "Too many failed logins") {
		t.Error("the 429 page does not say what happened")
	}
	if v, _ := doc(t, last).Find("#username").Attr("value"); v != "limited" {
		t.Errorf("the 429 page lost the typed user name: %q", v)
	}
	if r := c.Post("/login", url.Values{"username": {"limited"}, "password": {"correct horse battery"}}); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password while limited: %d, want 429", r.StatusCode)
	}
	// Another user from the same browser is still allowed in.
	other := site.NewClient(t)
	other.Register("unlimited", "correct horse battery")
	other.Post("/logout", nil)
	if r := other.Login("unlimited", "correct horse battery"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another user's login: %d", r.StatusCode)
	}
}
