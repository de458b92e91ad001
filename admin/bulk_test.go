package admin_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/views"
	"rango/web"
)

// loggedIn registers a user and returns their client and session hash.
func loggedIn(t *testing.T, site *testsite.Site, name string) (*testsite.Client, string) {
	t.Helper()
	c := site.NewClient(t)
	if r := c.Register(name, "correct horse battery"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register %s: %d", name, r.StatusCode)
	}
	return c, web.KeyHash(c.Cookie(web.SessionCookie))
}

// anonymousSession inserts an anonymous session and returns its hash.
func anonymousSession(t *testing.T, site *testsite.Site, ip string) string {
	t.Helper()
	key := web.NewSessionKey()
	now := time.Now().Unix()
	if err := site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
		key, []byte{0}, now+3600, ip, now, now).Error; err != nil {
		t.Fatal(err)
	}
	return web.KeyHash(key)
}

func TestBulkConfirmationSaysWhatWillEnd(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "confirmboss")
	own := web.KeyHash(staff.Cookie(web.SessionCookie))
	_, alice1 := loggedIn(t, site, "confirm-alice")
	alice2c := site.NewClient(t)
	alice2c.Login("confirm-alice", "correct horse battery")
	alice2 := web.KeyHash(alice2c.Cookie(web.SessionCookie))
	_, bob := loggedIn(t, site, "confirm-bob")
	anon1, anon2 := anonymousSession(t, site, "10.5.0.1"), anonymousSession(t, site, "10.5.0.2")
	staff.Get("/admin/sessions")

	for _, tc := range []struct {
		name     string
		ids      []string
		question string
		button   string
	}{
		{"own among them", []string{alice1, alice2, own}, "End 3 sessions of 2 users, including your own?", "End 3 sessions"},
		{"one user", []string{alice1, alice2}, "End 2 sessions of confirm-alice?", "End 2 sessions"},
		{"users", []string{alice1, bob}, "End 2 sessions of 2 users?", "End 2 sessions"},
		{"anonymous", []string{anon1, anon2}, "End 2 anonymous sessions?", "End 2 sessions"},
		{"mixed", []string{alice1, alice2, anon1}, "End 3 sessions (2 of confirm-alice, 1 anonymous)?", "End 3 sessions"},
		{"one", []string{bob}, "End 1 session of confirm-bob?", "End 1 session"},
		{"nothing", nil, "No session is selected", ""},
		{"gone", []string{"0123456789abcdef"}, "have all ended already", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := staff.Post("/admin/sessions/end", url.Values{"ids": tc.ids, "back": {"/admin/sessions?status=active"}})
			wantStatus(t, r, http.StatusOK)
			d := doc(t, r)
			if q := d.Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, tc.question) {
				t.Errorf("the question is %q, want %q", q, tc.question)
			}
			if b := d.Find("[data-testid=confirm-end]").Text(); b != tc.button {
				t.Errorf("the button says %q, want %q", b, tc.button)
			}
			if tc.button != "" {
				var sent []string
				d.Find("[data-testid=bulk-confirm] form input[name=ids]").Each(func(_ int, s *goquery.Selection) {
					v, _ := s.Attr("value")
					sent = append(sent, v)
				})
				if strings.Join(sent, " ") != strings.Join(tc.ids, " ") {
					t.Errorf("the confirmation would end %v, want %v", sent, tc.ids)
				}
			}
			if back, _ := d.Find("[data-cancel-confirm]").Attr("href"); back != "/admin/sessions?status=active" {
				t.Errorf("cancel goes to %q", back)
			}
		})
	}
	if whoami(t, staff) == "" || whoami(t, alice2c) == "" {
		t.Fatal("a confirmation ended sessions")
	}

	// htmx gets the confirmation alone, for the action bar, with a form
	// that swaps the table when confirmed.
	r := staff.Do(http.MethodPost, "/admin/sessions/end", url.Values{"_csrf": {staff.CSRF}, "ids": {bob}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"bulk-confirm"}})
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if d.Find("header, h1").Length() != 0 || d.Find("[data-testid=bulk-confirm] form[hx-target='#session-table']").Length() != 1 {
		t.Errorf("htmx should get the panel alone:\n%s", r.Body)
	}
}

func TestBulkEndReportsCounts(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "countsboss")
	a1c, a1 := loggedIn(t, site, "counts-alice")
	a2c := site.NewClient(t)
	a2c.Login("counts-alice", "correct horse battery")
	a2 := web.KeyHash(a2c.Cookie(web.SessionCookie))
	bc, b := loggedIn(t, site, "counts-bob")
	keep, _ := loggedIn(t, site, "counts-keep")
	staff.Get("/admin/sessions")

	back := "/admin/sessions?status=active"
	r := staff.Post("/admin/sessions/end", url.Values{"ids": {a1, a2, b, "0123456789abcdef"}, "confirmed": {"yes"}, "back": {back}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != back {
		t.Errorf("went to %q, want back to %q", loc, back)
	}
	for _, c := range []*testsite.Client{a1c, a2c, bc} {
		if whoami(t, c) != "" {
			t.Error("a selected session survived")
		}
	}
	if whoami(t, keep) == "" {
		t.Error("an unselected session ended")
	}
	d := doc(t, staff.Get(back))
	want := "Ended 3 sessions of 2 users. 1 other had already ended."
	if got := strings.TrimSpace(d.Find("[data-testid=notice] span").Text()); got != want {
		t.Errorf("the result message is %q, want %q", got, want)
	}
	link, _ := d.Find("[data-testid=notice-audit]").Attr("href")
	audit := doc(t, staff.Get(link))
	row := audit.Find("tr.admin-highlight")
	if !strings.Contains(row.Text(), want) || !strings.Contains(row.Text(), "end sessions") || strings.TrimSpace(row.Find("td").Eq(4).Text()) != "3" {
		t.Errorf("the linked audit entry is %q", strings.Join(strings.Fields(row.Text()), " "))
	}
	// The message shows once.
	if doc(t, staff.Get(back)).Find("[data-testid=notice]").Length() != 0 {
		t.Error("the result message shows again")
	}

	// With htmx the table comes back with the message above it.
	_, c := loggedIn(t, site, "counts-carol")
	r = staff.Do(http.MethodPost, "/admin/sessions/end", url.Values{"_csrf": {staff.CSRF}, "ids": {c}, "confirmed": {"yes"}, "back": {back}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"session-table"}})
	wantStatus(t, r, http.StatusOK)
	d = doc(t, r)
	if d.Find("#session-table").Length() != 1 || d.Find("header").Length() != 0 {
		t.Fatalf("htmx should get the table alone:\n%.1500s", r.Body)
	}
	if got := d.Find("#session-table [data-testid=notice]").Text(); !strings.Contains(got, "Ended 1 session of counts-carol.") {
		t.Errorf("the table's message is %q", got)
	}
	for _, h := range listed(t, r) {
		if h == c {
			t.Error("the ended session is still listed")
		}
	}
}

func TestBulkEndAllMatching(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "matchboss")
	addSessions(t, site, 120, nil, "10.77.1.1", false)
	addSessions(t, site, 30, nil, "10.78.1.1", false)
	staff.Get("/admin/sessions")
	list := doc(t, staff.Get("/admin/sessions?q=10.77."))
	if got := list.Find("label[for=select-matching]").Text(); got != "All 120 matching this filter" {
		t.Errorf("select all matching says %q", got)
	}
	if got := strings.TrimSpace(list.Find("[data-testid=total]").Text()); got != "120 sessions · showing 1–50" {
		t.Errorf("the total says %q", got)
	}
	form := url.Values{"all_matching": {"1"}, "q": {"10.77."}, "ids": {"0123456789abcdef"}, "back": {"/admin/sessions?q=10.77."}}
	d := doc(t, staff.Post("/admin/sessions/end", form))
	if q := d.Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, "End 120 anonymous sessions?") {
		t.Errorf("the question is %q", q)
	}
	if v, _ := d.Find("[data-testid=bulk-confirm] input[name=q]").Attr("value"); v != "10.77." {
		t.Errorf("the confirmation lost the filter: %q", v)
	}
	form.Set("confirmed", "yes")
	wantStatus(t, staff.Post("/admin/sessions/end", form), http.StatusSeeOther)
	var left77, left78 int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE ip LIKE '10.77.%'").Row().Scan(&left77)
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE ip LIKE '10.78.%'").Row().Scan(&left78)
	if left77 != 0 || left78 != 30 {
		t.Errorf("left %d matching and %d others, want 0 and 30", left77, left78)
	}
	msg := doc(t, staff.Get("/admin/sessions?q=10.77.")).Find("[data-testid=notice]").Text()
	if !strings.Contains(msg, "Ended 120 anonymous sessions matching search 10.77..") {
		t.Errorf("the result message is %q", msg)
	}
}

func TestEndingOwnSessionGoesToLogin(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "ownboss")
	own := web.KeyHash(staff.Cookie(web.SessionCookie))
	_, other := loggedIn(t, site, "own-other")
	staff.Get("/admin/sessions")
	r := staff.Post("/admin/sessions/end", url.Values{"ids": {own, other}, "confirmed": {"yes"}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Fadmin%2F" {
		t.Fatalf("went to %q", loc)
	}
	login := doc(t, staff.Get("/login?next=%2Fadmin%2F"))
	if got := login.Find(".alert-success").Text(); !strings.Contains(got, "You ended 2 sessions, including your own") {
		t.Errorf("the login page says %q", got)
	}

	// Clear all: the login page says how many ended.
	staff.Login("ownboss", staffPassword)
	loggedIn(t, site, "own-third")
	var n int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions").Row().Scan(&n)
	staff.Get("/admin/sessions")
	r = staff.Post("/admin/sessions/delete-all", url.Values{"confirm": {" Clear "}})
	wantStatus(t, r, http.StatusSeeOther)
	login = doc(t, staff.Get(r.Header.Get("Location")))
	want := "Every session was ended (" + views.CountOf(n, "session", "sessions") + "), yours too"
	if got := login.Find(".alert-success").Text(); !strings.Contains(got, want) {
		t.Errorf("the login page says %q, want %q", got, want)
	}
	// With htmx, the browser is sent to the login page.
	staff.Login("ownboss", staffPassword)
	staff.Get("/admin/sessions")
	r = staff.Do(http.MethodPost, "/admin/sessions/delete-all", url.Values{"_csrf": {staff.CSRF}, "confirm": {"clear"}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"danger-card"}})
	if r.Header.Get("HX-Redirect") != "/login?next=%2Fadmin%2F" {
		t.Errorf("htmx clear all: %d, HX-Redirect %q", r.StatusCode, r.Header.Get("HX-Redirect"))
	}
}

func TestWrongConfirmationWordInPlace(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "wordboss")
	staff.Get("/admin/sessions")
	r := staff.Do(http.MethodPost, "/admin/sessions/delete-all", url.Values{"_csrf": {staff.CSRF}, "confirm": {"clera"}, "back": {"/admin/sessions"}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"danger-card"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	d := doc(t, r)
	if d.Find("#danger-card").Length() != 1 || d.Find("header, h1").Length() != 0 {
		t.Errorf("htmx should get the danger card alone:\n%s", r.Body)
	}
	if !strings.Contains(d.Find("#confirm-error").Text(), "Nothing was cleared") {
		t.Error("no error in the card")
	}
	if whoami(t, staff) == "" {
		t.Error("a wrong word cleared the sessions")
	}
}

func TestEndIsIdempotent(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "idemboss")
	gone := anonymousSession(t, site, "10.6.0.1")
	site.Store.DB().Exec("DELETE FROM sessions WHERE kh = ?", gone)
	staff.Get("/admin/sessions")

	r := staff.Do(http.MethodPost, "/admin/sessions/"+gone+"/delete", url.Values{"_csrf": {staff.CSRF}, "back": {"/admin/sessions"}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"row-" + gone}})
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	n := d.Find("#admin-notices[hx-swap-oob] [data-testid=notice]")
	if !strings.Contains(n.Text(), "already ended") || !n.HasClass("alert-warning") {
		t.Errorf("htmx End of a gone session says %q", n.Text())
	}
	if d.Find("#session-count[hx-swap-oob]").Length() != 1 {
		t.Error("the list's count is not updated")
	}

	r = staff.Post("/admin/sessions/"+gone+"/delete", url.Values{"back": {"/admin/sessions"}})
	wantStatus(t, r, http.StatusSeeOther)
	if msg := doc(t, staff.Get("/admin/sessions")).Find("[data-testid=notice]").Text(); !strings.Contains(msg, "That session had already ended") {
		t.Errorf("after End of a gone session the list says %q", msg)
	}
	// The inspector of a gone session is a 404 inside the admin shell.
	r = staff.Get("/admin/sessions/" + gone)
	wantStatus(t, r, http.StatusNotFound)
	if d := doc(t, r); d.Find("header.admin-header").Length() != 1 || !strings.Contains(d.Find("[data-testid=error-message]").Text(), "has ended") {
		t.Error("the 404 of a gone session is not an admin page")
	}
}

func TestDashboardCountsFollowActions(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "followboss")
	hashes := []string{anonymousSession(t, site, "10.8.0.1"), anonymousSession(t, site, "10.8.0.2"), anonymousSession(t, site, "10.8.0.3")}
	counts := func() (int, int) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			d := doc(t, staff.Get("/admin/stats"))
			if d.Find("[data-testid=active]").Length() == 1 {
				return atoi(t, d.Find("[data-testid=active]").Text()), atoi(t, d.Find("[data-testid=anonymous]").Text())
			}
			if time.Now().After(deadline) {
				t.Fatal("no counts within 10 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	active, anon := counts()
	staff.Get("/admin/sessions")
	staff.Do(http.MethodPost, "/admin/sessions/"+hashes[0]+"/delete", url.Values{"_csrf": {staff.CSRF}},
		http.Header{"HX-Request": {"true"}, "HX-Target": {"row-" + hashes[0]}})
	staff.Post("/admin/sessions/end", url.Values{"ids": hashes[1:], "confirmed": {"yes"}})
	// At once, without waiting for a new count.
	if a, n := counts(); a != active-3 || n != anon-3 {
		t.Errorf("after ending 3 anonymous sessions the dashboard shows %d active, %d anonymous; want %d, %d", a, n, active-3, anon-3)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), ",", ""))
	if err != nil {
		t.Fatalf("%q is not a count", s)
	}
	return n
}
