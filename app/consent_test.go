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

func TestConsentByHTMXRemovesBanner(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Get("/")
	r := c.Do(http.MethodPost, "/consent", url.Values{"choice": {"reject"}, "_csrf": {c.CSRF}}, http.Header{"HX-Request": {"true"}})
	wantStatus(t, r, http.StatusOK)
	if strings.TrimSpace(r.Body) != "" {
		t.Errorf("htmx consent should answer an empty swap, got %q", r.Body)
	}
	if c.Cookie(web.ConsentCookie) != web.ConsentRejected {
		t.Error("reject not recorded")
	}
	c.Get("/")
	if c.Cookie("visits") != "" {
		t.Error("counter cookies set despite Reject")
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
