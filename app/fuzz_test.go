package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http/httpguts"

	"rango/internal/testsite"
	"rango/web"
)

// FuzzSiteInputs sends what a visitor can type or forge (cookie values,
// form fields, user names, passwords and redirect targets, slugs, page
// ids, admin filters) and expects no 5xx and no redirect off the site.
func FuzzSiteInputs(f *testing.F) {
	f.Add("garbage", "<b>x</b>", "python", "1", "active")
	f.Add("", "' OR 1=1 --", "no-such", "-1", "expired")
	f.Add("%%%", "\xff\xfe", "%ff", "99999999999999999999", "\x00")
	f.Add(web.NewSessionKey(), "😀", "../..", "1e3", "1.0123456789abcdef")
	f.Add("x", "ｂｏｂ", "python", "/\t/evil.example/", "bo\u0301b")
	f.Add("x", "𝒷𝑜𝒷"+strings.Repeat("ｌ", 70), "python", "/%09/evil.example/", "\\evil.example")
	f.Add("abcédef", "x", "python", "1", "active")
	f.Add("abc\xffdef", "x", "python", "1", "active")
	f.Add("😀😀😀", "x", "python", "1", "active")
	site := testsite.Start(f, db, nil)
	if _, err := site.Store.MakeStaff(f.Context(), "fuzzer", "correct horse battery"); err != nil {
		f.Fatal(err)
	}
	var mu sync.Mutex // one client, one input at a time
	f.Fuzz(func(t *testing.T, cookie, field, slug, pageID, filter string) {
		mu.Lock()
		defer mu.Unlock()
		c := site.NewClient(t)
		c.Login("fuzzer", "correct horse battery")
		c.Get("/")
		forged := http.Header{"Cookie": {"visits=" + url.QueryEscape(cookie) + "; last_visit=" + url.QueryEscape(cookie) +
			"; cookie_consent=" + url.QueryEscape(cookie)}}
		if httpguts.ValidHeaderFieldValue(cookie) && !strings.ContainsAny(cookie, ";") {
			// The session cookie raw (non-ASCII too), ahead of the one the
			// jar adds, so that it is the one the server reads.
			forged.Set("Cookie", web.SessionCookie+"="+cookie+"; "+forged.Get("Cookie"))
		}
		requests := []struct {
			method, path string
			form         url.Values
			header       http.Header
		}{
			{"GET", "/", nil, forged},
			{"GET", "/cookies", nil, forged},
			{"GET", "/category/" + url.PathEscape(slug), nil, nil},
			{"GET", "/goto?page_id=" + url.QueryEscape(pageID), nil, nil},
			{"GET", "/search?q=" + url.QueryEscape(field), nil, nil},
			{"GET", "/admin/sessions?status=" + url.QueryEscape(filter) + "&user=" + url.QueryEscape(field) +
				"&q=" + url.QueryEscape(field) + "&after=" + url.QueryEscape(filter), nil, nil},
			{"GET", "/admin/sessions/" + url.PathEscape(filter), nil, nil},
			{"POST", "/add_category", url.Values{"name": {field}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/category/python/add_page", url.Values{"title": {field}, "url": {field}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/admin/settings", url.Values{"session_cookie_age": {pageID}, "visit_interval": {field}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/password-strength", url.Values{"password": {field}, "username": {filter}, "email": {field}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/consent", url.Values{"choice": {"reject"}, "next": {pageID}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/register", url.Values{"username": {field}, "password": {filter}, "password2": {filter}, "next": {pageID}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/login", url.Values{"username": {field}, "password": {filter}, "next": {pageID}, "_csrf": {c.CSRF}}, nil},
			{"POST", "/login", url.Values{"username": {"fuzzer"}, "password": {"correct horse battery"}, "next": {pageID}, "_csrf": {c.CSRF}}, nil},
		}
		for _, r := range requests {
			resp := c.Do(r.method, r.path, r.form, r.header)
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s: %d", r.method, r.path, resp.StatusCode)
			}
			for _, target := range []string{resp.Header.Get("Location"), resp.Header.Get("HX-Redirect")} {
				if r.form.Has("next") && target != "" && offSite(site.URL, target) { // /goto leaves on purpose
					t.Errorf("%s %s redirects off the site, to %q", r.method, r.path, target)
				}
			}
		}
		// Keep the settings sane and the limits unspent for the next inputs.
		site.Store.DB().Exec("DELETE FROM settings WHERE `key` != 'secret_key'")
		site.Store.DB().Exec("DELETE FROM rate_limits")
	})
}
