package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
)

// doc parses a response body as HTML.
func doc(t *testing.T, r *testsite.Response) *goquery.Document { return r.Doc(t) }

func wantStatus(t *testing.T, r *testsite.Response, status int) {
	t.Helper()
	testsite.WantStatus(t, r, status)
}

func TestPagesRender(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	for _, tc := range []struct {
		path, selector, text string
	}{
		{"/", "h1", "hey there partner"},
		{"/about", "[data-testid=visits]", "Visits: 1"},
		{"/category/python", "h1", "Python"},
		{"/cookies", "h1", "Your cookies"},
		{"/login", "h1", "Log in"},
		{"/register", "h1", "Register"},
		{"/search?q=P", "#suggestions", "Pascal"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := c.Get(tc.path)
			wantStatus(t, r, http.StatusOK)
			d := doc(t, r)
			if got := d.Find(tc.selector).First().Text(); !strings.Contains(got, tc.text) {
				t.Errorf("%s: %s = %q, want it to contain %q", tc.path, tc.selector, got, tc.text)
			}
			if d.Find("html").Length() != 1 || d.Find("nav.navbar").Length() != 1 {
				t.Errorf("%s: not a full page", tc.path)
			}
			if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
				t.Errorf("%s: Vary = %q, want HX-Request in it", tc.path, r.Header.Get("Vary"))
			}
		})
	}
}

func TestTopFiveOnIndex(t *testing.T) {
	site := testsite.Start(t, db, nil)
	d := doc(t, site.NewClient(t).Get("/"))
	var cats []string
	d.Find(".card-header:contains('Most liked categories') + ol a").Each(func(_ int, s *goquery.Selection) {
		cats = append(cats, s.Text())
	})
	if len(cats) != 5 || cats[0] != "Python" || cats[1] != "Django" || cats[2] != "Other Frameworks" {
		t.Errorf("top categories = %q, want 5 starting Python, Django, Other Frameworks", cats)
	}
	pages := d.Find(".card-header:contains('Most viewed pages') + ol a")
	if pages.Length() != 5 || pages.First().Text() != "How to Tango with Django" {
		t.Errorf("top pages: %d, first %q", pages.Length(), pages.First().Text())
	}
}

// TestHTMXGetsFragments: an htmx navigation gets what it swaps (the
// title, the content of <main>, and out of band the navigation's links
// and the flash area), a history restore the whole page, the search box
// its list.
func TestHTMXGetsFragments(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.HTMX = true
	r := c.Get("/about")
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, "<html") || !strings.HasPrefix(r.Body, "<title>About · Rango</title>") {
		t.Errorf("htmx request got a whole page, or no title first:\n%.500s", r.Body)
	}
	d := doc(t, r)
	for sel, want := range map[string]int{
		"nav, footer, main, #page, #consent-slot, #announcer": 0,
		"h1":                                    1,
		`#nav-menu[hx-swap-oob="true"]`:         1,
		`#nav-menu a.active[aria-current=page]`: 1,
		`#flash[hx-swap-oob="innerHTML"]`:       1,
	} {
		if got := d.Find(sel).Length(); got != want {
			t.Errorf("the fragment has %d of %s, want %d", got, sel, want)
		}
	}
	if got := d.Find("#nav-menu a.active").Text(); got != "About" {
		t.Errorf("the active navigation entry is %q, want About", got)
	}
	restore := c.Do(http.MethodGet, "/about", nil, http.Header{"HX-History-Restore-Request": {"true"}})
	if !strings.Contains(restore.Body, "<html") {
		t.Error("a history-restore request must get the whole page")
	}
	if vary := restore.Header.Get("Vary"); !strings.Contains(vary, "HX-History-Restore-Request") {
		t.Errorf("Vary = %q, want HX-History-Restore-Request in it", vary)
	}
	sugg := c.Do(http.MethodGet, "/search?q=Pe", nil, http.Header{"HX-Target": {"suggestions"}})
	if strings.Contains(sugg.Body, "nav-menu") || !strings.Contains(sugg.Body, "Perl") {
		t.Errorf("suggestions fragment wrong:\n%s", sugg.Body)
	}
}

func TestNotFound(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	for _, path := range []string{"/category/no-such-thing", "/nowhere", "/category/%ff%fe", "/category/" + strings.Repeat("x", 500)} {
		r := c.Get(path)
		wantStatus(t, r, http.StatusNotFound)
		if doc(t, r).Find("[data-testid=error-message]").Length() != 1 {
			t.Errorf("%s: no friendly 404 page", path)
		}
	}
}

func TestSearch(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	names := func(q string) []string {
		var out []string
		doc(t, c.Get("/search?q="+url.QueryEscape(q))).Find("#suggestions a").Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.TrimSpace(s.Contents().First().Text()))
		})
		return out
	}
	if got := names("P"); len(got) != 7 || got[0] != "Pascal" {
		t.Errorf("q=P: %q, want the 7 categories starting with P", got)
	}
	if got := names("pyth"); len(got) != 1 || got[0] != "Python" {
		t.Errorf("q=pyth: %q", got)
	}
	if got := names("%_"); len(got) != 0 {
		t.Errorf("q=%%_ should match nothing (it is taken literally), got %q", got)
	}
}

func TestGoto(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	var id, views int64
	var target string
	if err := site.Store.DB().Raw("SELECT id, url, views FROM pages WHERE title = 'Flask'").Row().Scan(&id, &target, &views); err != nil {
		t.Fatal(err)
	}
	r := c.Get("/goto?page_id=" + itoa(id))
	if r.StatusCode != http.StatusFound || r.Header.Get("Location") != target {
		t.Fatalf("goto: %d to %q, want 302 to %q", r.StatusCode, r.Header.Get("Location"), target)
	}
	var after int64
	site.Store.DB().Raw("SELECT views FROM pages WHERE id = ?", id).Row().Scan(&after)
	if after != views+1 {
		t.Errorf("views %d -> %d, want +1", views, after)
	}
	for _, bad := range []string{"", "abc", "-1", "0", "99999999", "1e3", "18446744073709551616"} {
		r := c.Get("/goto?page_id=" + url.QueryEscape(bad))
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/" {
			t.Errorf("page_id=%q: %d to %q, want 302 to /", bad, r.StatusCode, r.Header.Get("Location"))
		}
	}
}
