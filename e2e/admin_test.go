package e2e

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rango/internal/testsite"
	"rango/web"
)

// logIn fills in and sends the login form, and waits for the navigation to
// name the user.
func (b *browser) logIn(name, password string) {
	b.t.Helper()
	b.open("/login")
	b.do("fill in the login form",
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`), chromedp.NodeVisible))
	b.expectLoggedIn(name)
}

// acceptDialogs answers every JavaScript dialog of the tab (alert, confirm,
// prompt) with OK until the test ends, and returns a channel of their
// messages. Without it an hx-confirm dialog blocks the page, and the click
// that opened it, for ever.
func (b *browser) acceptDialogs() <-chan string {
	b.t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	messages := make(chan string, 16)
	// Events subscribes when it returns, so no dialog opened after this
	// call is missed.
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	var done sync.WaitGroup
	// This cleanup runs before newBrowser's, which closes Chromium; the
	// goroutine is gone before the test ends and cannot outlive it.
	b.t.Cleanup(func() {
		cancel()
		done.Wait()
	})
	done.Go(func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			// Answer from this goroutine, not from the one that clicked: the
			// click waits for the dialog to close.
			callCtx, cancelCall := context.WithTimeout(ctx, stepTimeout)
			_, err := chromedp.Call(callCtx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			cancelCall()
			msg := string(ev.Type) + ": " + ev.Message
			if err != nil {
				msg += " (could not accept it: " + err.Error() + ")"
			}
			select {
			case messages <- msg:
			default:
			}
		}
	})
	return messages
}

// dialog waits for the next dialog of acceptDialogs and returns its
// message; when none opens within a step's time the step fails, instead
// of the test waiting until the package's deadline.
func (b *browser) dialog(what string, dialogs <-chan string) string {
	b.t.Helper()
	select {
	case msg := <-dialogs:
		return msg
	case <-time.After(stepTimeout):
		b.fatal(what, context.DeadlineExceeded)
		return ""
	}
}

// Selectors of the admin session list.
const (
	sessionTable = "#session-table"
	filterForm   = `main form[role="search"][action="/admin/sessions"]`
	filterButton = filterForm + ` button[type="submit"]`
)

// TestStaffEndsUserSession has a member of staff find a user's session in
// the admin list by the user filter and end it with htmx, after accepting
// the confirm dialog; the user's next request is logged out.
func TestStaffEndsUserSession(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (install the chromium package to run the browser tests): %v", chromiumPath, err)
	}
	site := testsite.Start(t, db, nil)
	start := time.Now()
	step := func(name string) { t.Logf("%5.1fs %s", time.Since(start).Seconds(), name) }
	// New names on every run, so that -count=N does not meet the accounts
	// an earlier run made in the same database.
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	victim, boss := "victim_"+suffix, "boss_"+suffix

	step("1. the victim registers and is logged in")
	c := site.NewClient(t)
	if r := c.Register(victim, "victim password"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register %s: status %d, want %d\n%.1500s", victim, r.StatusCode, http.StatusSeeOther, r.Body)
	}
	if r := c.Get("/"); !strings.Contains(r.Body, `data-testid="whoami"`) {
		t.Fatalf("after registering, / does not show who is logged in (status %d)\n%.1500s", r.StatusCode, r.Body)
	}
	key := c.Cookie(web.SessionCookie)
	if key == "" {
		t.Fatalf("the victim has no %s cookie", web.SessionCookie)
	}
	hash := web.KeyHash(key)
	row := "#row-" + hash
	endButton := row + ` form[hx-post] button[type="submit"]`

	step("2. staff logs in and filters the sessions by the victim's name")
	const bossPassword = "boss password"
	if _, err := site.Store.MakeStaff(context.Background(), boss, bossPassword); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, site.URL)
	dialogs := b.acceptDialogs()
	b.logIn(boss, bossPassword)
	b.open("/admin/sessions")
	b.do("wait for the session list", chromedp.WaitVisible(chromedp.CSS(sessionTable)))
	b.markPage()
	// The filter form sends a request 300 ms after the last keyup in a
	// search box, on every change (also when the box loses focus) and on
	// submit. Remember the last keyup so that the wait below can outlast
	// the delayed request.
	b.do("watch keyups", chromedp.Evaluate[chromedp.Void](
		`window.__lastKeyup = 0; document.addEventListener("keyup", () => { window.__lastKeyup = performance.now() }, true)`))
	b.do("filter by the victim's name",
		chromedp.SendKeys(chromedp.ID("user"), victim),
		chromedp.Click(chromedp.CSS(filterButton), chromedp.NodeVisible))
	// Only the victim's rows, the victim's session among them, and no
	// request in flight or still to come: a table swapped in late would
	// bring back the row that step 3 removes. And settled: htmx gives the
	// new rows' End buttons their hx-post and hx-confirm only then.
	b.waitUntil("wait for the table to show only the victim's sessions", `(() => {
		const table = document.querySelector(`+jsString(sessionTable)+`);
		if (!table || !table.querySelector(`+jsString(row)+`)) return false;
		const rows = [...table.querySelectorAll("tbody tr[data-hash]")];
		if (!rows.every(r => r.cells[2] && r.cells[2].textContent.trim() === `+jsString(victim)+`)) return false;
		return document.querySelector(`+jsString(htmxBusy)+`) === null && performance.now() - window.__lastKeyup > 600;
	})()`)
	b.do("wait for the victim's session row", chromedp.WaitVisible(chromedp.CSS(row)))
	b.expectNoReload("filtering the sessions")
	if got := b.text(endButton); got != "End" {
		t.Fatalf("the row's button says %q, want “End”", got)
	}

	step("3. staff ends the session")
	b.do("click End", chromedp.Click(chromedp.CSS(endButton), chromedp.NodeVisible))
	if msg, want := b.dialog("wait for the confirm dialog", dialogs), "confirm: End this session of "+victim+"? Its browser will be logged out."; msg != want {
		t.Fatalf("the dialog was %q, want %q", msg, want)
	}
	b.do("wait for htmx to remove the row", chromedp.WaitNotPresent(chromedp.CSS(row)))
	b.expectNoReload("ending a session")

	step("4. the victim is logged out")
	r := c.Get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("the victim's next request: status %d, want %d", r.StatusCode, http.StatusOK)
	}
	if strings.Contains(r.Body, `data-testid="whoami"`) {
		t.Fatal("after staff ended the session, the victim's next page still shows who is logged in")
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(d.Find(loginLink).Text()); got != "Log in" {
		t.Fatalf("the victim's navigation has login link %q, want “Log in”", got)
	}
	if c.Cookie(web.SessionCookie) == key {
		t.Error("the victim's browser still holds the ended session key")
	}
	step("done")
}
