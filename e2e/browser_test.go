package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rango/internal/headless"
	"rango/internal/testsite"
)

// db is this package's throwaway database, made by TestMain.
var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "e2e", &db)
}

// chromiumPath is where Debian installs Chromium; CI has it.
const chromiumPath = headless.Chromium

// stepTimeout bounds each browser call, so that a missing element fails
// the step that waits for it instead of the whole test's deadline.
const stepTimeout = 15 * time.Second

// browser is one headless Chromium tab on the site under test. Its helpers
// fail the test with the step's name and what the page shows.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu      sync.Mutex
	console []string
}

// newBrowser starts headless Chromium with a fresh profile; it is closed
// when the test ends, before its profile directory is removed.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(headless.Options(chromiumPath, t.TempDir()), chromedp.WindowSize(1280, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: ctx, base: base}
	// Cleanups run last-in first-out: this one, registered after
	// t.TempDir, stops Chromium before its profile is deleted.
	var consoleDone sync.WaitGroup
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		consoleDone.Wait()
		if t.Failed() {
			b.mu.Lock()
			defer b.mu.Unlock()
			for _, line := range b.console {
				t.Log("browser console:", line)
			}
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	// Keep the page's console and uncaught exceptions for the failure log:
	// an htmx error shows up there and nowhere else.
	messages := chromedp.Console(ctx)
	consoleDone.Go(func() {
		for msg, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, msg.String())
			b.mu.Unlock()
		}
	})
	return b
}

// do runs steps that return nothing; what names them in a failure.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatal(what, err)
	}
}

// run runs one action that returns a value. (Methods cannot be generic.)
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatal(what, err)
	}
	return v
}

// fatal ends the test with the step, the error, and the page's address
// and visible text, which usually tell what went wrong.
func (b *browser) fatal(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 2000 {
		text = text[:2000] + "…"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("timed out after " + stepTimeout.String())
	}
	b.t.Fatalf("%s: %v\npage: %s\nvisible text:\n%s", what, err, loc, text)
}

// open loads a path of the site and waits for the page to load.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// text returns the trimmed text of the first element sel matches, waiting
// until it is visible.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// present tells, without waiting, whether sel matches an element now.
func (b *browser) present(sel string) bool {
	b.t.Helper()
	return run(b, "look for "+sel, chromedp.Evaluate[bool](`document.querySelector(`+jsString(sel)+`) !== null`))
}

// waitUntil waits until the JavaScript expression is true.
func (b *browser) waitUntil(what, expr string) {
	b.t.Helper()
	run(b, what, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(stepTimeout)))
}

// markPage sets a marker on the page's window: a full page load drops it,
// an htmx swap keeps it.
func (b *browser) markPage() {
	b.t.Helper()
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__noReload = 1`))
}

// expectNoReload fails the test when the marker of markPage is gone.
func (b *browser) expectNoReload(action string) {
	b.t.Helper()
	if !run(b, "read the page marker", chromedp.Evaluate[bool](`window.__noReload === 1`)) {
		b.t.Fatalf("%s loaded a whole new page; htmx should have swapped a part of it", action)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Selectors of what the journey looks at.
const (
	consentBanner = "#consent-banner"
	acceptButton  = `#consent-banner button[name="choice"][value="accept"]`
	whoami        = `[data-testid="whoami"]`
	logoutButton  = `nav form[action="/logout"] button[type="submit"]`
	loginLink     = `nav a[href="/login"]`
	likeCount     = `[data-testid="like-count"] .like-count`
	likeButton    = `[data-testid="like-count"] ~ form button[type="submit"]`
)

// expectLoggedIn waits for the navigation to name the user.
func (b *browser) expectLoggedIn(name string) {
	b.t.Helper()
	b.do("wait for the logged-in navigation", chromedp.WaitVisible(chromedp.CSS(whoami)))
	if got, want := b.text(whoami), "Logged in as "+name; got != want {
		b.t.Fatalf("whoami says %q, want %q", got, want)
	}
	if b.present(loginLink) {
		b.t.Fatal("the navigation offers “Log in” to a logged-in user")
	}
}

// logOut clicks the navbar's Log out button and waits for the anonymous
// navigation.
func (b *browser) logOut() {
	b.t.Helper()
	b.do("log out",
		chromedp.Click(chromedp.CSS(logoutButton), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(loginLink)))
	if got := b.text(loginLink); got != "Log in" {
		b.t.Fatalf("the navigation's login link says %q, want %q", got, "Log in")
	}
	if b.present(whoami) {
		b.t.Fatalf("after logging out the navigation still says %q", b.text(whoami))
	}
}

// likes reads the like count on a category page.
func (b *browser) likes() int {
	b.t.Helper()
	s := b.text(likeCount)
	n, err := strconv.Atoi(s)
	if err != nil {
		b.t.Fatalf("the like count %q is not a number", s)
	}
	return n
}

// TestVisitorJourney walks a new visitor through the site: the cookie
// banner, the visit counter, registering, logging out and in, liking a
// category with htmx, and logging out.
func TestVisitorJourney(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (install the chromium package to run the browser tests): %v", chromiumPath, err)
	}
	site := testsite.Start(t, db, nil)
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, site.URL)
	start := time.Now()
	step := func(name string) { t.Logf("%5.1fs %s", time.Since(start).Seconds(), name) }

	step("1. the cookie banner")
	b.open("/")
	b.do("wait for the consent banner", chromedp.WaitVisible(chromedp.CSS(consentBanner)))
	b.markPage()
	b.do("accept cookies", chromedp.Click(chromedp.CSS(acceptButton), chromedp.NodeVisible))
	b.do("wait for htmx to remove the banner", chromedp.WaitNotPresent(chromedp.CSS(consentBanner)))
	b.expectNoReload("accepting cookies")
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("nav")))
	if b.present(consentBanner) {
		t.Fatal("the consent banner is back after a reload, although the visitor accepted")
	}

	step("2. the visit counter")
	b.open("/about")
	if got, want := b.text(`[data-testid="visits"]`), "Visits: 1"; got != want {
		t.Fatalf("/about shows %q, want %q", got, want)
	}

	step("3. register")
	// A new name on every run, so that -count=N does not meet the account
	// an earlier run made in the same database.
	name := "visitor_" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	const password = "correct horse battery"
	b.open("/register")
	b.do("fill in the register form",
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("email"), "visitor@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password2"), password),
		chromedp.Click(chromedp.CSS(`main form[action="/register"] button[type="submit"]`), chromedp.NodeVisible))
	b.expectLoggedIn(name)

	step("4. log out and log in")
	b.logOut()
	b.open("/login")
	b.do("fill in the login form",
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`), chromedp.NodeVisible))
	b.expectLoggedIn(name)

	step("5. like a category")
	b.open("/category/python")
	before := b.likes()
	if got := b.text(likeButton); !strings.HasSuffix(got, "Like") || got == "Unlike" {
		t.Fatalf("the button says %q before liking, want “Like”", got)
	}
	b.markPage()
	b.do("click Like", chromedp.Click(chromedp.CSS(likeButton), chromedp.NodeVisible))
	b.waitUntil("wait for the like count to go up",
		`(document.querySelector(`+jsString(likeCount)+`)?.textContent.trim() ?? "") === `+jsString(strconv.Itoa(before+1)))
	b.expectNoReload("liking")
	if got := b.likes(); got != before+1 {
		t.Fatalf("the like count is %d, want %d", got, before+1)
	}
	if got := b.text(likeButton); got != "Unlike" {
		t.Fatalf("after liking the button says %q, want “Unlike”", got)
	}

	step("6. log out")
	b.logOut()
	step("done")
}
