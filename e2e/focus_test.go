package e2e

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rango/internal/testsite"
)

// loggedInBrowser registers a new user over HTTP and logs a browser in.
func loggedInBrowser(t *testing.T, site *testsite.Site, prefix string) (*browser, string) {
	t.Helper()
	name := prefix + "_" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	const password = "focused password"
	c := site.NewClient(t)
	if r := c.Register(name, password); r.StatusCode != 303 {
		t.Fatalf("register %s: %d", name, r.StatusCode)
	}
	b := newBrowser(t, site.URL)
	b.logIn(name, password)
	b.do("decline optional cookies", chromedp.Click(chromedp.CSS(`#consent-banner button[value="reject"]`), chromedp.NodeVisible),
		chromedp.WaitNotPresent(chromedp.CSS(consentBanner)))
	return b, name
}

// TestLikeKeepsFocusAndIsAnnounced: a like by keyboard leaves the focus on
// the button, which now says Unlike, and the new count is announced in a
// live region; and the other way round.
func TestLikeKeepsFocusAndIsAnnounced(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := loggedInBrowser(t, site, "liker")
	b.open("/category/python")
	before := b.likes()
	b.markPage()
	b.do("focus Like", chromedp.Focus(chromedp.CSS(likeButton)))
	b.press("Enter on Like", kb.Enter)
	b.waitUntil("wait for the count to go up",
		`(document.querySelector(`+jsString(likeCount)+`)?.textContent.trim() ?? "") === `+jsString(strconv.Itoa(before+1)))
	b.expectNoReload("liking")
	if got := b.activeElement(); !strings.HasPrefix(got, "button#like-toggle-") || !strings.Contains(got, `"Unlike"`) {
		t.Errorf("after the like the focus is on %s, want the button, now Unlike", got)
	}
	live := `document.getElementById("announcer")`
	b.waitUntil("wait for the announcement", live+`.textContent === "You like Python. It has `+strconv.Itoa(before+1)+` likes."`)
	if got := eval[string](b, "the announcer's politeness", live+`.getAttribute("aria-live")`); got != "polite" {
		t.Errorf("#announcer is aria-live=%q, want polite", got)
	}
	b.press("Enter on Unlike", kb.Enter)
	b.waitUntil("wait for the announcement", live+`.textContent === "You no longer like Python. It has `+strconv.Itoa(before)+` likes."`)
	if got := b.activeElement(); !strings.Contains(got, `"Like"`) {
		t.Errorf("after the unlike the focus is on %s, want the Like button", got)
	}
}

// TestNavigationFocusAndMenu: an htmx navigation moves the focus to the new
// page's heading and updates the title and the active link; a flash
// message after a form is announced; on a phone Escape closes the menu and
// a navigation from it closes it too; the navbar's links show a visible
// focus ring.
func TestNavigationFocusAndMenu(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	b, _ := loggedInBrowser(t, site, "navigator")
	b.viewport(desktopWidth, desktopHeight)
	b.open("/")
	b.markPage()
	b.do("follow Find", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/search"]`), chromedp.NodeVisible))
	b.waitUntil("wait for the page", `document.title === "Find a category · Rango"`)
	b.expectNoReload("following a link")
	b.waitUntil("wait for the focus on the heading", `document.activeElement === document.querySelector("main h1")`)
	if got := b.text(`#nav-menu a[aria-current="page"]`); got != "Find" {
		t.Errorf("the active link says %q, want Find", got)
	}

	// A refused form: the focus goes to the first field with an error.
	b.open("/add_category")
	b.do("send the empty form", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`), chromedp.NodeVisible))
	b.waitUntil("wait for the focus on the field", `document.activeElement === document.getElementById("name") && document.getElementById("name").getAttribute("aria-invalid") === "true"`)

	// A flash message after a form is said in the announcer too.
	name := "Flashy " + strconv.FormatInt(time.Now().UnixNano()%1e6, 10)
	b.typeInto("#name", name)
	b.do("send the form", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`), chromedp.NodeVisible))
	b.do("wait for the category", chromedp.WaitVisible(chromedp.CSS(`#flash [data-testid="flash"]`)))
	if got := b.text(`#flash [data-testid="flash"]`); got != "The category was added." {
		t.Errorf("flash %q", got)
	}
	b.waitUntil("wait for the announcement", `document.getElementById("announcer").textContent === "The category was added."`)

	// Keyboard focus on the dark navbar is drawn white.
	b.open("/")
	b.do("start at the top", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	b.press("Tab to the skip link", kb.Tab)
	b.press("Tab to the brand", kb.Tab)
	ring := eval[string](b, "the focus ring", `(() => { const s = getComputedStyle(document.activeElement); return document.activeElement.className + ": " + s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor })()`)
	if !strings.Contains(ring, "navbar-brand") || !strings.HasSuffix(ring, "solid 2px rgb(255, 255, 255)") {
		t.Errorf("the focused navbar link's ring: %s, want a solid 2px white outline", ring)
	}

	// The phone menu.
	b.viewport(phoneWidth, phoneHeight)
	b.open("/")
	menuOpen := `document.querySelector("details.rango-menu").open`
	b.do("focus the menu button", chromedp.Focus(chromedp.CSS(".rango-menu-toggle")))
	b.press("Enter on Menu", kb.Enter)
	b.waitUntil("wait for the menu to open", menuOpen)
	b.press("Tab into the menu", kb.Tab)
	b.press("Escape", kb.Escape)
	b.waitUntil("wait for the menu to close", "!"+menuOpen)
	if got := b.activeElement(); !strings.HasPrefix(got, "summary") {
		t.Errorf("after Escape the focus is on %s, want the menu button", got)
	}
	b.press("Enter on Menu", kb.Enter)
	b.waitUntil("wait for the menu to open", menuOpen)
	b.markPage()
	b.do("follow About", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/about"]`), chromedp.NodeVisible))
	b.waitUntil("wait for the page", `document.title === "About · Rango"`)
	b.expectNoReload("following a link")
	b.waitUntil("wait for the menu to close", "!"+menuOpen)

	// Back: history restore brings the whole page.
	b.do("go back", chromedp.NavigateBack())
	b.waitUntil("wait for the home page", `document.title === "Home · Rango" && document.querySelector("main h1") !== null`)
	if u, _ := url.Parse(run(b, "read the address", chromedp.Location())); u.Path != "/" {
		t.Errorf("back went to %s", u.Path)
	}
}
