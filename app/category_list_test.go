package app_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
)

// TestCategoryListsItsPagesInParts: a category with 45 pages lists the 20
// most viewed, then 20 more at ?page=2 and the last 5 at ?page=3, each
// part linking to the parts beside it, for visitors and members alike; a
// part beyond the end, or a ?page= that is no part number, is a clear 404.
func TestCategoryListsItsPagesInParts(t *testing.T) {
	site := testsite.Start(t, db, nil)
	ctx := t.Context()
	cat, err := site.Store.CreateCategory(ctx, "Long list "+strconv.FormatInt(time.Now().UnixNano()%1e9, 36))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 45 {
		p, err := site.Store.CreatePage(ctx, cat.ID, fmt.Sprintf("Page %02d", i), "https://example.com/")
		if err != nil {
			t.Fatal(err)
		}
		// Page 00 is the most viewed, page 44 the least.
		if err := site.Store.DB().Exec("UPDATE pages SET views = ? WHERE id = ?", 1000-i, p.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	base := "/category/" + cat.Slug
	for who, c := range map[string]*testsite.Client{"visitor": site.NewClient(t), "member": site.SignedInClient(t, "lister"+strconv.FormatInt(time.Now().UnixNano()%1e6, 10))} {
		for _, part := range []struct {
			path       string
			first, n   int
			prev, next string
		}{
			{base, 0, 20, "", base + "?page=2"},
			{base + "?page=2", 20, 20, base, base + "?page=3"},
			{base + "?page=3", 40, 5, base + "?page=2", ""},
		} {
			r := c.Get(part.path)
			testsite.WantStatus(t, r, http.StatusOK)
			doc := r.Doc(t)
			titles := doc.Find(".rango-pages .rango-page-link a").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
			if len(titles) != part.n || titles[0] != fmt.Sprintf("Page %02d", part.first) {
				t.Errorf("%s %s lists %d pages from %q, want %d from Page %02d", who, part.path, len(titles), titles[0], part.n, part.first)
			}
			for testid, want := range map[string]string{"prev": part.prev, "next": part.next} {
				if got, _ := doc.Find("[data-testid=" + testid + "]").Attr("href"); got != want {
					t.Errorf("%s %s: %s link %q, want %q", who, part.path, testid, got, want)
				}
			}
		}
		for _, bad := range []string{"?page=4", "?page=0", "?page=-1", "?page=two", "?page=99999999999999999999"} {
			r := c.Get(base + bad)
			testsite.WantStatus(t, r, http.StatusNotFound)
			if !strings.Contains(r.Body, "has no such part") {
				t.Errorf("%s %s: the 404 does not say what is wrong:\n%.500s", who, bad, r.Body)
			}
		}
	}
}
