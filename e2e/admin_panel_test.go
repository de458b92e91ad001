package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rango/internal/testsite"
	"rango/web"
)

// unique returns a suffix for names that no earlier run used.
func unique() string { return strconv.FormatInt(time.Now().UnixNano()%1e10, 36) }

// staffBrowser makes a staff user and logs them in in a new browser of
// the given size (a phone's below 600 px).
func staffBrowser(t *testing.T, site *testsite.Site, name string, width, height int64) *browser {
	t.Helper()
	if _, err := site.Store.MakeStaff(context.Background(), name, "staff password"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, site.URL)
	b.viewport(desktopWidth, desktopHeight) // the site's navigation shows who logged in
	b.logIn(name, "staff password")
	b.viewport(width, height)
	return b
}

// click scrolls an element to the middle of the window, clear of the
// sticky action bar, and clicks it as a person would.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("scroll to "+sel, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).scrollIntoView({block: "center", behavior: "instant"})`))
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// expectFocus waits briefly (the focus moves when htmx has swapped or
// settled) until expr, which describes the focused element, is want. It
// is no wait for the settling: htmx gives a new element the focus of the
// old one with its id at once.
func (b *browser) expectFocus(expr, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("("+expr+") === "+jsString(want), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		b.t.Errorf("the focus is on %q, want %q", eval[string](b, "read the focus", expr), want)
	}
}

// insertSessions adds n anonymous sessions from IPs that start with
// prefix, seen a second apart, and returns their hashes, newest first.
// Those still there when the test ends are deleted, so that another run
// in the same database (-count=N) does not find them under its prefix.
func insertSessions(t *testing.T, site *testsite.Site, n int, prefix string) []string {
	t.Helper()
	now := time.Now().Unix()
	var hashes []string
	t.Cleanup(func() {
		if err := site.Store.DB().Exec("DELETE FROM sessions WHERE kh IN ?", hashes).Error; err != nil {
			t.Errorf("delete the inserted sessions: %v", err)
		}
	})
	for i := 0; i < n; i++ {
		key := web.NewSessionKey()
		err := site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, user_agent, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
			key, []byte{0}, now+3600, fmt.Sprintf("%s%d", prefix, i),
			"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", now-600, now-int64(i)).Error
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, web.KeyHash(key))
	}
	return hashes
}

// register makes a user through the site and returns their client.
func register(t *testing.T, site *testsite.Site, name string) *testsite.Client {
	t.Helper()
	c := site.NewClient(t)
	if r := c.Register(name, "correct horse battery"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register %s: %d", name, r.StatusCode)
	}
	return c
}

// loggedOut tells whether a client's next page is anonymous.
func loggedOut(c *testsite.Client) bool {
	return !strings.Contains(c.Get("/").Body, `data-testid="whoami"`)
}

const (
	rowSel         = "#session-table tbody tr[data-hash]"
	selectedCount  = "#selected-count"
	endSelected    = "#end-selected"
	confirmPanel   = "#bulk-confirm [data-testid=bulk-confirm]"
	confirmText    = "#bulk-confirm [data-testid=confirm-question]"
	confirmButton  = "#bulk-confirm [data-testid=confirm-end]"
	activeTestID   = `((document.activeElement && document.activeElement.getAttribute("data-testid")) || "")`
	totalSel       = "[data-testid=total]"
	adminNoticeSel = "#admin-notices [data-testid=notice]"
)

// rowBox is the selector of a row's checkbox.
func rowBox(hash string) string { return "#row-" + hash + ` input[name="ids"]` }

// TestAdminSearchAsYouType types into the search box and sees the list
// narrow without pressing Enter, by user name and by IP prefix.
func TestAdminSearchAsYouType(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	s := unique()
	ann := "sayt" + s + "ann"
	register(t, site, ann)
	register(t, site, "sayt"+s+"bob")
	insertSessions(t, site, 3, "10.210.7.")

	b := staffBrowser(t, site, "sayt"+s+"boss", desktopWidth, desktopHeight)
	b.open("/admin/sessions")
	b.markPage()
	b.do("type the start of a name", chromedp.SendKeys(chromedp.ID("q"), "sayt"+s+"a"))
	b.waitUntil("wait for the list to show only "+ann, `(() => {
		const rows = [...document.querySelectorAll(`+jsString(rowSel)+`)];
		return rows.length === 1 && rows[0].cells[2].textContent.trim() === `+jsString(ann)+`;
	})()`)
	b.settled("wait for htmx")
	b.expectNoReload("searching")
	if got := b.text(totalSel); got != "1 session · showing 1–1" {
		t.Errorf("the total says %q", got)
	}
	if loc := run(b, "read the address", chromedp.Location()); !strings.Contains(loc, "q=sayt"+s+"a") {
		t.Errorf("the address %q does not keep the search", loc)
	}
	b.expectFocus(`document.activeElement.id`, "q")

	b.do("type an IP prefix", chromedp.Evaluate[chromedp.Void](`document.getElementById("q").select()`),
		chromedp.SendKeys(chromedp.ID("q"), "10.210.7."))
	b.waitUntil("wait for the three sessions of 10.210.7.", `(() => {
		const rows = [...document.querySelectorAll(`+jsString(rowSel)+`)];
		return rows.length === 3 && rows.every(r => r.cells[3].textContent.trim().startsWith("10.210.7."));
	})()`)
	b.expectNoReload("searching by IP")
	if got := b.text("[data-testid=chip]"); !strings.Contains(got, "Search: 10.210.7.") {
		t.Errorf("the filter chip says %q", got)
	}
}

// TestAdminBulkActions selects sessions row by row, all on the page and
// all matching the filter, watches the live count and the sticky bar,
// reads the confirmation and ends sessions, all without leaving the list.
func TestAdminBulkActions(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	s := unique()
	prefix := "bk" + s
	ann1 := register(t, site, prefix+"ann")
	ann2 := site.NewClient(t)
	ann2.Login(prefix+"ann", "correct horse battery")
	bob := register(t, site, prefix+"bob")
	anon := insertSessions(t, site, 60, "10.211.9.")
	b := staffBrowser(t, site, prefix+"boss", desktopWidth, desktopHeight)

	countIs := func(what, want string) {
		t.Helper()
		b.waitUntil(what, `document.querySelector(`+jsString(selectedCount)+`).textContent.trim() === `+jsString(want))
	}
	endEnabled := func() bool {
		return !eval[bool](b, "read End selected", `document.querySelector(`+jsString(endSelected)+`).disabled`)
	}

	b.open("/admin/sessions?q=10.211.9.")
	b.markPage()
	countIs("nothing selected at first", "None selected")
	if endEnabled() {
		t.Error("End selected is enabled with nothing selected")
	}
	b.click(rowBox(anon[0]))
	b.click(rowBox(anon[1]))
	countIs("two selected", "2 selected")
	if !endEnabled() {
		t.Error("End selected is disabled with two selected")
	}

	// The bar stays in view wherever the list is scrolled.
	for _, y := range []string{"0", "document.body.scrollHeight / 2"} {
		b.do("scroll", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, `+y+`)`))
		inView := eval[bool](b, "measure the bar", `(() => {
			const r = document.getElementById("bulk-bar").getBoundingClientRect();
			return r.top >= 0 && r.bottom <= window.innerHeight + 1;
		})()`)
		if !inView {
			t.Errorf("scrolled to %s, the action bar is out of view", y)
		}
	}
	if b.text("label[for=select-page]") != "All 50 on this page" || b.text("label[for=select-matching]") != "All 60 matching this filter" {
		t.Errorf("the select-all labels are %q and %q", b.text("label[for=select-page]"), b.text("label[for=select-matching]"))
	}
	b.click("#select-page")
	countIs("all on the page", "50 selected")
	b.click("#select-matching")
	countIs("all matching", "All 60 matching selected")
	b.click(rowBox(anon[5]))
	countIs("one unticked", "49 selected")
	if eval[bool](b, "read select matching", `document.getElementById("select-matching").checked`) {
		t.Error("unticking a row left “all matching” ticked")
	}
	b.click("#select-page") // partly ticked: a click ticks the whole page
	countIs("the page again", "50 selected")
	b.click("#select-page")
	countIs("none after unticking the page", "None selected")
	if endEnabled() {
		t.Error("End selected is enabled again with nothing selected")
	}

	// All matching: the confirmation counts them all; Cancel closes it.
	b.click("#select-matching")
	b.click(endSelected)
	b.swappedIn("wait for the confirmation", confirmText)
	if got := b.text(confirmText); !strings.HasPrefix(got, "End 60 anonymous sessions?") {
		t.Errorf("the confirmation says %q", got)
	}
	b.expectFocus(activeTestID, "confirm-question")
	b.click("#bulk-confirm [data-cancel-confirm]")
	b.waitUntil("wait for the confirmation to close", `document.querySelector(`+jsString(confirmPanel)+`) === null`)
	b.expectFocus(`document.activeElement.id`, "end-selected")
	b.expectNoReload("selecting and cancelling")

	// Users: the confirmation names them and warns about one's own.
	b.open("/admin/sessions?q=" + prefix)
	b.markPage()
	hashOf := func(user string, nth int) string {
		return eval[string](b, "find a session of "+user, `[...document.querySelectorAll(`+jsString(rowSel)+`)]
			.filter(r => r.cells[2].textContent.trim() === `+jsString(user)+`)[`+strconv.Itoa(nth)+`].dataset.hash`)
	}
	a1, a2, bb, own := hashOf(prefix+"ann", 0), hashOf(prefix+"ann", 1), hashOf(prefix+"bob", 0), hashOf(prefix+"boss", 0)
	for _, h := range []string{a1, a2, own} {
		b.click(rowBox(h))
	}
	countIs("three selected", "3 selected")
	b.click(endSelected)
	b.swappedIn("wait for the confirmation", confirmText)
	if got := b.text(confirmText); !strings.HasPrefix(got, "End 3 sessions of 2 users, including your own?") {
		t.Errorf("the confirmation says %q", got)
	}
	b.click(rowBox(own)) // changing the selection drops the confirmation
	b.waitUntil("wait for the stale confirmation to go", `document.querySelector(`+jsString(confirmPanel)+`) === null`)
	b.click(rowBox(bb))
	b.click(endSelected)
	// Its button works through htmx only once htmx has settled it; before,
	// a click sends the form as a whole page load.
	b.swappedIn("wait for the confirmation", confirmText)
	if got := b.text(confirmText); !strings.HasPrefix(got, "End 3 sessions of 2 users?") {
		t.Errorf("the confirmation says %q", got)
	}
	if got := b.text(confirmButton); got != "End 3 sessions" {
		t.Errorf("the confirm button says %q", got)
	}
	b.click(confirmButton)
	b.swappedIn("wait for the result", "#session-table [data-testid=notice]")
	if got := b.text("#session-table [data-testid=notice] span"); got != "Ended 3 sessions of 2 users." {
		t.Errorf("the result message says %q", got)
	}
	b.expectFocus(activeTestID, "notice")
	if href := eval[string](b, "read the audit link", `document.querySelector("#session-table [data-testid=notice-audit]").getAttribute("href")`); !strings.HasPrefix(href, "/admin/audit?at=") {
		t.Errorf("the result links to %q", href)
	}
	if n := eval[int](b, "count the rows", `document.querySelectorAll(`+jsString(rowSel)+`).length`); n != 1 {
		t.Errorf("%d rows left, want the staff's own", n)
	}
	b.expectNoReload("ending the selected sessions")
	for _, c := range []*testsite.Client{ann1, ann2, bob} {
		if !loggedOut(c) {
			t.Error("an ended session still logs in")
		}
	}
}

// TestAdminEndInPlace ends rows with htmx: the count goes down and is
// announced, the focus moves to the next row, and a session that ended
// behind the page's back is reported as already ended, not as an error.
func TestAdminEndInPlace(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	hashes := insertSessions(t, site, 3, "10.212.5.")
	b := staffBrowser(t, site, "inplace"+unique(), desktopWidth, desktopHeight)
	dialogs := b.acceptDialogs()
	b.open("/admin/sessions?q=10.212.5.")
	b.markPage()
	if got := b.text(totalSel); got != "3 sessions · showing 1–3" {
		t.Fatalf("the total says %q", got)
	}

	site.Store.DB().Exec("DELETE FROM sessions WHERE kh = ?", hashes[0]) // ended elsewhere meanwhile
	b.click("#row-" + hashes[0] + " .col-actions button")
	b.dialog("wait for the confirm dialog", dialogs)
	b.do("wait for the row to go", chromedp.WaitNotPresent(chromedp.CSS("#row-"+hashes[0])))
	b.waitUntil("wait for the message", `(document.querySelector(`+jsString(adminNoticeSel)+`)?.textContent ?? "").includes("already ended")`)
	if got := b.text(totalSel); got != "2 sessions · showing 1–2" {
		t.Errorf("after ending a gone session the total says %q", got)
	}
	b.expectFocus(`document.activeElement.closest("tr")?.id ?? document.activeElement.id`, "row-"+hashes[1])

	b.click("#row-" + hashes[1] + " .col-actions button")
	b.dialog("wait for the confirm dialog", dialogs)
	b.do("wait for the row to go", chromedp.WaitNotPresent(chromedp.CSS("#row-"+hashes[1])))
	b.waitUntil("wait for the message", `(document.querySelector(`+jsString(adminNoticeSel)+`)?.textContent ?? "").includes("Ended 1 anonymous session.")`)
	if got := b.text(totalSel); got != "1 session · showing 1–1" {
		t.Errorf("the total says %q", got)
	}
	live := eval[bool](b, "check the live region", `(() => {
		const region = document.getElementById("admin-notices");
		return region.getAttribute("role") === "status" && region.getAttribute("aria-live") === "polite" && region.contains(document.querySelector(`+jsString(adminNoticeSel)+`));
	})()`)
	if !live {
		t.Error("the result is not in an aria-live region")
	}
	b.expectNoReload("ending rows")
	var left int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE kh IN ?", hashes).Row().Scan(&left)
	if left != 1 {
		t.Errorf("%d of the sessions left, want 1", left)
	}
}

// TestAdminClearAll has the clear-all button wait for the word, shows a
// wrong word in the card, and lands on the login page with the count.
func TestAdminClearAll(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	insertSessions(t, site, 4, "10.213.1.")
	b := staffBrowser(t, site, "clearall"+unique(), desktopWidth, desktopHeight)
	b.open("/admin/sessions")
	b.markPage()
	disabled := func() bool { return eval[bool](b, "read the button", `document.getElementById("clear-all").disabled`) }
	if !disabled() {
		t.Error("Clear all is enabled with the box empty")
	}
	b.click("#confirm")
	b.do("type a wrong word", chromedp.SendKeys(chromedp.ID("confirm"), "clera"))
	if !disabled() {
		t.Error("Clear all is enabled with a wrong word")
	}
	// Sent anyway (as without JavaScript, or by Enter in an older
	// browser): the error shows in the card, the list stays.
	b.do("send the wrong word", chromedp.Evaluate[chromedp.Void](`document.querySelector("#danger-card form[action$=delete-all]").requestSubmit()`))
	// The new #confirm has the focus at once, but its attributes change
	// when htmx settles the card: typing before raced that.
	b.swappedIn("wait for the error", "#danger-card [data-testid=confirm-error]")
	if got := b.text("#danger-card [data-testid=confirm-error]"); !strings.Contains(got, "Nothing was cleared") {
		t.Errorf("the card says %q", got)
	}
	b.expectFocus(`document.activeElement.id`, "confirm")
	b.expectNoReload("a wrong word")

	var n int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions").Row().Scan(&n)
	b.do("type the word", chromedp.Evaluate[chromedp.Void](`document.getElementById("confirm").select()`),
		chromedp.SendKeys(chromedp.ID("confirm"), "clear"))
	if disabled() {
		t.Fatal("Clear all stays disabled with the word typed")
	}
	b.click("#clear-all")
	b.do("wait for the login page", chromedp.WaitVisible(chromedp.CSS(`main form[action="/login"]`)))
	want := fmt.Sprintf("Every session was ended (%s sessions), yours too", strconv.FormatInt(n, 10))
	if got := b.text(".alert-success"); !strings.Contains(got, want) {
		t.Errorf("the login page says %q, want %q", got, want)
	}
}

// TestAdminPhone checks every admin page at 390 px: no sideways scrolling,
// the navigation folded, a row's End button on screen, legible chart.
func TestAdminPhone(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	hashes := insertSessions(t, site, 12, "10.214.3.")
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	python, err := site.Store.CategoryBySlug(context.Background(), "python")
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := site.Store.PagesByCategory(context.Background(), python.ID, 0, 1)
	name := "phone" + unique()
	b := staffBrowser(t, site, name, phoneWidth, phoneHeight)
	me, _ := site.Store.UserByName(context.Background(), name)
	b.open("/admin/")
	b.do("wait for the counts", chromedp.WaitVisible(chromedp.CSS("[data-testid=chart]")))
	for _, path := range []string{"/admin/", "/admin/sessions", "/admin/sessions?q=10.214.3.&sort=size", "/admin/sessions/" + hashes[0],
		"/admin/settings", "/admin/audit", "/admin/categories", fmt.Sprintf("/admin/categories/%d", python.ID), "/admin/pages",
		fmt.Sprintf("/admin/pages/%d", pages[0].ID), "/admin/users", fmt.Sprintf("/admin/users/%d", me.ID)} {
		b.open(path)
		width := eval[int](b, "measure the page", `document.documentElement.scrollWidth`)
		if width != phoneWidth {
			t.Errorf("%s is %d px wide in a %d px window", path, width, phoneWidth)
		}
	}
	b.open("/admin/")
	b.do("wait for the counts", chromedp.WaitVisible(chromedp.CSS("[data-testid=chart]")))
	if px := eval[float64](b, "measure the chart's labels", `parseFloat(getComputedStyle(document.querySelector(".admin-bar-label")).fontSize)`); px < 11 {
		t.Errorf("the chart's labels are %.1f px", px)
	}
	if eval[bool](b, "look at the navigation", `document.querySelector('nav[aria-label="Admin sections"] a[href="/admin/sessions"]').checkVisibility()`) {
		t.Error("the navigation is not folded at 390 px")
	}
	b.click(".admin-menu-toggle")
	b.do("wait for the menu", chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Admin sections"] a[href="/admin/sessions"]`)))

	b.open("/admin/sessions?q=10.214.3.")
	inView := eval[bool](b, "measure the first End button", `(() => {
		const r = document.querySelector("#row-`+hashes[0]+` .col-actions button").getBoundingClientRect();
		return r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight;
	})()`)
	if !inView {
		t.Error("the first row's End button is not on the first screen")
	}
	b.click("#row-" + hashes[3] + ` input[name="ids"]`)
	b.waitUntil("one selected", `document.querySelector("#selected-count").textContent.trim() === "1 selected"`)
}

// TestAdminAccessibility runs axe-core on every admin page and state at
// both sizes: zero WCAG 2.1 A/AA violations.
func TestAdminAccessibility(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	s := unique()
	register(t, site, "axe"+s+"user")
	hashes := insertSessions(t, site, 8, "10.215.2.")
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", desktopWidth, desktopHeight}, {"phone", phoneWidth, phoneHeight}} {
		t.Run(size.name, func(t *testing.T) {
			b := staffBrowser(t, site, "axe"+s+size.name, size.width, size.height)
			b.open("/admin/")
			b.do("wait for the counts", chromedp.WaitVisible(chromedp.CSS("[data-testid=chart]")))
			b.axeClean("dashboard")
			b.click(".admin-chart-table summary")
			b.axeClean("dashboard with the numbers open")
			b.open("/admin/sessions")
			b.axeClean("session list")
			b.open("/admin/sessions?q=10.215.2.&status=active&sort=created")
			b.click(rowBox(hashes[0]))
			b.click(rowBox(hashes[1]))
			b.click(endSelected)
			b.do("wait for the confirmation", chromedp.WaitVisible(chromedp.CSS(confirmText)))
			b.axeClean("session list with a confirmation")
			b.open("/admin/sessions?q=nobody-here")
			b.axeClean("session list without results")
			b.open("/admin/sessions?user=nobody-here")
			b.axeClean("session list for an unknown user")
			b.open("/admin/sessions/" + hashes[2])
			b.axeClean("session inspector")
			b.open("/admin/settings")
			b.axeClean("settings")
			b.do("type bad values", chromedp.Evaluate[chromedp.Void](`document.getElementById("session_cookie_age").select()`),
				chromedp.SendKeys(chromedp.ID("session_cookie_age"), "abc"),
				chromedp.Evaluate[chromedp.Void](`document.getElementById("visit_interval").select()`),
				chromedp.SendKeys(chromedp.ID("visit_interval"), "99999d"))
			b.click(`[data-testid=settings-form] button[type=submit]:not([name])`)
			b.do("wait for the errors", chromedp.WaitVisible(chromedp.CSS("#session_cookie_age-error")))
			b.axeClean("settings with errors")
			b.open("/admin/audit")
			b.axeClean("audit trail")
			b.open("/admin/categories")
			b.axeClean("categories")
			b.do("add a taken category", chromedp.SendKeys(chromedp.ID("name"), "python"))
			b.click(`form[method=post][action="/admin/categories"] button[type=submit]`)
			b.swappedIn("wait for the error", "#name-error")
			b.axeClean("categories with an error")
			b.click("[data-testid=categories] tbody tr .col-key a")
			b.do("wait for the category", chromedp.WaitVisible(chromedp.CSS("[data-testid=delete-category]")))
			b.axeClean("a category")
			b.open("/admin/pages")
			b.axeClean("pages")
			b.click("[data-testid=pages] tbody tr .col-key a")
			b.do("wait for the page", chromedp.WaitVisible(chromedp.ID("url")))
			b.axeClean("a page")
			b.open("/admin/users?q=axe" + s)
			b.axeClean("users")
			b.click("[data-testid=users] tbody tr .col-key a")
			b.swappedIn("wait for the user", "#password")
			b.do("type a short password", chromedp.SendKeys(chromedp.ID("password"), "short"))
			b.click(`form[action$="/password"] button[type=submit]`)
			b.do("wait for the error", chromedp.WaitVisible(chromedp.ID("password-error")))
			b.axeClean("a user with a password error")
			b.do("ask to delete a category without JavaScript", chromedp.Evaluate[chromedp.Void](`(() => {
				const f = document.querySelector("form[action$=delete]");
				HTMLFormElement.prototype.submit.call(f);
			})()`))
			b.do("wait for the confirmation", chromedp.WaitVisible(chromedp.CSS("[data-testid=confirm-action]")))
			b.axeClean("a confirmation page")
			b.open("/admin/no-such-page")
			b.axeClean("admin 404")
			b.open("/admin/sessions")
			b.do("send a wrong word", chromedp.Evaluate[chromedp.Void](`document.querySelector("#danger-card form[action$=delete-all]").requestSubmit()`))
			b.do("wait for the error", chromedp.WaitVisible(chromedp.CSS("#danger-card [data-testid=confirm-error]")))
			b.axeClean("clear all with a wrong word")
		})
	}
}

// TestAdminImpactPreviewAccessible opens the settings' impact preview and
// the no-JavaScript confirmation page and checks them with axe-core.
func TestAdminImpactPreviewAccessible(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	hashes := insertSessions(t, site, 3, "10.216.4.")
	site.Store.DB().Exec("UPDATE sessions SET last_seen = last_seen - 7200 WHERE kh IN ?", hashes)
	b := staffBrowser(t, site, "impact"+unique(), desktopWidth, desktopHeight)
	b.open("/admin/settings")
	b.do("set an idle timeout", chromedp.Evaluate[chromedp.Void](`document.getElementById("session_idle_timeout").select()`),
		chromedp.SendKeys(chromedp.ID("session_idle_timeout"), "1h"))
	b.click(`[data-testid=settings-form] button[type=submit]:not([name])`)
	b.do("wait for the preview", chromedp.WaitVisible(chromedp.CSS("[data-testid=impact]")))
	if got := b.text("[data-testid=impact-idle]"); !strings.Contains(got, "This idle timeout would end") {
		t.Errorf("the preview says %q", got)
	}
	b.expectFocus(activeTestID, "impact")
	b.axeClean("settings with an impact preview")
	for _, w := range []int64{desktopWidth, phoneWidth} {
		b.viewport(w, desktopHeight)
		// What a browser without JavaScript sends from a row's End.
		b.do("open the confirmation page", chromedp.Evaluate[chromedp.Void](`(() => {
			const f = document.createElement("form");
			f.method = "post";
			f.action = "/admin/sessions/end";
			for (const [k, v] of [["_csrf", document.querySelector("input[name=_csrf]").value], ["ids", `+jsString(hashes[0])+`]]) {
				const i = document.createElement("input");
				i.type = "hidden"; i.name = k; i.value = v;
				f.append(i);
			}
			document.body.append(f);
			HTMLFormElement.prototype.submit.call(f);
		})()`))
		b.do("wait for the confirmation page", chromedp.WaitVisible(chromedp.CSS("[data-testid=confirm-question]")))
		b.axeClean(fmt.Sprintf("confirmation page at %d px", w))
		b.open("/admin/settings")
	}
}

// TestAdminDashboardRefreshes watches the dashboard's counts follow an
// action taken elsewhere within one 15 s refresh, and skip the refresh
// while the tab is hidden.
func TestAdminDashboardRefreshes(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	hashes := insertSessions(t, site, 2, "10.217.6.")
	name := "refresh" + unique()
	b := staffBrowser(t, site, name, desktopWidth, desktopHeight)
	b.open("/admin/")
	b.do("wait for the counts", chromedp.WaitVisible(chromedp.CSS("[data-testid=active]")))
	b.markPage()
	before := b.text("[data-testid=active]")

	// Hidden: the poll is not sent.
	b.do("hide the tab and poll", chromedp.Evaluate[chromedp.Void](`(() => {
		window.__polls = 0;
		document.addEventListener("htmx:beforeSend", () => window.__polls++);
		Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
		htmx.trigger("#admin-stats", "admin:refresh");
	})()`))
	time.Sleep(500 * time.Millisecond)
	if n := eval[int](b, "count polls", `window.__polls`); n != 0 {
		t.Errorf("a hidden tab polled %d times", n)
	}
	b.do("show the tab", chromedp.Evaluate[chromedp.Void](`(() => {
		Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "visible"});
		document.dispatchEvent(new Event("visibilitychange"));
	})()`))
	b.waitUntil("the tab polls when shown", `window.__polls > 0`)

	// Another staff browser (here: an HTTP client) ends a session.
	c := site.NewClient(t)
	c.Login(name, "staff password")
	c.Get("/admin/sessions")
	c.Post("/admin/sessions/end", map[string][]string{"ids": {hashes[0]}, "confirmed": {"yes"}})
	n, _ := strconv.Atoi(strings.ReplaceAll(before, ",", ""))
	want := fmt.Sprint(n - 1)
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("[data-testid=active]").textContent.trim().replaceAll(",", "") === `+jsString(want),
		chromedp.WithPollingInterval(250*time.Millisecond)))
	if err != nil {
		t.Fatalf("the dashboard did not show %s active sessions within 20 s (shows %s)", want, b.text("[data-testid=active]"))
	}
	b.expectNoReload("the dashboard's refresh")
}

// TestAdminContentAndUsers has a member of staff delete a page a user
// added, rename a category (its old address redirects) and deactivate a
// user who is logged in in a second browser, which is logged out on its
// next click.
func TestAdminContentAndUsers(t *testing.T) {
	needChromium(t)
	site := testsite.Start(t, db, nil)
	s := unique()
	catName := "Gleam " + s
	cat, err := site.Store.CreateCategory(context.Background(), catName)
	if err != nil {
		t.Fatal(err)
	}

	// The user, in a browser of their own, adds a page.
	userName := "content" + s
	register(t, site, userName)
	visitor := newBrowser(t, site.URL)
	visitor.viewport(desktopWidth, desktopHeight)
	visitor.logIn(userName, "correct horse battery")
	visitor.open("/category/" + cat.Slug + "/add_page")
	visitor.do("add a page",
		chromedp.SendKeys(chromedp.ID("title"), "Spam "+s),
		chromedp.SendKeys(chromedp.ID("url"), "spam.example.com"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`), chromedp.NodeVisible))
	visitor.do("wait for the page to be added", chromedp.WaitVisible(chromedp.CSS(`#flash [data-testid="flash"]`)))
	if !strings.Contains(visitor.text("main"), "Spam "+s) {
		t.Fatal("the added page is not listed")
	}

	b := staffBrowser(t, site, "contentboss"+s, desktopWidth, desktopHeight)
	dialogs := b.acceptDialogs()

	// The page goes.
	b.open("/admin/pages?q=" + "Spam+" + s)
	b.click("[data-testid=pages] tbody tr .col-key a")
	b.swappedIn("wait for the page's form", "#title")
	b.click("[data-testid=delete-page]")
	if msg := b.dialog("wait for the confirm dialog", dialogs); !strings.Contains(msg, "Delete the page Spam "+s+"?") {
		t.Errorf("the dialog says %q", msg)
	}
	b.do("wait for the result", chromedp.WaitVisible(chromedp.CSS("[data-testid=notice]")))
	if got := b.text("[data-testid=notice] span"); got != "Deleted the page Spam "+s+"." {
		t.Errorf("the result says %q", got)
	}

	// The category is renamed; its old address redirects.
	b.open(fmt.Sprintf("/admin/categories/%d", cat.ID))
	b.do("rename", chromedp.Evaluate[chromedp.Void](`document.getElementById("name").select()`),
		chromedp.SendKeys(chromedp.ID("name"), "Gleam Lang "+s))
	b.click(`form[action$="/admin/categories/` + fmt.Sprint(cat.ID) + `"] button[type=submit]`)
	b.do("wait for the rename", chromedp.WaitVisible(chromedp.CSS("[data-testid=notice]")))
	if got := b.text("[data-testid=notice] span"); !strings.Contains(got, "now redirects") {
		t.Errorf("the result says %q", got)
	}
	visitor.open("/category/" + cat.Slug)
	loc := run(visitor, "read the address", chromedp.Location())
	if want := "/category/gleam-lang-" + strings.ToLower(s); !strings.HasSuffix(loc, want) {
		t.Errorf("the old address led to %s, want %s", loc, want)
	}
	if strings.Contains(visitor.text("main"), "Spam "+s) {
		t.Error("the deleted page is still listed on the site")
	}

	// The user is deactivated while logged in; their next click logs them out.
	member, _ := site.Store.UserByName(context.Background(), userName)
	b.open(fmt.Sprintf("/admin/users/%d", member.ID))
	b.click("[data-testid=deactivate]")
	b.dialog("wait for the confirm dialog", dialogs)
	b.do("wait for the result", chromedp.WaitVisible(chromedp.CSS("[data-testid=notice]")))
	if got := b.text("[data-testid=notice] span"); !strings.Contains(got, "Deactivated "+userName) {
		t.Errorf("the result says %q", got)
	}
	if got := b.text("[data-testid=badges]"); !strings.Contains(got, "deactivated") {
		t.Errorf("the user's badges say %q", got)
	}
	visitor.do("click About", chromedp.Click(chromedp.CSS(`#nav-menu a[href="/about"]`), chromedp.NodeVisible))
	visitor.do("wait for the logged-out navigation", chromedp.WaitVisible(chromedp.CSS(loginLink)))
	if visitor.present(whoami) {
		t.Fatal("the deactivated user's browser still shows them logged in")
	}
}
