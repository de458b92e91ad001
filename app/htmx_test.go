package app_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestNavigationFragmentSizes: an htmx navigation's answer carries what
// it swaps, not the document around it; the sizes (BENCHMARKS.md) are
// logged. Both are measured for a logged-in user, whose navigation is the
// longest.
func TestNavigationFragmentSizes(t *testing.T) {
	site := quietSite(t, 0)
	c := site.NewClient(t)
	c.Register("measurer", "long enough")
	c.Post("/consent", nil)
	for _, path := range []string{"/", "/about", "/category/python", "/cookies", "/search?q=p"} {
		size := func(accept string, h http.Header) int {
			if h == nil {
				h = http.Header{}
			}
			h.Set("Accept-Encoding", accept)
			r := c.Do(http.MethodGet, path, nil, h)
			wantStatus(t, r, http.StatusOK)
			return len(r.Body)
		}
		htmx := func() http.Header { return http.Header{"HX-Request": {"true"}, "HX-Boosted": {"true"}} }
		full, part := size("identity", nil), size("identity", htmx())
		fullGz, partGz := size("gzip", nil), size("gzip", htmx())
		t.Logf("%-16s full page %6d B (gzip %5d)   htmx navigation %6d B (gzip %5d): %2.0f%% (%2.0f%%)",
			path, full, fullGz, part, partGz, 100*float64(part)/float64(full), 100*float64(partGz)/float64(fullGz))
		if full-part < 2000 {
			t.Errorf("%s: the htmx answer (%d B) is only %d B smaller than the page; the document around <main> should stay out", path, part, full-part)
		}
		if body := c.Do(http.MethodGet, path, nil, htmx()).Body; strings.Contains(body, "<footer") || strings.Contains(body, "<head") {
			t.Errorf("%s: the htmx answer has the page's head or footer", path)
		}
	}
}
