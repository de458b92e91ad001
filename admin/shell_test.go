package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/web"
)

func TestAdminShell(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "shellboss")
	hash := web.KeyHash(staff.Cookie(web.SessionCookie))
	for _, tc := range []struct {
		path, h1, section, crumbs string
	}{
		{"/admin/", "Dashboard", "Dashboard", ""},
		{"/admin/sessions", "Sessions", "Sessions", "Admin"},
		{"/admin/sessions/" + hash, "Session " + web.ShortKey(staff.Cookie(web.SessionCookie)), "Sessions", "Admin Sessions"},
		{"/admin/settings", "Settings", "Settings", "Admin"},
		{"/admin/audit", "Audit trail", "Audit", "Admin"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := staff.Get(tc.path)
			wantStatus(t, r, http.StatusOK)
			d := doc(t, r)
			if h1 := d.Find("h1"); h1.Length() != 1 || h1.Text() != tc.h1 {
				t.Errorf("h1 %q, want %q", h1.Text(), tc.h1)
			}
			if title := d.Find("title").Text(); title != tc.h1+" · Rango admin" {
				t.Errorf("title %q", title)
			}
			if got := d.Find("nav[aria-label='Admin sections'] a[aria-current=page]").Text(); got != tc.section {
				t.Errorf("current section %q, want %q", got, tc.section)
			}
			var crumbs []string
			d.Find("nav[aria-label=Breadcrumb] li a").Each(func(_ int, s *goquery.Selection) { crumbs = append(crumbs, s.Text()) })
			if strings.Join(crumbs, " ") != tc.crumbs {
				t.Errorf("breadcrumbs %q, want %q", crumbs, tc.crumbs)
			}
			header := d.Find("header.admin-header")
			if !strings.Contains(header.Find(".admin-brand").Text(), "Rango admin") ||
				header.Find("[data-testid=admin-user]").Length() != 1 || !strings.Contains(header.Find("[data-testid=admin-user]").Text(), "shellboss") ||
				header.Find("a[href='/'][hx-boost=false]").Text() != "View site" || header.Find("form[action='/logout'] button").Length() != 1 {
				t.Errorf("the admin header lacks the brand, the user, View site or Log out:\n%s", header.Text())
			}
			if strings.Contains(r.Body, "Add a category") || strings.Contains(r.Body, "/static/css/rango.css") {
				t.Error("the admin shows the public site's navigation or styles")
			}
			d.Find("th").Each(func(_ int, th *goquery.Selection) {
				if strings.TrimSpace(th.Text()) == "" {
					t.Errorf("an empty table header: %s", th.Parent().Text())
				}
			})
			// Header, content and footer share one container.
			for _, sel := range []string{"header > div", "main", "footer > div"} {
				if !d.Find(sel).HasClass("container-xxl") {
					t.Errorf("%s is not in the shared container", sel)
				}
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		r := staff.Get("/admin/no-such-page")
		wantStatus(t, r, http.StatusNotFound)
		if d := doc(t, r); d.Find("header.admin-header").Length() != 1 || d.Find("h1").Text() != "Not Found" {
			t.Errorf("an unknown admin page is not a 404 in the admin shell")
		}
	})

	t.Run("from the site", func(t *testing.T) {
		// A boosted link from a site page loads the whole admin page.
		r := staff.Do(http.MethodGet, "/admin/sessions", nil, http.Header{"HX-Request": {"true"}, "HX-Boosted": {"true"},
			"HX-Current-URL": {site.URL + "/about"}})
		if r.StatusCode != http.StatusNoContent || r.Header.Get("HX-Redirect") != "/admin/sessions" {
			t.Errorf("boosted from the site: %d, HX-Redirect %q", r.StatusCode, r.Header.Get("HX-Redirect"))
		}
		r = staff.Do(http.MethodGet, "/admin/sessions", nil, http.Header{"HX-Request": {"true"}, "HX-Boosted": {"true"},
			"HX-Current-URL": {site.URL + "/admin/"}})
		wantStatus(t, r, http.StatusOK)
		if d := doc(t, r); d.Find("header.admin-header").Length() != 1 || strings.Contains(r.Body, "<html") {
			t.Error("boosted inside the admin should get the shell alone")
		}
	})
}
