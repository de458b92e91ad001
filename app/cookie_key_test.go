package app_test

import (
	"net/http"
	"testing"

	"rango/web"
)

// TestMalformedSessionCookieIsNoCookie: a session cookie that is not a key
// Rango makes (non-ASCII, invalid UTF-8, an emoji, the wrong length or
// alphabet) is treated as no cookie before any query: the page answers 200
// as for a new visitor, reads no session, and nothing is logged as an
// error (it was a 500 with "Illegal mix of collations").
func TestMalformedSessionCookieIsNoCookie(t *testing.T) {
	site := quietSite(t, 0)
	for _, value := range []string{
		"abcédef",
		"abc\xffdef",
		"😀😀😀",
		"short",
		web.NewSessionKey() + "x",
		web.NewSessionKey()[:42] + "=",
		"../../etc/passwd",
	} {
		for _, path := range []string{"/about", "/cookies"} {
			before, errsBefore := site.Store.RoundTrips(), site.Errors()
			req, _ := http.NewRequest(http.MethodGet, site.URL+path, nil)
			req.Header.Set("Cookie", web.SessionCookie+"="+value)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s with session cookie %q: %d, want 200", path, value, resp.StatusCode)
			}
			trips := site.Store.RoundTrips() - before
			if path == "/cookies" && trips != 0 {
				t.Errorf("%s with session cookie %q: %d round trips, want none (no session to read)", path, value, trips)
			}
			if site.Errors() != errsBefore {
				t.Errorf("%s with session cookie %q logged an error", path, value)
			}
		}
	}
}
