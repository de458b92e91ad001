package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/internal/testsite"
)

// TestPageURLNormalisation: as in the tutorial's PageForm.clean, a URL
// without a scheme gets http://; web URLs stay as typed; other schemes and
// hosts that are no web server's are refused with a message, the typed
// text kept in the form.
func TestPageURLNormalisation(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("linker", "long enough")
	saved := func(title string) string {
		var u string
		if err := site.Store.DB().Raw("SELECT url FROM pages WHERE title = ?", title).Row().Scan(&u); err != nil {
			return ""
		}
		return u
	}
	for i, tc := range []struct {
		typed, stored string // stored "" means refused
	}{
		{"www.google.com", "http://www.google.com"},
		{"example.com/x", "http://example.com/x"},
		{"example.com/a:b?q=1#top", "http://example.com/a:b?q=1#top"},
		{"example.com:8080/path", "http://example.com:8080/path"},
		{"localhost:8000", "http://localhost:8000"},
		{"//cdn.example.org/lib.js", "http://cdn.example.org/lib.js"},
		{"127.0.0.1/admin", "http://127.0.0.1/admin"},
		{"http://example.com", "http://example.com"},
		{"https://www.tangowithdjango.com/", "https://www.tangowithdjango.com/"},
		{"HTTPS://Example.COM/Path", "HTTPS://Example.COM/Path"},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(document.cookie)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"vbscript:msgbox", ""},
		{"mailto:someone@example.com", ""},
		{"ftp://example.com/file", ""},
		{"file:///etc/passwd", ""},
		{"http://", ""},
		{"http:example.com", ""},
		{"google", ""},
		{"exa mple.com", ""},
		{"user:pass@example.com", ""},
		{"-bad-.example", ""},
	} {
		title := "Normalised " + string(rune('A'+i))
		c.Get("/category/python/add_page")
		r := c.Post("/category/python/add_page", url.Values{"title": {title}, "url": {tc.typed}})
		if tc.stored == "" {
			wantStatus(t, r, http.StatusUnprocessableEntity)
			d := doc(t, r)
			if msg := d.Find("#url-error").Text(); !strings.Contains(msg, "must be a web address") {
				t.Errorf("%q: message %q", tc.typed, msg)
			}
			if v, _ := d.Find("#url").Attr("value"); v != tc.typed {
				t.Errorf("%q: the form shows %q, want what was typed", tc.typed, v)
			}
			if got := saved(title); got != "" {
				t.Errorf("%q was saved as %q", tc.typed, got)
			}
			continue
		}
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("%q: %d, want 303 (saved); %s", tc.typed, r.StatusCode, doc(t, r).Find("#url-error").Text())
			continue
		}
		if got := saved(title); got != tc.stored {
			t.Errorf("%q saved as %q, want %q", tc.typed, got, tc.stored)
		}
	}

	// The register form's website gets the same treatment.
	web := site.NewClient(t)
	web.Get("/register")
	r := web.Post("/register", url.Values{"username": {"sitebuilder"}, "password": {"long enough"}, "password2": {"long enough"}, "website": {"example.org"}})
	wantStatus(t, r, http.StatusSeeOther)
	var website string
	if err := site.Store.DB().Raw("SELECT website FROM users WHERE username = 'sitebuilder'").Row().Scan(&website); err != nil || website != "http://example.org" {
		t.Errorf("website saved as %q (%v), want http://example.org", website, err)
	}
}
