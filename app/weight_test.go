package app_test

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/views"
)

// browserEncodings is what Chromium sends as Accept-Encoding.
const browserEncodings = "gzip, deflate, br, zstd"

// staticURLs are the static files a page loads (stylesheets, scripts,
// images, the icon), each once.
func staticURLs(d *goquery.Document) []string {
	var out []string
	seen := map[string]bool{}
	d.Find(`link[href], script[src], img[src]`).Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"href", "src"} {
			if v, ok := s.Attr(attr); ok && strings.HasPrefix(v, "/static/") && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	})
	return out
}

var hashedURL = regexp.MustCompile(`^/static/[a-z/]+[a-z.]*\.[0-9a-f]{12}\.[a-z]+$`)

// TestStaticFilesCachedAndCompressed: the pages load their static files
// from content-hashed URLs, cached a year, compressed, and revalidated
// with a 304; the first visit's bodies stay far under the 60 KB target
// (the browser test measures the real transfer, headers included).
func TestStaticFilesCachedAndCompressed(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	br := http.Header{"Accept-Encoding": {browserEncodings}}
	home := c.Do(http.MethodGet, "/", nil, br)
	wantStatus(t, home, http.StatusOK)
	total := len(home.Body)
	raw := len(c.Do(http.MethodGet, "/", nil, http.Header{"Accept-Encoding": {"identity"}}).Body)
	t.Logf("GET /: %d bytes as %s, %d bytes uncompressed", total, home.Header.Get("Content-Encoding"), raw)

	urls := staticURLs(c.Do(http.MethodGet, "/", nil, nil).Doc(t))
	if len(urls) != 5 {
		t.Fatalf("the home page loads %d static files (%v); want the logo (also the icon), 2 stylesheets and 2 scripts", len(urls), urls)
	}
	for _, u := range urls {
		if !hashedURL.MatchString(u) {
			t.Errorf("%s is not a content-hashed URL", u)
		}
		r := c.Do(http.MethodGet, u, nil, br)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, got)
		}
		if !strings.HasSuffix(u, ".png") && r.Header.Get("Content-Encoding") != "br" {
			t.Errorf("%s: Content-Encoding %q, want br", u, r.Header.Get("Content-Encoding"))
		}
		total += len(r.Body)
		t.Logf("%s: %d bytes as brotli", u, len(r.Body))
		etag := r.Header.Get("ETag")
		again := c.Do(http.MethodGet, u, nil, http.Header{"Accept-Encoding": {browserEncodings}, "If-None-Match": {etag}})
		if again.StatusCode != http.StatusNotModified || again.Body != "" {
			t.Errorf("%s with If-None-Match %s: %d, %d bytes; want 304, empty", u, etag, again.StatusCode, len(again.Body))
		}
	}
	t.Logf("first visit, bodies: %d bytes", total)
	if total > 45*1024 {
		t.Errorf("the first visit's bodies take %d bytes; the target of 60 KB with headers needs them well under it", total)
	}
}

// TestHTMLCompressedWhenAsked: pages and error pages come compressed when
// the client asks for it, and as they are when it does not.
func TestHTMLCompressedWhenAsked(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	for _, path := range []string{"/", "/about", "/category/python", "/nowhere"} {
		plain := c.Do(http.MethodGet, path, nil, http.Header{"Accept-Encoding": {"identity"}})
		if plain.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q", path, plain.Header.Get("Content-Encoding"))
		}
		// Pages are gzipped, also for a browser that prefers brotli (see
		// web.Compress for why).
		for accept, enc := range map[string]string{browserEncodings: "gzip", "gzip": "gzip", "deflate": "deflate"} {
			r := c.Do(http.MethodGet, path, nil, http.Header{"Accept-Encoding": {accept}})
			if got := r.Header.Get("Content-Encoding"); got != enc {
				t.Errorf("%s, Accept-Encoding %s: Content-Encoding %q, want %s", path, accept, got, enc)
				continue
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q lacks Accept-Encoding", path, r.Header.Get("Vary"))
			}
			if len(r.Body)*100 > len(plain.Body)*45 {
				t.Errorf("%s as %s: %d of %d bytes; want under 45%%", path, enc, len(r.Body), len(plain.Body))
			}
			t.Logf("%s: %d bytes, %s %d", path, len(plain.Body), enc, len(r.Body))
		}
	}
}

// TestPrivatePagesNotStored: pages particular to a visitor or an account
// send Cache-Control: no-store; the public pages do not.
func TestPrivatePagesNotStored(t *testing.T) {
	site := testsite.Start(t, db, nil)
	if _, err := site.Store.MakeStaff(context.Background(), "storeboss", "long enough"); err != nil {
		t.Fatal(err)
	}
	anonymous, staff := site.NewClient(t), site.NewClient(t)
	anonymous.Get("/")
	staff.Login("storeboss", "long enough")
	private := []string{"/cookies", "/consent", "/login", "/register", "/account/sessions", "/account/password",
		"/add_category", "/category/python/add_page", "/restricted",
		"/admin/", "/admin/sessions", "/admin/settings", "/admin/audit", "/admin/nowhere"}
	public := []string{"/", "/about", "/search?q=p", "/category/python", "/nowhere", "/accounts"}
	for _, c := range []struct {
		who string
		c   *testsite.Client
	}{{"anonymous", anonymous}, {"staff", staff}} {
		for _, path := range private {
			if got := c.c.Get(path).Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s, GET %s: Cache-Control %q, want no-store", c.who, path, got)
			}
		}
		for _, path := range public {
			if got := c.c.Get(path).Header.Get("Cache-Control"); strings.Contains(got, "no-store") {
				t.Errorf("%s, GET %s: Cache-Control %q; a public page can be kept", c.who, path, got)
			}
		}
	}
}

// TestTemplatesUseStaticFunc: no template writes a /static/ path by hand,
// which would miss the content hash (and the year-long cache).
func TestTemplatesUseStaticFunc(t *testing.T) {
	err := fs.WalkDir(views.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(views.FS, name)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `"/static/`) || strings.Contains(line, `'/static/`) {
				t.Errorf("%s:%d writes a /static/ URL by hand; use {{static \"…\"}}: %s", name, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
