package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/internal/testsite"
	"rango/web"
)

// notPages are the GET routes that answer something other than a page.
var notPages = map[string]string{
	"/goto":        "redirects to the page's URL",
	"/livez":       "health check, plain text",
	"/readyz":      "health check, plain text",
	"/admin/stats": "the dashboard's htmx partial",
}

// titled is what a role sees at a path: the page's title (after following
// one redirect, to the login page for instance).
type titled struct {
	anonymous, user, staff string
}

// wantTitles names every page's title, for each role. A GET route that is
// in neither this table nor notPages fails the test, so that a new page
// gets its title checked.
func wantTitles(sessionHash, shortKey string, ids map[string]string) map[string]struct {
	path string
	want titled
} {
	const login, forbidden = "Log in", "Not allowed"
	return map[string]struct {
		path string
		want titled
	}{
		"/":                        {"/", titled{"Home", "Home", "Home"}},
		"/about":                   {"/about", titled{"About", "About", "About"}},
		"/search":                  {"/search?q=py", titled{"Categories starting with “py”", "Categories starting with “py”", "Categories starting with “py”"}},
		"/cookies":                 {"/cookies", titled{"Your cookies", "Your cookies", "Your cookies"}},
		"/consent":                 {"/consent", titled{"Cookie settings", "Cookie settings", "Cookie settings"}},
		"/category/:slug":          {"/category/python", titled{"Python", "Python", "Python"}},
		"/add_category":            {"/add_category", titled{login, "Add a category", "Add a category"}},
		"/category/:slug/add_page": {"/category/python/add_page", titled{login, "Add a page to Python", "Add a page to Python"}},
		"/register":                {"/register", titled{"Register", "Register", "Register"}},
		"/login":                   {"/login", titled{login, login, login}},
		"/restricted":              {"/restricted", titled{login, "Restricted", "Restricted"}},
		"/account/sessions":        {"/account/sessions", titled{login, "Your sessions", "Your sessions"}},
		"/account/password":        {"/account/password", titled{login, "Change your password", "Change your password"}},
		"/account/delete":          {"/account/delete", titled{login, "Delete your account", "Delete your account"}},
		// The admin's titles end in " · Rango admin" instead.
		"/admin/":               {"/admin/", titled{login, forbidden, "Dashboard"}},
		"/admin/sessions":       {"/admin/sessions", titled{login, forbidden, "Sessions"}},
		"/admin/sessions/:hash": {"/admin/sessions/" + sessionHash, titled{login, forbidden, "Session " + shortKey}},
		"/admin/audit":          {"/admin/audit", titled{login, forbidden, "Audit trail"}},
		"/admin/settings":       {"/admin/settings", titled{login, forbidden, "Settings"}},
		"/admin/categories":     {"/admin/categories", titled{login, forbidden, "Categories"}},
		"/admin/categories/:id": {"/admin/categories/" + ids["category"], titled{login, forbidden, "Python"}},
		"/admin/pages":          {"/admin/pages", titled{login, forbidden, "Pages"}},
		"/admin/pages/:id":      {"/admin/pages/" + ids["page"], titled{login, forbidden, ids["pageTitle"]}},
		"/admin/users":          {"/admin/users", titled{login, forbidden, "Users"}},
		"/admin/users/:id":      {"/admin/users/" + ids["user"], titled{login, forbidden, "titled"}},
	}
}

// title fetches path (following one redirect) and returns the page's
// title without the " · Rango" (or " · Rango admin") every title ends
// with.
func title(t *testing.T, c *testsite.Client, path string) string {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode == http.StatusSeeOther || r.StatusCode == http.StatusFound {
		r = c.Get(r.Header.Get("Location"))
	}
	return pageTitle(t, r)
}

func pageTitle(t *testing.T, r *testsite.Response) string {
	t.Helper()
	d := doc(t, r)
	if n := d.Find("title").Length(); n != 1 {
		t.Fatalf("%s: %d <title> elements", r.Request.URL.Path, n)
	}
	full := d.Find("title").Text()
	name, ok := strings.CutSuffix(full, " · Rango admin")
	if !ok || !strings.HasPrefix(r.Request.URL.Path, "/admin/") {
		name, ok = strings.CutSuffix(full, " · Rango")
	}
	if !ok || strings.TrimSpace(name) == "" {
		t.Errorf("%s: title %q, want “<what the page is> · Rango”", r.Request.URL.Path, full)
	}
	return name
}

// TestEveryPageHasItsTitle walks every GET route as an anonymous visitor,
// a user and a staff user, and checks each page's title; then the pages
// that re-render a refused form, and the error pages.
func TestEveryPageHasItsTitle(t *testing.T) {
	site := testsite.Start(t, db, nil)
	anonymous := site.NewClient(t)
	anonymous.Get("/")
	user := site.NewClient(t)
	user.Register("titled", "correct horse battery")
	if _, err := site.Store.MakeStaff(context.Background(), "titleboss", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	staff := site.NewClient(t)
	staff.Login("titleboss", "correct horse battery")
	hash := web.KeyHash(staff.Cookie(web.SessionCookie))

	ids := map[string]string{}
	var cat, page, firstTitle, member string
	site.Store.DB().Raw("SELECT id FROM categories WHERE slug = 'python'").Row().Scan(&cat)
	site.Store.DB().Raw("SELECT id, title FROM pages WHERE category_id = ? ORDER BY id LIMIT 1", cat).Row().Scan(&page, &firstTitle)
	site.Store.DB().Raw("SELECT id FROM users WHERE username = 'titled'").Row().Scan(&member)
	ids["category"], ids["page"], ids["pageTitle"], ids["user"] = cat, page, firstTitle, member
	want := wantTitles(hash, web.ShortKey(staff.Cookie(web.SessionCookie)), ids)
	for _, route := range site.Server.Fiber.GetRoutes(true) {
		if route.Method != http.MethodGet {
			continue
		}
		if _, skip := notPages[route.Path]; skip || strings.HasPrefix(route.Path, "/static") {
			continue
		}
		tc, ok := want[route.Path]
		if !ok {
			t.Errorf("GET %s: no title in wantTitles; add the page's expected title there", route.Path)
			continue
		}
		t.Run(strings.ReplaceAll(route.Path, "/", "_"), func(t *testing.T) {
			for _, role := range []struct {
				name string
				c    *testsite.Client
				want string
			}{{"anonymous", anonymous, tc.want.anonymous}, {"user", user, tc.want.user}, {"staff", staff, tc.want.staff}} {
				if got := title(t, role.c, tc.path); got != role.want {
					t.Errorf("%s, GET %s: title %q, want %q", role.name, tc.path, got, role.want)
				}
			}
		})
	}

	// A refused form keeps the page's title, whatever was typed.
	user.Get("/category/python/add_page")
	r := user.Post("/category/python/add_page", url.Values{"title": {"Example"}, "url": {"javascript:alert(1)"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := pageTitle(t, r); got != "Add a page to Python" {
		t.Errorf("refused add page: title %q, want “Add a page to Python”", got)
	}
	user.Get("/add_category")
	if got := pageTitle(t, user.Post("/add_category", url.Values{"name": {""}})); got != "Add a category" {
		t.Errorf("refused add category: title %q", got)
	}
	anonymous.Get("/login")
	if got := pageTitle(t, anonymous.Post("/login", url.Values{"username": {"nobody"}, "password": {"wrong password"}})); got != "Log in" {
		t.Errorf("refused login: title %q", got)
	}
	for path, want := range map[string]string{"/nowhere": "Page not found", "/category/no-such-thing": "Page not found"} {
		if got := pageTitle(t, anonymous.Get(path)); got != want {
			t.Errorf("GET %s: title %q, want %q", path, got, want)
		}
	}
	if got := pageTitle(t, user.Get("/admin/")); got != "Not allowed" {
		t.Errorf("403 page: title %q", got)
	}
}
