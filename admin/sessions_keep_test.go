package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/internal/testsite"
	"rango/web"
)

// TestListAndInspectorShowBrowserLength: the admin tells a session that
// ends with the browser, by its user's choice at login, from one kept
// signed in: a badge in the list, the cookie lifetime in the inspector.
func TestListAndInspectorShowBrowserLength(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "keepboss")
	const password = "Amber Kettle Signal 55"
	site.NewClient(t).Register("keepless", password)
	login := func(keep bool) string {
		c := site.NewClient(t)
		c.Get("/login")
		form := url.Values{"username": {"keepless"}, "password": {password}}
		if keep {
			form.Set("keep", "on")
		}
		wantStatus(t, c.Post("/login", form), http.StatusSeeOther)
		return web.KeyHash(c.Cookie(web.SessionCookie))
	}
	browser, kept := login(false), login(true)
	list := doc(t, staff.Get("/admin/sessions?user=keepless"))
	badge := func(hash string) bool {
		return list.Find(`#row-`+hash+` [data-testid="browser-length"]`).Length() == 1
	}
	if !badge(browser) || badge(kept) {
		t.Errorf("browser-length badge: %v for the browser-length session, %v for the kept one; want true, false", badge(browser), badge(kept))
	}
	for hash, want := range map[string]string{browser: "the user did not ask to be kept signed in", kept: "kept signed in"} {
		got := doc(t, staff.Get("/admin/sessions/"+hash)).Find(`[data-testid="persistence"]`).Text()
		if !strings.Contains(got, want) {
			t.Errorf("the inspector says %q, want %q", got, want)
		}
	}
}
