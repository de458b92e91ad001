package app_test

import (
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

func TestSecureCookiesAndHostPrefix(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.SecureCookies = true })
	r := site.NewClient(t).Get("/")
	names := map[string]*http.Cookie{}
	for _, ck := range r.Cookies() {
		names[ck.Name] = ck
		if !ck.Secure {
			t.Errorf("cookie %s is not Secure", ck.Name)
		}
	}
	sess := names[web.SecureSessionCookie]
	if sess == nil || sess.Path != "/" || sess.Domain != "" || !sess.HttpOnly {
		t.Fatalf("no __Host-sessionid cookie with Path=/ and no Domain: %v", r.Header.Values("Set-Cookie"))
	}
	if _, ok := names[web.SessionCookie]; ok {
		t.Error("the plain sessionid cookie is set too")
	}
	token := names[web.SecureCSRFCookie]
	if token == nil || token.Path != "/" || token.Domain != "" || !token.HttpOnly {
		t.Fatalf("no __Host-csrftoken cookie with Path=/ and no Domain: %v", r.Header.Values("Set-Cookie"))
	}
	if _, ok := names[web.CSRFCookie]; ok {
		t.Error("the plain csrftoken cookie is set too")
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
