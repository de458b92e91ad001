package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rango/internal/testsite"
)

// maxBannerHeight is the tallest the consent banner may be on a phone.
const maxBannerHeight = 96

// covered is a JavaScript function that tells why the focused element is
// hidden behind the consent banner, or "" when it is not: the element's
// box must end above the banner, and its middle must be the element
// itself, not the banner over it.
const covered = `(() => {
	const e = document.activeElement, banner = document.getElementById("consent-banner");
	if (!e || !banner || banner.contains(e)) return "";
	const r = e.getBoundingClientRect(), b = banner.getBoundingClientRect();
	if (r.bottom > b.top + 0.5) return "its bottom is at " + r.bottom + ", the banner's top at " + b.top;
	const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
	if (hit && !e.contains(hit) && banner.contains(hit)) return "a click on its middle lands on the banner";
	return "";
})()`

// TestConsentBannerOnPhone: at 390x844 the banner is at most 96 px tall,
// Accept and Reject look alike, and tabbing through the register form
// never puts the focus under the banner. After Accept the confirmation is
// in a live region and the focus back where it was; "Cookie settings" in
// the footer opens the choice again, and Reject there deletes the
// counter's cookies.
func TestConsentBannerOnPhone(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	b := newBrowser(t, site.URL)
	b.viewport(phoneWidth, phoneHeight)
	b.open("/register")
	b.do("wait for the banner", chromedp.WaitVisible(chromedp.CSS(consentBanner)))

	bannerHeight := func() float64 {
		return eval[float64](b, "measure the banner", `document.getElementById("consent-banner").getBoundingClientRect().height`)
	}
	if h := bannerHeight(); h > maxBannerHeight {
		t.Errorf("the banner is %.0f px tall at 390 px wide, want at most %d", h, maxBannerHeight)
	}
	// Equally prominent: the same colours, type and size.
	style := `(v) => { const e = document.querySelector('#consent-banner button[value="' + v + '"]'), s = getComputedStyle(e), r = e.getBoundingClientRect();
		return [s.backgroundColor, s.color, s.borderColor, s.fontSize, s.fontWeight, Math.round(r.width), Math.round(r.height)].join(" ") }`
	accept := eval[string](b, "style of Accept", "("+style+`)("accept")`)
	reject := eval[string](b, "style of Reject", "("+style+`)("reject")`)
	if accept != reject {
		t.Errorf("Accept and Reject differ: %q against %q", accept, reject)
	}

	// Tab from the top of the page to the form's Register button: the
	// focused element is never under the banner.
	submit := `main form[action="/register"] button[type="submit"]`
	b.do("start at the top", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, 0)`))
	reached := false
	for i := 0; i < 40 && !reached; i++ {
		b.press("Tab", kb.Tab)
		b.settleScroll()
		if why := eval[string](b, "is the focus covered?", covered); why != "" {
			t.Errorf("after %d Tabs the focused %s is under the banner: %s", i+1, b.activeElement(), why)
		}
		reached = eval[bool](b, "on Register?", `document.activeElement === document.querySelector(`+jsString(submit)+`)`)
	}
	if !reached {
		t.Fatalf("40 Tabs did not reach the Register button; the focus is on %s", b.activeElement())
	}

	// On through the page into the banner; Enter on Accept.
	var before string
	for i := 0; i < 20; i++ {
		if eval[bool](b, "in the banner?", `document.getElementById("consent-banner").contains(document.activeElement)`) {
			break
		}
		b.settleScroll()
		if why := eval[string](b, "is the focus covered?", covered); why != "" {
			t.Errorf("the focused %s is under the banner: %s", b.activeElement(), why)
		}
		before = b.activeElement()
		b.do("remember the focus", chromedp.Evaluate[chromedp.Void](`void (window.__before = document.activeElement)`))
		b.press("Tab", kb.Tab)
	}
	for i := 0; i < 5 && !eval[bool](b, "on Accept?", `document.activeElement.matches('#consent-banner button[value="accept"]')`); i++ {
		b.press("Tab", kb.Tab)
	}
	b.markPage()
	b.press("Enter on Accept", kb.Enter)
	b.do("wait for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(consentBanner)))
	b.expectNoReload("accepting cookies")
	b.waitUntil("wait for the focus to come back", `document.activeElement === window.__before`)
	flash := b.text(`#flash [data-testid="flash"]`)
	if !strings.HasPrefix(flash, "Thanks") {
		t.Errorf("after Accept the flash area says %q", flash)
	}
	if live := eval[string](b, "the flash area's politeness", `document.getElementById("flash").getAttribute("aria-live")`); live != "polite" {
		t.Errorf("the flash area is aria-live=%q, want polite", live)
	}
	t.Logf("focus back on %s after Accept", before)

	// A visit to the home page counts in the browser's cookies now.
	b.open("/")
	cookies := func() map[string]bool {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		defer cancel()
		got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		if err != nil {
			b.fatal("read the cookies", err)
		}
		names := map[string]bool{}
		for _, c := range got.Cookies {
			names[c.Name] = true
		}
		return names
	}
	if c := cookies(); !c["visits"] || !c["last_visit"] {
		t.Fatalf("after Accept and a visit, the counter cookies are missing: %v", c)
	}

	// "Cookie settings" opens the choice again; Reject deletes the counter.
	settings := `[data-testid="cookie-settings"]`
	b.do("focus Cookie settings", chromedp.Focus(chromedp.CSS(settings)),
		chromedp.Evaluate[chromedp.Void](`void (window.__settings = document.activeElement)`))
	b.press("Enter on Cookie settings", kb.Enter)
	b.do("wait for the banner", chromedp.WaitVisible(chromedp.CSS(consentBanner)))
	b.waitUntil("wait for the focus in the banner", `document.getElementById("consent-banner").contains(document.activeElement)`)
	if h := bannerHeight(); h > maxBannerHeight {
		t.Errorf("the banner opened again is %.0f px tall, want at most %d", h, maxBannerHeight)
	}
	for i := 0; i < 5 && !eval[bool](b, "on Reject?", `document.activeElement.matches('#consent-banner button[value="reject"]')`); i++ {
		b.press("Tab", kb.Tab)
	}
	b.press("Enter on Reject", kb.Enter)
	b.do("wait for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(consentBanner)))
	b.waitUntil("wait for the focus back on Cookie settings", `document.activeElement === window.__settings`)
	if flash := b.text(`#flash [data-testid="flash"]`); !strings.HasPrefix(flash, "Understood") {
		t.Errorf("after Reject the flash area says %q", flash)
	}
	if c := cookies(); c["visits"] || c["last_visit"] {
		t.Errorf("Reject left the counter cookies: %v", c)
	}
}
