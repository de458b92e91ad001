package app_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"rango/internal/testsite"
	"rango/web"
)

// payloads are hostile strings every field gets at some point.
var payloads = []string{
	"' OR '1'='1", "'; DROP TABLE users; --", `" onmouseover="alert(1)`, "<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>", "{{.}}", "%00", "\x00", "\xff\xfe", "../../etc/passwd", "😀", "Ω≈ç√",
	strings.Repeat("A", 5000), "-1", "0", "18446744073709551616", "1e309", "NaN", "/\\evil.example", "//evil.example",
	"javascript:alert(1)", "\r\nSet-Cookie: x=y", "%%", "_", "null", "true", "[]", "{}",
	// User names the users table compares equal to hostileuser's or another's.
	"ＨＯＳＴＩＬＥＵＳＥＲ", "hostileuse\u0301r", "ｂｏｂ", "bo\u0301b", "𝒷𝑜𝒷", strings.Repeat("ｌ", 151),
}

// hostileNext are post-login destinations that browsers, which drop tabs
// and newlines and read a backslash as a slash, would load from another
// site.
var hostileNext = []string{
	"/\t/evil.example/", "/%09/evil.example/", "/\n/evil.example/", "/\r/evil.example/", "\t//evil.example/",
	"/\\evil.example/", "/%5c/evil.example/", " //evil.example/", "/\x00/evil.example/", "/\x0b/evil.example/",
	"//evil.example/", "https://evil.example/", "/\t\\evil.example/", "/\u00a0/evil.example/",
}

// offSite tells whether a redirect target, read as a browser reads it
// (tabs and newlines dropped, backslashes as slashes), leaves the site.
func offSite(site, target string) bool {
	target = strings.TrimFunc(target, func(r rune) bool { return r <= ' ' })
	target = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(target)
	base, _ := url.Parse(site)
	ref, err := url.Parse(target)
	if err != nil {
		return true
	}
	return base.ResolveReference(ref).Host != base.Host
}

// hostileRequest builds one random malformed request.
func hostileRequest(rng *rand.Rand, base string, tokens []string, sessions []string) *http.Request {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	junk := func() string {
		if rng.IntN(3) == 0 {
			b := make([]byte, rng.IntN(64))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return string(b)
		}
		return pick(payloads)
	}
	paths := []string{"/", "/about", "/cookies", "/search?q=", "/goto?page_id=", "/category/", "/category/python/like",
		"/category/python/unlike", "/category/python/add_page", "/add_category", "/login", "/register", "/logout",
		"/consent", "/restricted", "/account/sessions", "/account/password", "/account/sessions/end-others",
		"/account/sessions/", "/admin/", "/admin/sessions?status=", "/admin/sessions?user=", "/admin/sessions?q=",
		"/admin/sessions?after=", "/admin/sessions?before=", "/admin/sessions/", "/admin/settings", "/admin/audit?before=",
		"/admin/sessions/delete-selected", "/admin/sessions/delete-all", "/admin/users/", "/static/", "/nowhere"}
	path := pick(paths)
	if strings.HasSuffix(path, "=") || strings.HasSuffix(path, "/") {
		path += url.QueryEscape(junk())
	}
	method := pick([]string{"GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
	form := url.Values{}
	for _, f := range []string{"name", "title", "url", "username", "password", "password2", "email", "website", "next",
		"choice", "current", "ids", "confirm", "back", "session_cookie_age", "visit_interval", "session_idle_timeout"} {
		switch {
		case (f == "next" || f == "back") && rng.IntN(2) == 0:
			form.Set(f, pick(hostileNext))
		case rng.IntN(2) == 0:
			form.Set(f, junk())
		}
	}
	if rng.IntN(3) > 0 {
		form.Set(web.CSRFField, pick(tokens))
	}
	body := form.Encode()
	if rng.IntN(40) == 0 {
		body = strings.Repeat("x=1&", 20000) // over the body limit
	}
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", pick([]string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "text/plain", "application/json"}))
	for _, name := range []string{web.SessionCookie, web.CSRFCookie, "visits", "last_visit", web.ConsentCookie, web.TestCookie, web.FlashCookie} {
		switch rng.IntN(5) {
		case 0:
			req.AddCookie(&http.Cookie{Name: name, Value: url.QueryEscape(junk())})
		case 2: // raw: non-ASCII, invalid UTF-8, emoji (http.Cookie would drop them)
			req.Header.Add("Cookie", name+"="+pick([]string{"abcédef", "abc\xffdef", "😀😀", "ｂｏｂ", "bo\u0301b", strings.Repeat("é", 43)}))
		case 1:
			if name == web.SessionCookie {
				req.AddCookie(&http.Cookie{Name: name, Value: pick(sessions)})
			} else if name == web.CSRFCookie {
				req.AddCookie(&http.Cookie{Name: name, Value: pick(tokens)})
			}
		}
	}
	if rng.IntN(2) == 0 {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", pick([]string{"suggestions", "session-table", "row-x", junk()[:0]}))
	}
	if rng.IntN(50) == 0 {
		req.Header.Set("X-Huge", strings.Repeat("h", 40000))
	}
	req.Header.Set("User-Agent", url.QueryEscape(junk()))
	return req
}

func TestHostileClient(t *testing.T) {
	site := testsite.Start(t, db, nil)
	ctx := context.Background()
	if _, err := site.Store.MakeStaff(ctx, "hostileboss", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	// Real tokens and sessions (anonymous, user, staff) so that hostile
	// fields get past the CSRF check and into the handlers.
	var tokens, sessions []string
	for _, login := range []string{"", "hostileuser", "hostileboss"} {
		c := site.NewClient(t)
		switch login {
		case "hostileuser":
			c.Register(login, "correct horse battery")
		case "hostileboss":
			c.Login(login, "correct horse battery")
		default:
			c.Get("/about")
		}
		c.Get("/")
		tokens = append(tokens, c.Cookie(web.CSRFCookie))
		sessions = append(sessions, c.Cookie(web.SessionCookie))
	}
	sessions = append(sessions, web.NewSessionKey(), "", strings.Repeat("k", 64))
	tokens = append(tokens, "forged.token", "")

	const total, workers = 10000, 16
	var next, fivexx, offsite atomic.Int64
	var mu sync.Mutex
	var samples, offsiteSamples []string
	var wg sync.WaitGroup
	// The transport, not an http.Client: a client fails on a Location
	// header it cannot parse (one with a tab, say) instead of showing it.
	client := http.DefaultTransport.(*http.Transport).Clone()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 42))
			for next.Add(1) <= total {
				req := hostileRequest(rng, site.URL, tokens, sessions)
				resp, err := client.RoundTrip(req)
				if err != nil {
					continue // the server closed the connection on a request it refuses at the HTTP level
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				for _, target := range []string{resp.Header.Get("Location"), resp.Header.Get("HX-Redirect")} {
					if target != "" && offSite(site.URL, target) {
						offsite.Add(1)
						mu.Lock()
						if len(offsiteSamples) < 10 {
							offsiteSamples = append(offsiteSamples, fmt.Sprintf("%s %s -> %q", req.Method, req.URL, target))
						}
						mu.Unlock()
					}
				}
				if resp.StatusCode >= 500 {
					fivexx.Add(1)
					mu.Lock()
					if len(samples) < 10 {
						samples = append(samples, fmt.Sprintf("%d %s %s", resp.StatusCode, req.Method, req.URL))
					}
					mu.Unlock()
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	if fivexx.Load() != 0 {
		t.Errorf("%d of %d hostile requests got a 5xx, e.g.:\n%s", fivexx.Load(), total, strings.Join(samples, "\n"))
	}
	if offsite.Load() != 0 {
		t.Errorf("%d hostile requests were redirected off the site, e.g.:\n%s", offsite.Load(), strings.Join(offsiteSamples, "\n"))
	}
	if n := site.Errors(); n != 0 {
		t.Errorf("the server logged %d errors (panics or 500s)", n)
	}
	// The site still works.
	wantStatus(t, site.NewClient(t).Get("/"), http.StatusOK)
}

func TestTypedTextIsStoredLiterallyAndEscaped(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("literal", "correct horse battery")
	for _, name := range []string{`<script>alert("x")</script>`, `Robert'); DROP TABLE categories;--`, `{{.CSRFToken}} & "quotes"`} {
		c.Get("/add_category")
		r := c.Post("/add_category", url.Values{"name": {name}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%q: %d", name, r.StatusCode)
		}
		page := c.Get(r.Header.Get("Location"))
		if got := strings.TrimSpace(doc(t, page).Find("h1").First().Text()); got != name {
			t.Errorf("shown as %q, want %q literally", got, name)
		}
		if strings.Contains(page.Body, "<script>alert") {
			t.Error("a script tag came back unescaped")
		}
		var stored string
		site.Store.DB().Raw("SELECT name FROM categories WHERE name = ?", name).Row().Scan(&stored)
		if stored != name {
			t.Errorf("stored %q, want %q", stored, name)
		}
	}
}

// TestHostileRedirectTargets sends each hostile destination through every
// form that redirects to one: the cookie banner, and logging in with and
// without htmx.
func TestHostileRedirectTargets(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.NewClient(t).Register("redirected", "correct horse battery")
	for _, next := range hostileNext {
		t.Run(fmt.Sprintf("%q", next), func(t *testing.T) {
			// A client of the subtest's own, since it fails the test it
			// belongs to on a Location header Go cannot even parse.
			c := site.NewClient(t)
			r := c.Get("/login?next=" + url.QueryEscape(next))
			if v, _ := doc(t, r).Find("input[name=next]").Attr("value"); v != "/" {
				t.Errorf("the login form carries next=%q, want /", v)
			}
			r = c.Post("/consent", url.Values{"choice": {"reject"}, "next": {next}})
			if target := r.Header.Get("Location"); target == "" || offSite(site.URL, target) {
				t.Errorf("the cookie banner redirects to %q", target)
			}
			for _, htmx := range []bool{false, true} {
				c.Get("/login")
				c.HTMX = htmx
				r = c.Post("/login", url.Values{"username": {"redirected"}, "password": {"correct horse battery"}, "next": {next}})
				c.HTMX = false
				if target := r.Header.Get("Location") + r.Header.Get("HX-Redirect"); target != "/" {
					t.Errorf("login (htmx %v) redirects to %q, want /", htmx, target)
				}
				c.Post("/logout", nil)
			}
		})
	}
}
