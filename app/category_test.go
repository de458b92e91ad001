package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/internal/testsite"
)

func likeCount(t *testing.T, body string) string {
	t.Helper()
	d := doc(t, &testsite.Response{Body: body})
	return strings.TrimSpace(d.Find("[data-testid=like-count] .like-count").Text())
}

func TestLoginRequired(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	for _, path := range []string{"/add_category", "/category/python/add_page", "/restricted"} {
		r := c.Get(path)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s: %d to %q, want the login page", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	c.Get("/")
	r := c.Post("/category/python/like", nil)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("anonymous like: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestAddCategoryAndPage(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("adder", "correct horse battery")
	c.Get("/add_category")
	r := c.Post("/add_category", url.Values{"name": {"Go <Lang> & Friends"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/category/go-lang-friends" {
		t.Fatalf("add category: %d to %q\n%.1000s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	page := c.Get("/category/go-lang-friends")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "Go &lt;Lang&gt; &amp; Friends") {
		t.Error("the name is not shown escaped")
	}
	for _, tc := range []struct{ name, want string }{
		{"go <lang> & friends", "already exists"},
		{"Go: Lang, Friends!", "already exists"},
		{"   ", "required"},
		{strings.Repeat("n", 129), "at most 128"},
	} {
		c.Get("/add_category")
		r := c.Post("/add_category", url.Values{"name": {tc.name}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if msg := doc(t, r).Find(".invalid-feedback").Text(); !strings.Contains(msg, tc.want) {
			t.Errorf("name %q: message %q, want %q", tc.name, msg, tc.want)
		}
	}
	c.Get("/category/go-lang-friends/add_page")
	r = c.Post("/category/go-lang-friends/add_page", url.Values{"title": {"Tour"}, "url": {"ftp://go.dev"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if v, _ := doc(t, r).Find("#title").Attr("value"); v != "Tour" {
		t.Error("the title typed was lost")
	}
	r = c.Post("/category/go-lang-friends/add_page", url.Values{"title": {"A Tour of Go"}, "url": {"https://go.dev/tour/"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add page: %d", r.StatusCode)
	}
	if !strings.Contains(c.Get("/category/go-lang-friends").Body, "A Tour of Go") {
		t.Error("the new page is not listed")
	}
	wantStatus(t, c.Get("/category/nope/add_page"), http.StatusNotFound)
}

func TestLikeByHTMX(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("liker", "correct horse battery")
	before := likeCount(t, c.Get("/category/django").Body)
	c.HTMX = true
	r := c.Post("/category/django/like", nil)
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, "navbar") {
		t.Error("the like answer should be the button fragment only")
	}
	after := likeCount(t, r.Body)
	if before != "32" || after != "33" {
		t.Errorf("likes %s -> %s, want 32 -> 33", before, after)
	}
	if got := likeCount(t, c.Post("/category/django/like", nil).Body); got != "33" {
		t.Errorf("a second like counted: %s", got)
	}
	c.HTMX = false
	if !strings.Contains(c.Get("/category/django").Body, "Unlike") {
		t.Error("after liking, the page offers Unlike")
	}
	c.HTMX = true
	if got := likeCount(t, c.Post("/category/django/unlike", nil).Body); got != "32" {
		t.Errorf("unlike: %s, want 32", got)
	}
}
