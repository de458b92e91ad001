package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rango/internal/testsite"
)

// TestSuggestionsInTheBrowser types into the home page's search box: only
// matching categories, a message when none matches, an empty list when
// the box is emptied, nothing on the page moving meanwhile, at both
// sizes; a logged-in user's message links to Add a category, filled in.
func TestSuggestionsInTheBrowser(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, site.URL)
	const (
		links   = `#suggestions a.list-group-item`
		noMatch = `[data-testid="no-match"]`
	)
	// positions are where the heading and the lists below the hero are.
	positions := `(() => [document.querySelector("main h1"), document.querySelector(".rango-hero + .row")]
		.map(e => { const r = e.getBoundingClientRect(); return Math.round(r.top + scrollY) + "," + Math.round(r.left) }).join(" "))()`

	for _, size := range []struct{ w, h int64 }{{desktopWidth, desktopHeight}, {phoneWidth, phoneHeight}} {
		b.viewport(size.w, size.h)
		b.open("/")
		still := eval[string](b, "where things are", positions)

		b.typeInto("#q", "Py")
		b.waitUntil("wait for the suggestions", `document.querySelectorAll(`+jsString(links)+`).length > 0 && !document.querySelector(".htmx-request")`)
		if got := eval[string](b, "the suggested names", `[...document.querySelectorAll(`+jsString(links)+`)].map(a => a.firstChild.textContent.trim()).join(",")`); got != "Python" {
			t.Errorf("%dpx, “Py”: suggested %q, want Python alone", size.w, got)
		}
		if moved := eval[string](b, "where things are", positions); moved != still {
			t.Errorf("%dpx: the list moved the page: heading and lists from %s to %s", size.w, still, moved)
		}
		b.waitUntil("wait for the announcement", `document.getElementById("announcer").textContent === "1 category starts with “Py”."`)

		b.typeInto("#q", "zzz")
		b.do("wait for the message", chromedp.WaitVisible(chromedp.CSS(noMatch)))
		if got := b.text(noMatch); got != "No category starts with “Pyzzz”." {
			t.Errorf("%dpx: message %q", size.w, got)
		}
		if b.present(links) || b.present(`[data-testid="add-suggested"]`) {
			t.Errorf("%dpx: categories, or an add link for an anonymous visitor, beside the message", size.w)
		}
		if moved := eval[string](b, "where things are", positions); moved != still {
			t.Errorf("%dpx: the message moved the page: from %s to %s", size.w, still, moved)
		}

		b.clearField("#q")
		b.waitUntil("wait for the list to clear", `document.getElementById("suggestions").children.length === 0 && !document.querySelector(".htmx-request")`)
	}

	// Logged in: the message offers to add the category.
	b.viewport(desktopWidth, desktopHeight)
	c := site.NewClient(t)
	c.Register("searcher", "search password")
	b.logIn("searcher", "search password")
	b.open("/")
	b.typeInto("#q", "Zebra")
	b.do("wait for the add link", chromedp.WaitVisible(chromedp.CSS(`[data-testid="add-suggested"]`)))
	if got := b.text(`[data-testid="add-suggested"]`); got != "Add “Zebra”" {
		t.Errorf("the link says %q", got)
	}
	// A link htmx has not yet processed (it settles new content for a few
	// milliseconds) loads the whole page, which is fine, but flaky here.
	b.settled("wait for htmx to settle")
	b.do("follow it", chromedp.Click(chromedp.CSS(`[data-testid="add-suggested"]`), chromedp.NodeVisible))
	b.waitUntil("wait for the form", `document.title === "Add a category · Rango"`)
	if got := eval[string](b, "the name field", `document.getElementById("name").value`); got != "Zebra" {
		t.Errorf("the form's name is %q, want Zebra", got)
	}
	if u, _ := url.Parse(run(b, "read the address", chromedp.Location())); u.Path != "/add_category" || !strings.Contains(u.RawQuery, "name=Zebra") {
		t.Errorf("the address is %s", u)
	}
}
