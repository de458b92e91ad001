package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/web"
)

// checkErrorsTied fails unless every field marked invalid names, in its
// aria-describedby, elements that exist and hold its error, and every
// error message is named by a field.
func checkErrorsTied(t *testing.T, what string, d *goquery.Document, wantInvalid int) {
	t.Helper()
	invalid := d.Find(`input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"]`)
	if invalid.Length() != wantInvalid {
		t.Errorf("%s: %d fields marked aria-invalid, want %d", what, invalid.Length(), wantInvalid)
	}
	named := map[string]bool{}
	d.Find("[aria-describedby]").Each(func(_ int, s *goquery.Selection) {
		ids, _ := s.Attr("aria-describedby")
		for id := range strings.FieldsSeq(ids) {
			named[id] = true
			if d.Find("#"+id).Length() != 1 {
				t.Errorf("%s: #%s names %q, which is not in the page once", what, s.AttrOr("id", "?"), id)
			}
		}
	})
	invalid.Each(func(_ int, s *goquery.Selection) {
		ids := s.AttrOr("aria-describedby", "")
		var message string
		for id := range strings.FieldsSeq(ids) {
			if strings.HasSuffix(id, "-error") {
				message += d.Find("#" + id).Text()
			}
		}
		if strings.TrimSpace(message) == "" {
			t.Errorf("%s: invalid field #%s is described by %q, which holds no error", what, s.AttrOr("id", "?"), ids)
		}
	})
	d.Find(".invalid-feedback, [role=alert]").Each(func(_ int, s *goquery.Selection) {
		if id, ok := s.Attr("id"); !ok || !named[id] {
			if s.Is("[role=alert]") && s.Closest("form").Length() == 0 && !ok {
				return // a message for the whole form, read out when it shows
			}
			t.Errorf("%s: the error %q is tied to no field", what, strings.TrimSpace(s.Text()))
		}
	})
}

// TestFormErrorsTiedToFields: on every form re-rendered with errors, the
// fields with errors say so (aria-invalid) and name their message
// (aria-describedby), so that screen readers read it with the field.
func TestFormErrorsTiedToFields(t *testing.T) {
	site := testsite.Start(t, db, nil)
	anonymous := site.NewClient(t)
	anonymous.Get("/register")
	r := anonymous.Post("/register", url.Values{"username": {"bad name!"}, "email": {"not-an-email"},
		"password": {"short"}, "password2": {"short"}, "website": {"javascript:x"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	checkErrorsTied(t, "register", doc(t, r), 4)

	anonymous.Get("/login")
	r = anonymous.Post("/login", url.Values{"username": {""}, "password": {""}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	checkErrorsTied(t, "login", doc(t, r), 2)

	user := site.NewClient(t)
	user.Register("describer", "long enough")
	user.Get("/add_category")
	r = user.Post("/add_category", url.Values{"name": {""}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	checkErrorsTied(t, "add category", doc(t, r), 1)

	user.Get("/category/python/add_page")
	r = user.Post("/category/python/add_page", url.Values{"title": {""}, "url": {"data:text/html,x"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	checkErrorsTied(t, "add page", doc(t, r), 2)

	user.Get("/account/password")
	r = user.Post("/account/password", url.Values{"current": {"wrong password"}, "password": {"new password"}, "password2": {"other password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	checkErrorsTied(t, "change password", doc(t, r), 2)

	other := site.NewClient(t)
	other.Login("describer", "long enough")
	ageAuthentication(t, site, user.Cookie(web.SessionCookie))
	user.Get("/account/sessions")
	user.Post("/account/sessions/end-others", nil)
	r = user.Post("/account/sessions/end-others", url.Values{"password": {"wrong password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	checkErrorsTied(t, "confirm password", doc(t, r), 1)

	// Without errors nothing is marked invalid.
	checkErrorsTied(t, "register, fresh", doc(t, site.NewClient(t).Get("/register")), 0)
}
