package e2e

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"rango/internal/testsite"
)

// TestCategoryListInParts: a visitor on a category with 25 pages sees the
// 20 most viewed, clicks "More pages" to see the other 5 without a page
// load (the address follows), and goes back with "Previous pages"; the
// second part has no accessibility violation, on a phone too.
func TestCategoryListInParts(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	ctx := t.Context()
	cat, err := site.Store.CreateCategory(ctx, "Parts "+strconv.FormatInt(time.Now().UnixNano()%1e9, 36))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if _, err := site.Store.CreatePage(ctx, cat.ID, fmt.Sprintf("Part page %02d", i), "https://example.com/"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, site.URL)
	const items = ".rango-pages .rango-page-link > a"
	count := func() int {
		return eval[int](b, "count the listed pages", `document.querySelectorAll(`+jsString(items)+`).length`)
	}
	b.open("/category/" + cat.Slug)
	if n := count(); n != 20 {
		t.Fatalf("the category lists %d pages, want 20", n)
	}
	b.settled("let htmx settle the page")
	b.markPage()
	b.click(`[data-testid="next"]`)
	b.waitUntil("wait for the second part", `location.search === "?page=2" && document.querySelectorAll(`+jsString(items)+`).length === 5`)
	b.swappedIn("wait for the link back", `[data-testid="prev"]`)
	b.expectNoReload("showing more pages")
	if b.present(`[data-testid="next"]`) {
		t.Error("the last part links to a part after it")
	}
	if got := b.text(items); got != "Part page 20" {
		t.Errorf("the second part starts with %q, want Part page 20", got)
	}
	b.axeClean("category, second part")
	b.viewport(390, 844)
	b.axeClean("category, second part, phone")
	b.click(`[data-testid="prev"]`)
	b.waitUntil("wait for the first part", `location.search === "" && document.querySelectorAll(`+jsString(items)+`).length === 20`)
	b.expectNoReload("going back to the first part")
}
