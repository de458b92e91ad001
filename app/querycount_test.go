package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
	"rango/web"
)

// quietSite is a site whose background work (settings refresh, session
// GC) stays out of the way, so that the round trips counted are the
// requests' own.
func quietSite(t *testing.T, pageCache time.Duration) *testsite.Site {
	return testsite.Start(t, db, func(cfg *config.Config) {
		cfg.SettingsRefresh = time.Hour
		cfg.SessionGCInterval = time.Hour
		cfg.PageCacheTTL = pageCache
	})
}

// trips sends one request and returns the database round trips it cost.
func trips(t *testing.T, site *testsite.Site, c *testsite.Client, method, path string) int64 {
	t.Helper()
	before := site.Store.RoundTrips()
	var r *testsite.Response
	if method == http.MethodPost {
		r = c.Post(path, nil)
	} else {
		r = c.Get(path)
	}
	if r.StatusCode >= 400 {
		t.Fatalf("%s %s: %d", method, path, r.StatusCode)
	}
	return site.Store.RoundTrips() - before
}

// TestQueriesPerRequest pins the number of database round trips of each
// kind of request, with the page cache off, so that an added query (an
// N+1, a session write on a page view) fails CI.
func TestQueriesPerRequest(t *testing.T) {
	site := quietSite(t, 0)
	newcomer := site.NewClient(t)
	if n := trips(t, site, newcomer, http.MethodGet, "/"); n != 3 {
		t.Errorf("first visit to /: %d round trips, want 3 (top categories, top pages, one session insert)", n)
	}
	for _, tc := range []struct {
		path string
		want int64
		what string
	}{
		{"/", 3, "session read, top categories, top pages"},
		{"/about", 1, "session read"},
		{"/category/python", 3, "session read, category, its pages"},
		{"/search?q=P", 2, "session read, suggestions"},
		{"/login", 1, "session read"},
		{"/static/css/rango.css", 0, "none"},
		{"/livez", 0, "none"},
	} {
		if n := trips(t, site, newcomer, http.MethodGet, tc.path); n != tc.want {
			t.Errorf("returning visitor, %s: %d round trips, want %d (%s)", tc.path, n, tc.want, tc.what)
		}
	}
	anonymous := site.NewClient(t)
	if n := trips(t, site, anonymous, http.MethodGet, "/category/python"); n != 2 {
		t.Errorf("cookie-less visitor, /category/python: %d round trips, want 2 (no session read)", n)
	}

	member := site.NewClient(t)
	member.Register("counted", "correct horse battery")
	member.Get("/")
	for _, tc := range []struct {
		method, path string
		want         int64
		what         string
	}{
		{"GET", "/", 3, "session read, top categories, top pages"},
		{"GET", "/category/python", 4, "session read, category, its pages, liked?"},
		{"POST", "/category/python/like", 6, "session read, category, begin, insert like, update count, commit; no session write"},
	} {
		if n := trips(t, site, member, tc.method, tc.path); n != tc.want {
			t.Errorf("logged in, %s %s: %d round trips, want %d (%s)", tc.method, tc.path, n, tc.want, tc.what)
		}
	}
	if key := member.Cookie(web.SessionCookie); key == "" {
		t.Fatal("no session")
	}
}

// TestQueriesPerRequestWithPageCache: with the page cache on (the default),
// a returning visitor's page view costs the session read alone.
func TestQueriesPerRequestWithPageCache(t *testing.T) {
	site := quietSite(t, time.Minute)
	visitor := site.NewClient(t)
	for _, path := range []string{"/", "/category/python", "/about"} {
		visitor.Get(path) // fills the cache
	}
	for _, tc := range []struct {
		path string
		want int64
	}{{"/", 1}, {"/about", 1}, {"/category/python", 1}, {"/category/django", 3}, {"/category/django", 1}} {
		if n := trips(t, site, visitor, http.MethodGet, tc.path); n != tc.want {
			t.Errorf("returning visitor, %s: %d round trips, want %d", tc.path, n, tc.want)
		}
	}
	visitor.Get("/search?q=P")
	if n := trips(t, site, visitor, http.MethodGet, "/search?q=P"); n != 1 {
		t.Errorf("returning visitor, cached suggestions: %d round trips, want 1 (session read)", n)
	}
	if n := trips(t, site, site.NewClient(t), http.MethodGet, "/category/python"); n != 0 {
		t.Errorf("cookie-less visitor, cached category: %d round trips, want 0", n)
	}
	member := site.NewClient(t)
	member.Register("cachedmember", "correct horse battery")
	before := likeCount(t, member.Get("/category/python").Body)
	if n := trips(t, site, member, http.MethodGet, "/category/python"); n != 2 {
		t.Errorf("logged in, cached category: %d round trips, want 2 (session read, liked?)", n)
	}
	// A change on this instance shows at once, brought up to date in the
	// cache rather than read again.
	member.Get("/")
	if n := trips(t, site, member, http.MethodPost, "/category/python/like"); n != 5 {
		t.Errorf("logged in, like of a cached category: %d round trips, want 5 (session read, begin, insert like, update count, commit)", n)
	}
	if n := trips(t, site, member, http.MethodGet, "/category/python"); n != 2 {
		t.Errorf("logged in, cached category after a like: %d round trips, want 2 (session read, liked?)", n)
	}
	after := likeCount(t, member.Get("/category/python").Body)
	if after == before {
		t.Errorf("after a like the cached page still shows %s likes", after)
	}
	if got := likeCount(t, site.NewClient(t).Get("/category/python").Body); got != after {
		t.Errorf("after a like a visitor who is not logged in sees %s likes, want %s", got, after)
	}
	if n := trips(t, site, member, http.MethodGet, "/"); n != 1 {
		t.Errorf("logged in, home page after a like: %d round trips, want 1 (session read)", n)
	}
	if n := trips(t, site, visitor, http.MethodGet, "/search?q=P"); n != 1 {
		t.Errorf("returning visitor, suggestions after a like: %d round trips, want 1 (session read)", n)
	}
	found := doc(t, visitor.Get("/search?q=P"))
	if got := strings.Fields(found.Find(`a[href="/category/python"] .rango-stat`).Text()); len(got) == 0 || got[0] != after {
		t.Errorf("after a like the suggestions show Python with %q likes, want %s", got, after)
	}
	home := doc(t, member.Get("/"))
	if got := strings.Fields(home.Find(`.rango-ranking a[href="/category/python"]`).Parent().Find(".rango-stat").Text()); len(got) == 0 || got[0] != after {
		t.Errorf("after a like the home page shows Python with %q likes, want %s", got, after)
	}
}
