package assets_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"rango/assets"
)

var css = strings.Repeat(".rango-example { color: #0a58ca; margin: 0 auto; }\n", 200)

func newApp(t *testing.T) (*fiber.App, *assets.Assets) {
	t.Helper()
	a, err := assets.New(fstest.MapFS{
		"css/site.css":  {Data: []byte(css)},
		"img/logo.png":  {Data: []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 300))},
		"vendor/x.js":   {Data: []byte(strings.Repeat("var x = 1;\n", 100))},
		"LICENSE.thing": {Data: []byte("The license.")},
	})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Use(assets.Mount, a.Handler())
	return app, a
}

type response struct {
	status int
	header func(string) string
	body   []byte
}

func get(t *testing.T, app *fiber.App, method, path string, header map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header.Get, body}
}

func TestURL(t *testing.T) {
	_, a := newApp(t)
	u, err := a.URL("css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "/static/css/site.") || !strings.HasSuffix(u, ".css") || len(u) != len("/static/css/site.")+12+len(".css") {
		t.Errorf("URL = %q, want /static/css/site.<12 hex digits>.css", u)
	}
	if _, err := a.URL("css/missing.css"); err == nil {
		t.Error("an unknown file must be an error, so that a template with a typo fails")
	}
}

// TestCaching: a hashed URL is cached for a year, a plain one (or one with
// another version's hash) is revalidated, and an ETag match answers 304.
func TestCaching(t *testing.T) {
	app, a := newApp(t)
	hashed, _ := a.URL("css/site.css")
	r := get(t, app, "GET", hashed, nil)
	if r.status != 200 || string(r.body) != css {
		t.Fatalf("GET %s: %d, %d bytes", hashed, r.status, len(r.body))
	}
	if got := r.header("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("hashed URL: Cache-Control %q", got)
	}
	if ct := r.header("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := r.header("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag %q", etag)
	}
	for _, path := range []string{"/static/css/site.css", "/static/css/site.0123456789ab.css"} {
		r := get(t, app, "GET", path, nil)
		if r.status != 200 || string(r.body) != css || r.header("Cache-Control") != "public, no-cache" {
			t.Errorf("GET %s: %d, Cache-Control %q; want the file, revalidated", path, r.status, r.header("Cache-Control"))
		}
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		r := get(t, app, "GET", hashed, map[string]string{"If-None-Match": inm})
		if r.status != 304 || len(r.body) != 0 || r.header("ETag") != etag {
			t.Errorf("If-None-Match %s: %d with %d bytes, ETag %q; want 304, empty", inm, r.status, len(r.body), r.header("ETag"))
		}
	}
	if r := get(t, app, "GET", hashed, map[string]string{"If-None-Match": `"0123456789ab"`}); r.status != 200 {
		t.Errorf("a stale ETag got %d, want 200", r.status)
	}
	for _, path := range []string{"/static/css/nope.css", "/static/../assets.go", "/static/css", "/static/"} {
		if r := get(t, app, "GET", path, nil); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	if r := get(t, app, "HEAD", hashed, nil); r.status != 200 || len(r.body) != 0 {
		t.Errorf("HEAD: %d with %d bytes", r.status, len(r.body))
	}
}

// TestCompression: brotli when accepted, else gzip, else none; never for
// a PNG; each encoding with its own ETag, all of which revalidate.
func TestCompression(t *testing.T) {
	app, a := newApp(t)
	hashed, _ := a.URL("css/site.css")
	cases := []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"identity", ""},
		{"", ""},
	}
	etags := map[string]bool{}
	for _, tc := range cases {
		r := get(t, app, "GET", hashed, map[string]string{"Accept-Encoding": tc.accept})
		if got := r.header("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			continue
		}
		if !strings.Contains(r.header("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, r.header("Vary"))
		}
		var plain []byte
		var err error
		switch tc.want {
		case "br":
			plain, err = io.ReadAll(brotli.NewReader(bytes.NewReader(r.body)))
		case "gzip":
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(r.body)); err == nil {
				plain, err = io.ReadAll(zr)
			}
		default:
			plain = r.body
		}
		if err != nil || string(plain) != css {
			t.Errorf("Accept-Encoding %q: body does not decode to the file (%v)", tc.accept, err)
		}
		if tc.want != "" && len(r.body) > len(css)/10 {
			t.Errorf("%s: %d bytes of %d, want it much smaller", tc.want, len(r.body), len(css))
		}
		etags[r.header("ETag")] = true
		if r304 := get(t, app, "GET", hashed, map[string]string{"Accept-Encoding": "br", "If-None-Match": r.header("ETag")}); r304.status != 304 {
			t.Errorf("the %q copy's ETag does not revalidate: %d", tc.want, r304.status)
		}
	}
	if len(etags) != 3 {
		t.Errorf("ETags %v, want one per encoding (br, gzip, none)", etags)
	}
	png, _ := a.URL("img/logo.png")
	if r := get(t, app, "GET", png, map[string]string{"Accept-Encoding": "br, gzip"}); r.header("Content-Encoding") != "" || r.header("Content-Type") != "image/png" {
		t.Errorf("PNG: Content-Encoding %q, Content-Type %q", r.header("Content-Encoding"), r.header("Content-Type"))
	}
}
