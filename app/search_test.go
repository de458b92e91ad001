package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/internal/testsite"
)

// TestSuggestionStates: matches only; a message when nothing matches,
// with a link to add the category for a logged-in user, which opens the
// form with the name filled in; nothing for an empty box; the htmx answer
// says how many matched.
func TestSuggestionStates(t *testing.T) {
	site := testsite.Start(t, db, nil)
	anonymous, user := site.NewClient(t), site.NewClient(t)
	user.Register("suggested", "long enough")
	htmx := http.Header{"HX-Request": {"true"}, "HX-Target": {"suggestions"}}

	for _, c := range []struct {
		who      string
		c        *testsite.Client
		offerAdd bool
	}{{"anonymous", anonymous, false}, {"user", user, true}} {
		r := c.c.Do(http.MethodGet, "/search?q=zzz", nil, htmx)
		wantStatus(t, r, http.StatusOK)
		d := doc(t, r)
		if d.Find("#suggestions a.list-group-item").Length() != 0 {
			t.Errorf("%s, q=zzz: categories listed although none matches", c.who)
		}
		if got := strings.TrimSpace(d.Find("[data-testid=no-match]").Contents().First().Text()); got != "No category starts with “zzz”." {
			t.Errorf("%s, q=zzz: message %q", c.who, got)
		}
		add := d.Find("[data-testid=add-suggested]")
		if href, _ := add.Attr("href"); c.offerAdd != (href == "/add_category?name=zzz") {
			t.Errorf("%s, q=zzz: add link %q, offered: %v", c.who, href, c.offerAdd)
		}
		if got := d.Find(`#announcer[hx-swap-oob="innerHTML"]`).Text(); got != "No category starts with “zzz”." {
			t.Errorf("%s, q=zzz: announcement %q", c.who, got)
		}
	}

	form := user.Get("/add_category?name=" + url.QueryEscape("zzz"))
	if v, _ := doc(t, form).Find("#name").Attr("value"); v != "zzz" {
		t.Errorf("the add link's form has the name %q, want zzz", v)
	}
	if v, _ := doc(t, user.Get("/add_category?name="+url.QueryEscape("bad\x01name"))).Find("#name").Attr("value"); v != "" {
		t.Errorf("a name with a control character is filled in: %q", v)
	}

	r := anonymous.Do(http.MethodGet, "/search?q=py", nil, htmx)
	d := doc(t, r)
	if names := d.Find("#suggestions a.list-group-item").Length(); names != 1 || d.Find("[data-testid=no-match]").Length() != 0 {
		t.Errorf("q=py: %d categories listed, want Python alone", names)
	}
	if got := d.Find("#announcer").Text(); got != "1 category starts with “py”." {
		t.Errorf("q=py: announcement %q", got)
	}
	for _, q := range []string{"", "%20%20"} {
		r := anonymous.Do(http.MethodGet, "/search?q="+q, nil, htmx)
		d := doc(t, r)
		if got := strings.TrimSpace(d.Find("#suggestions").Text()); got != "" || d.Find("#suggestions").Children().Length() != 0 {
			t.Errorf("q=%q: the list shows %q; an empty box clears it", q, got)
		}
		if got := d.Find("#announcer").Text(); got != "" {
			t.Errorf("q=%q: announcement %q", q, got)
		}
	}
	page := doc(t, anonymous.Get("/search?q=zzz"))
	if page.Find("[data-testid=no-match]").Length() != 1 || page.Find("#announcer[hx-swap-oob]").Length() != 0 {
		t.Error("the search page (no JavaScript) should show the message, and no out-of-band part")
	}
}
