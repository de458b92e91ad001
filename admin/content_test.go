package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/models"
)

// auditHas tells whether the newest audit entries of a target type include
// one with this action whose text has want, with rows rows.
func auditHas(t *testing.T, c *testsite.Client, targetType, action, want string, rows int64) bool {
	t.Helper()
	d := doc(t, c.Get("/admin/audit?type="+targetType))
	found := false
	d.Find("[data-testid=audit] tbody tr").Each(func(_ int, s *goquery.Selection) {
		tds := s.Find("td")
		if strings.Contains(tds.Eq(2).Text(), action) && strings.Contains(s.Text(), want) &&
			strings.TrimSpace(tds.Eq(4).Text()) == fmt.Sprint(rows) && strings.Contains(tds.Eq(1).Text(), "boss") {
			found = true
		}
	})
	return found
}

// newCategory adds a category with pages through the store.
func newCategory(t *testing.T, site *testsite.Site, name string, pages int) models.Category {
	t.Helper()
	cat, err := site.Store.CreateCategory(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < pages; i++ {
		if _, err := site.Store.CreatePage(context.Background(), cat.ID, fmt.Sprintf("%s page %d", name, i), fmt.Sprintf("https://example.com/%s/%d", cat.Slug, i)); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

// eventually retries check for up to 5 s: other instances (and this one's
// page cache) see a change within the page cache's second.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCategoryAdminValidation(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "catvalboss")
	newCategory(t, site, "Valid Python", 0)
	staff.Get("/admin/categories")
	for _, tc := range []struct{ name, want string }{
		{"valid PYTHON", "already exists"},  // taken, ignoring case
		{"Valid-Python!", "already exists"}, // the same slug
		{"   ", "The name is required."},    // empty
		{strings.Repeat("x", 129), "at most 128 characters"},
		{"bad\x00name", "control characters"},
	} {
		r := staff.Post("/admin/categories", url.Values{"name": {tc.name}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		d := doc(t, r)
		if got := d.Find("#name-error").Text(); !strings.Contains(got, tc.want) {
			t.Errorf("add %q: error %q, want %q", tc.name, got, tc.want)
		}
		if inv, _ := d.Find("#name").Attr("aria-invalid"); inv != "true" {
			t.Errorf("add %q: the field is not marked invalid", tc.name)
		}
	}
	// Renaming checks the same.
	other := newCategory(t, site, "Valid Ruby", 0)
	r := staff.Post(fmt.Sprintf("/admin/categories/%d", other.ID), url.Values{"name": {"VALID python"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := doc(t, r).Find("#name-error").Text(); !strings.Contains(got, "already exists") {
		t.Errorf("rename to a taken name: %q", got)
	}
	if v, _ := doc(t, r).Find("#name").Attr("value"); v != "VALID python" {
		t.Errorf("the typed name was lost: %q", v)
	}
}

func TestCategoryAdminActions(t *testing.T) {
	site := testsite.Start(t, db, nil)
	other := testsite.Start(t, db, nil) // a second instance
	staff := staffClient(t, site, "catboss")
	visitor := site.NewClient(t)
	staff.Get("/admin/categories")

	// Add.
	wantStatus(t, staff.Post("/admin/categories", url.Values{"name": {"Elixir Lang"}}), http.StatusSeeOther)
	if !strings.Contains(doc(t, staff.Get("/admin/categories")).Find("[data-testid=notice]").Text(), "Added the category Elixir Lang") {
		t.Error("no result message after adding")
	}
	if !auditHas(t, staff, "category", "add category", "Elixir Lang", 1) {
		t.Error("no audit entry for adding")
	}
	wantStatus(t, visitor.Get("/category/elixir-lang"), http.StatusOK)

	// Rename: the old slug redirects, here and on the other instance.
	cat := newCategory(t, site, "Golang Admin", 3)
	r := staff.Post(fmt.Sprintf("/admin/categories/%d", cat.ID), url.Values{"name": {"Go Admin"}})
	wantStatus(t, r, http.StatusSeeOther)
	for name, s := range map[string]*testsite.Site{"this instance": site, "another instance": other} {
		c := s.NewClient(t)
		eventually(t, name+": the old slug redirects", func() bool {
			r := c.Get("/category/golang-admin")
			return r.StatusCode == http.StatusMovedPermanently && r.Header.Get("Location") == "/category/go-admin"
		})
		wantStatus(t, c.Get("/category/go-admin"), http.StatusOK)
	}
	if !auditHas(t, staff, "category", "rename category", "/category/golang-admin now redirects to /category/go-admin", 1) {
		t.Error("no audit entry for the rename")
	}

	// Reset likes and views.
	site.Store.DB().Exec("UPDATE categories SET likes = 7, views = 9 WHERE id = ?", cat.ID)
	wantStatus(t, staff.Post(fmt.Sprintf("/admin/categories/%d/reset", cat.ID), url.Values{"counter": {"likes"}}), http.StatusSeeOther)
	wantStatus(t, staff.Post(fmt.Sprintf("/admin/categories/%d/reset", cat.ID), url.Values{"counter": {"views"}}), http.StatusSeeOther)
	var likes, views int64
	site.Store.DB().Raw("SELECT likes, views FROM categories WHERE id = ?", cat.ID).Row().Scan(&likes, &views)
	if likes != 0 || views != 0 {
		t.Errorf("after the resets: %d likes, %d views", likes, views)
	}
	if !auditHas(t, staff, "category", "reset category views", "9 → 0", 9) {
		t.Error("no audit entry for the reset")
	}
	wantStatus(t, staff.Post(fmt.Sprintf("/admin/categories/%d/reset", cat.ID), url.Values{"counter": {"everything"}}), http.StatusBadRequest)

	// Delete: asked first, with the pages counted.
	r = staff.Post(fmt.Sprintf("/admin/categories/%d/delete", cat.ID), nil)
	wantStatus(t, r, http.StatusOK)
	if q := doc(t, r).Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, "Delete Go Admin and its 3 pages?") {
		t.Errorf("the confirmation asks %q", q)
	}
	wantStatus(t, visitor.Get("/category/go-admin"), http.StatusOK)
	wantStatus(t, staff.Post(fmt.Sprintf("/admin/categories/%d/delete", cat.ID), url.Values{"confirmed": {"yes"}}), http.StatusSeeOther)
	var pages int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM pages WHERE category_id = ?", cat.ID).Row().Scan(&pages)
	if pages != 0 {
		t.Errorf("%d pages of the deleted category left", pages)
	}
	for name, s := range map[string]*testsite.Site{"this instance": site, "another instance": other} {
		c := s.NewClient(t)
		eventually(t, name+": the deleted category answers 404", func() bool {
			return c.Get("/category/go-admin").StatusCode == http.StatusNotFound && c.Get("/category/golang-admin").StatusCode == http.StatusNotFound
		})
	}
	if !auditHas(t, staff, "category", "delete categories", "with 3 pages", 1) {
		t.Error("no audit entry for the deletion")
	}

	// Bulk delete.
	a, b := newCategory(t, site, "Bulk A", 1), newCategory(t, site, "Bulk B", 2)
	form := url.Values{"ids": {fmt.Sprint(a.ID), fmt.Sprint(b.ID)}}
	if q := doc(t, staff.Post("/admin/categories/delete", form)).Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, "Delete 2 categories (Bulk A, Bulk B) and their 3 pages?") {
		t.Errorf("the bulk confirmation asks %q", q)
	}
	form.Set("confirmed", "yes")
	wantStatus(t, staff.Post("/admin/categories/delete", form), http.StatusSeeOther)
	var left int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM categories WHERE id IN ?", []uint64{a.ID, b.ID}).Row().Scan(&left)
	if left != 0 {
		t.Errorf("%d ticked categories left", left)
	}
	wantStatus(t, staff.Post("/admin/categories/delete", url.Values{}), http.StatusUnprocessableEntity)
	wantStatus(t, staff.Get("/admin/categories/999999"), http.StatusNotFound)
	wantStatus(t, staff.Get("/admin/categories/abc"), http.StatusNotFound)
}

func TestCategoryAdminList(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "catlistboss")
	for i := 0; i < 60; i++ {
		cat := newCategory(t, site, fmt.Sprintf("Listed %02d", i), i%3)
		site.Store.DB().Exec("UPDATE categories SET likes = ?, views = ? WHERE id = ?", i%7, 100-i, cat.ID)
	}
	names := func(r *testsite.Response) []string {
		var out []string
		doc(t, r).Find("[data-testid=categories] tbody tr .col-key a").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return out
	}
	var all []string
	r := staff.Get("/admin/categories?q=Listed&sort=views")
	for {
		all = append(all, names(r)...)
		next, ok := doc(t, r).Find("[data-testid=next]").Attr("href")
		if !ok {
			break
		}
		r = staff.Get(next)
	}
	if len(all) != 60 || all[0] != "Listed 00" || all[59] != "Listed 59" {
		t.Errorf("by views: %d categories, first %q, last %q", len(all), all[0], all[len(all)-1])
	}
	row := doc(t, staff.Get("/admin/categories?q=Listed+05")).Find("[data-testid=categories] tbody tr")
	if row.Length() != 1 || strings.TrimSpace(row.Find("td").Eq(3).Text()) != "2" {
		t.Errorf("Listed 05 should show 2 pages: %q", row.Text())
	}
}

func TestPageAdmin(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "pageboss")
	cat := newCategory(t, site, "Paged Things", 3)
	to := newCategory(t, site, "Other Paged", 0)
	var ids []uint64
	site.Store.DB().Raw("SELECT id FROM pages WHERE category_id = ? ORDER BY id", cat.ID).Scan(&ids)
	site.Store.DB().Exec("UPDATE pages SET views = 42 WHERE id = ?", ids[0])

	r := staff.Get(fmt.Sprintf("/admin/pages?category=%d", cat.ID))
	d := doc(t, r)
	if n := d.Find("[data-testid=pages] tbody tr").Length(); n != 3 {
		t.Errorf("%d pages in the category, want 3", n)
	}
	if strings.Contains(d.Find("[data-testid=pages]").Text(), "/goto") || d.Find(`[data-testid=pages] a[href^="/goto"]`).Length() > 0 {
		t.Error("the list links pages through /goto")
	}
	if n := doc(t, staff.Get("/admin/pages?q=paged-things/2")).Find("[data-testid=pages] tbody tr").Length(); n != 1 {
		t.Errorf("search by URL: %d pages, want 1", n)
	}

	staff.Get(fmt.Sprintf("/admin/pages/%d", ids[0]))
	for _, tc := range []struct {
		form  url.Values
		field string
		want  string
	}{
		{url.Values{"title": {""}, "url": {"example.com"}, "category": {fmt.Sprint(cat.ID)}}, "title", "The title is required."},
		{url.Values{"title": {"T"}, "url": {"javascript:alert(1)"}, "category": {fmt.Sprint(cat.ID)}}, "url", "must be a web address"},
		{url.Values{"title": {"T"}, "url": {"example.com"}, "category": {"999999"}}, "category", "Pick one of the categories."},
	} {
		r := staff.Post(fmt.Sprintf("/admin/pages/%d", ids[0]), tc.form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := doc(t, r).Find("#" + tc.field + "-error").Text(); !strings.Contains(got, tc.want) {
			t.Errorf("%v: %s error %q, want %q", tc.form, tc.field, got, tc.want)
		}
	}
	r = staff.Post(fmt.Sprintf("/admin/pages/%d", ids[0]), url.Values{"title": {"Moved page"}, "url": {"www.example.org/moved"}, "category": {fmt.Sprint(to.ID)}})
	wantStatus(t, r, http.StatusSeeOther)
	p, _ := site.Store.PageByID(context.Background(), ids[0])
	if p.Title != "Moved page" || p.URL != "http://www.example.org/moved" || p.CategoryID != to.ID {
		t.Errorf("saved %+v", p)
	}
	wantStatus(t, staff.Post(fmt.Sprintf("/admin/pages/%d/reset-views", ids[0]), nil), http.StatusSeeOther)
	if p, _ := site.Store.PageByID(context.Background(), ids[0]); p.Views != 0 {
		t.Errorf("views after the reset: %d", p.Views)
	}
	if !auditHas(t, staff, "page", "reset page views", "42 → 0", 42) {
		t.Error("no audit entry for the reset")
	}
	r = staff.Post(fmt.Sprintf("/admin/pages/%d/delete", ids[1]), nil)
	if q := doc(t, r).Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, "Delete the page Paged Things page 1 from Paged Things?") {
		t.Errorf("the confirmation asks %q", q)
	}
	wantStatus(t, staff.Post(fmt.Sprintf("/admin/pages/%d/delete", ids[1]), url.Values{"confirmed": {"yes"}}), http.StatusSeeOther)
	wantStatus(t, staff.Post("/admin/pages/delete", url.Values{"ids": {fmt.Sprint(ids[0]), fmt.Sprint(ids[2])}, "confirmed": {"yes"}}), http.StatusSeeOther)
	var left int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM pages WHERE id IN ?", ids).Row().Scan(&left)
	if left != 0 {
		t.Errorf("%d pages left", left)
	}
	if !auditHas(t, staff, "page", "delete pages", "Deleted 2 pages.", 2) {
		t.Error("no audit entry for the bulk deletion")
	}
	wantStatus(t, staff.Get(fmt.Sprintf("/admin/pages/%d", ids[0])), http.StatusNotFound)
}
