package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rango/internal/testsite"
)

// pageState is one state of a page that axe-core checks: how to get there.
type pageState struct {
	name    string
	prepare func(b *browser)
}

func openState(name, path string) pageState {
	return pageState{name, func(b *browser) { b.open(path) }}
}

// submitState opens a form, fills in fields (selector to text) and sends
// it, then waits for the errors.
func submitState(name, path string, fields map[string]string) pageState {
	return pageState{name, func(b *browser) {
		b.open(path)
		for sel, text := range fields {
			b.typeInto(sel, text)
		}
		b.do("send the form", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`), chromedp.NodeVisible))
		b.do("wait for the errors", chromedp.WaitVisible(chromedp.CSS(`main [aria-invalid="true"], main [role="alert"]`)))
	}}
}

// TestNoAccessibilityViolations runs axe-core (WCAG 2.1 A and AA) on every
// public and account page, anonymous with the cookie banner open and
// logged in, on forms with errors and after htmx swaps, each at 1280x800
// and at 390x844.
func TestNoAccessibilityViolations(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, site.URL)
	name := "axe_" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	const password = "accessible password"

	anonymous := []pageState{
		openState("home, cookie banner open", "/"),
		{"home, suggestions open", func(b *browser) {
			b.open("/")
			b.typeInto("#q", "P")
			b.waitUntil("wait for the suggestions", `document.querySelectorAll("#suggestions a").length > 1`)
		}},
		{"home, no suggestion", func(b *browser) {
			b.open("/")
			b.typeInto("#q", "zzz")
			b.do("wait for the message", chromedp.WaitVisible(chromedp.CSS(`[data-testid="no-match"]`)))
		}},
		openState("about", "/about"),
		openState("search", "/search"),
		openState("search results", "/search?q=p"),
		openState("search, no match", "/search?q=zzz"),
		openState("category", "/category/python"),
		openState("cookies", "/cookies"),
		openState("cookie settings", "/consent"),
		openState("login", "/login"),
		submitState("login with errors", "/login", nil),
		openState("register", "/register"),
		submitState("register with errors", "/register", map[string]string{"#username": "no spaces allowed", "#email": "nope", "#password": "short"}),
		openState("page not found", "/category/no-such-thing"),
		{"cookies accepted, confirmation shown", func(b *browser) {
			b.open("/about")
			b.do("accept cookies", chromedp.Click(chromedp.CSS(acceptButton), chromedp.NodeVisible))
			b.do("wait for the confirmation", chromedp.WaitVisible(chromedp.CSS(`#flash [data-testid="flash"]`)))
		}},
		{"cookie settings open again", func(b *browser) {
			b.open("/")
			b.do("open cookie settings", chromedp.Click(chromedp.CSS(`[data-testid="cookie-settings"]`), chromedp.NodeVisible))
			b.do("wait for the banner", chromedp.WaitVisible(chromedp.CSS(consentBanner)))
		}},
	}
	member := []pageState{
		openState("home, logged in", "/"),
		openState("about, logged in", "/about"),
		openState("category, logged in", "/category/python"),
		{"category after a like", func(b *browser) {
			b.open("/category/django")
			b.do("like", chromedp.Click(chromedp.CSS(likeButton), chromedp.NodeVisible))
			b.waitUntil("wait for the announcement", `document.getElementById("announcer").textContent.startsWith("You like")`)
		}},
		openState("search, no match, logged in", "/search?q=zzz"),
		openState("add a category", "/add_category"),
		submitState("add a category with errors", "/add_category", nil),
		openState("add a page", "/category/python/add_page"),
		submitState("add a page with errors", "/category/python/add_page", map[string]string{"#url": "javascript:alert(1)"}),
		openState("restricted", "/restricted"),
		openState("your sessions", "/account/sessions"),
		openState("change password", "/account/password"),
		submitState("change password with errors", "/account/password", map[string]string{"#current": "wrong password"}),
		openState("cookies, logged in", "/cookies"),
		{"about after an htmx navigation", func(b *browser) {
			b.open("/")
			b.markPage()
			b.do("follow the About link", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/about"]`), chromedp.NodeVisible))
			b.waitUntil("wait for the About page", `document.title === "About · Rango"`)
			b.expectNoReload("following a link")
		}},
	}

	check := func(states []pageState) {
		for _, s := range states {
			b.viewport(desktopWidth, desktopHeight)
			s.prepare(b)
			b.axeClean(s.name + ", 1280x800")
			b.viewport(phoneWidth, phoneHeight)
			b.axeClean(s.name + ", 390x844")
		}
	}
	check(anonymous)
	b.viewport(desktopWidth, desktopHeight)
	b.open("/register")
	b.do("register",
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password2"), password),
		chromedp.Click(chromedp.CSS(`main form[action="/register"] button[type="submit"]`), chromedp.NodeVisible))
	b.expectLoggedIn(name)
	check(member)
}
