package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rango/internal/testsite"
	"rango/web"
)

func TestConsentBanner(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	if doc(t, c.Get("/")).Find("#consent-banner").Length() != 1 {
		t.Fatal("a first-time visitor must see the consent banner")
	}
	if c.Cookie("visits") != "" {
		t.Fatal("the client-side counter must wait for consent")
	}
	r := c.Post("/consent", url.Values{"choice": {"accept"}, "next": {"/about"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/about" {
		t.Fatalf("consent: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if c.Cookie(web.ConsentCookie) != web.ConsentAccepted {
		t.Fatal("the choice is not kept in a cookie")
	}
	d := doc(t, c.Get("/"))
	if d.Find("#consent-banner").Length() != 0 {
		t.Error("the banner came back after a choice")
	}
	visits := c.Cookie("visits")
	if visits == "" || visits == "1" || c.Cookie("last_visit") == "" {
		t.Fatalf("after Accept, / must set the encrypted counter cookies; visits=%q", visits)
	}
	d = doc(t, c.Get("/cookies"))
	if got := d.Find("[data-testid=client-visits]").Text(); !strings.Contains(got, "1") {
		t.Errorf("client counter on /cookies = %q", got)
	}
}

// TestConsentByHTMXRemovesBanner: the banner's htmx request empties its
// slot and puts the confirmation into the flash area, out of band.
func TestConsentByHTMXRemovesBanner(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	r := c.Do(http.MethodPost, "/consent", url.Values{"choice": {"reject"}, "_csrf": {c.CSRF}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"consent-slot"}})
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	flash := d.Find(`#flash[hx-swap-oob="innerHTML"]`)
	if flash.Length() != 1 || !strings.Contains(flash.Text(), "only the cookies it cannot work without") {
		t.Errorf("htmx consent should answer the confirmation for the flash area, got %q", r.Body)
	}
	if d.Find("#consent-banner").Length() != 0 {
		t.Error("the answer shows the banner again")
	}
	if c.Cookie(web.ConsentCookie) != web.ConsentRejected {
		t.Error("reject not recorded")
	}
	c.Get("/")
	if c.Cookie("visits") != "" {
		t.Error("counter cookies set despite Reject")
	}
}

// TestCookieSettings: "Cookie settings" shows the banner again in its
// slot (htmx) or a page with the same choice; from there a visitor who
// accepted can reject, which deletes the counter's cookies.
func TestCookieSettings(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	c.Post("/consent", url.Values{"choice": {"accept"}})
	d := doc(t, c.Get("/"))
	if d.Find("#consent-banner").Length() != 0 {
		t.Fatal("the banner shows after a choice")
	}
	if d.Find(`footer a[href="/consent"][hx-target="#consent-slot"]`).Length() != 1 {
		t.Error("the footer has no Cookie settings link")
	}
	if c.Cookie("visits") == "" {
		t.Fatal("no counter after accept")
	}

	banner := c.Do(http.MethodGet, "/consent", nil, http.Header{"HX-Request": {"true"}, "HX-Target": {"consent-slot"},
		"HX-Current-URL": {site.URL + "/about?x=1"}})
	wantStatus(t, banner, http.StatusOK)
	bd := doc(t, banner)
	if bd.Find("#consent-banner form[hx-post='/consent']").Length() != 1 || bd.Find("nav").Length() != 0 {
		t.Fatalf("Cookie settings with htmx should answer the banner alone:\n%s", banner.Body)
	}
	if next, _ := bd.Find(`input[name="next"]`).Attr("value"); next != "/about?x=1" {
		t.Errorf("the banner's way back is %q, want the page it opened on", next)
	}
	if !strings.Contains(bd.Text(), "You let Rango count your visits") {
		t.Errorf("the banner does not say what was chosen: %q", strings.TrimSpace(bd.Text()))
	}

	page := c.Get("/consent")
	wantStatus(t, page, http.StatusOK)
	pd := doc(t, page)
	if got := pd.Find("title").Text(); got != "Cookie settings · Rango" {
		t.Errorf("title %q", got)
	}
	if pd.Find("main form[action='/consent'] button[value=reject]").Length() != 1 || pd.Find("#consent-banner").Length() != 0 {
		t.Error("the settings page should offer the choice once, in the page")
	}
	r := c.Post("/consent", url.Values{"choice": {"reject"}, "next": {"/consent"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/consent" {
		t.Fatalf("reject from the settings page: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if c.Cookie("visits") != "" || c.Cookie("last_visit") != "" {
		t.Error("withdrawing consent must delete the counter cookies")
	}
	if got := doc(t, c.Get("/consent")).Find("[data-testid=flash]").Text(); !strings.Contains(got, "only the cookies") {
		t.Errorf("no confirmation after the choice, flash %q", got)
	}
}

func TestRejectDeletesCounterCookies(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	c.Post("/consent", url.Values{"choice": {"accept"}})
	c.Get("/")
	if c.Cookie("visits") == "" {
		t.Fatal("no counter after accept")
	}
	c.Post("/consent", url.Values{"choice": {"reject"}})
	if c.Cookie("visits") != "" || c.Cookie("last_visit") != "" {
		t.Error("Reject must delete the counter cookies")
	}
}

func TestTamperedCounterCookiesAreIgnored(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	c.Post("/consent", url.Values{"choice": {"accept"}})
	c.Get("/")
	good := c.Cookie("visits")
	for _, forged := range []string{"1000", "%%%", "", "AAAA", good[:len(good)-2] + "xx", strings.Repeat("A", 3000), "\"quoted\""} {
		c.SetCookie("visits", forged)
		c.SetCookie("last_visit", forged)
		for _, path := range []string{"/", "/cookies", "/about"} {
			r := c.Get(path)
			wantStatus(t, r, http.StatusOK)
		}
		if got := doc(t, c.Get("/cookies")).Find("[data-testid=client-visits]").Text(); strings.Contains(got, "1000") {
			t.Errorf("forged counter %q was believed: %q", forged, got)
		}
	}
}
