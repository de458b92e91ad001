package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"rango/admin"
	"rango/internal/testsite"
	"rango/web"
)

var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "admin", &db)
}

const staffPassword = "staff password"

// staffClient returns a client logged in as a new staff user.
func staffClient(t *testing.T, site *testsite.Site, name string) *testsite.Client {
	t.Helper()
	if _, err := site.Store.MakeStaff(context.Background(), name, staffPassword); err != nil {
		t.Fatal(err)
	}
	c := site.NewClient(t)
	if r := c.Login(name, staffPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff login: %d", r.StatusCode)
	}
	return c
}

func doc(t *testing.T, r *testsite.Response) *goquery.Document { return r.Doc(t) }

func wantStatus(t *testing.T, r *testsite.Response, status int) {
	t.Helper()
	testsite.WantStatus(t, r, status)
}

func TestAuthorizationMatrix(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "matrixboss")
	user := site.NewClient(t)
	user.Register("matrixuser", "correct horse battery")
	anon := site.NewClient(t)
	anon.Get("/")

	var hash string
	if err := site.Store.DB().Raw("SELECT kh FROM sessions LIMIT 1").Row().Scan(&hash); err != nil {
		t.Fatal(err)
	}
	cat := newCategory(t, site, "Matrix Category", 1)
	var pageID uint64
	site.Store.DB().Raw("SELECT id FROM pages WHERE category_id = ?", cat.ID).Row().Scan(&pageID)
	member, _ := site.Store.UserByName(context.Background(), "matrixuser")
	ids := strings.NewReplacer("/categories/1", fmt.Sprintf("/categories/%d", cat.ID), "/pages/1", fmt.Sprintf("/pages/%d", pageID),
		"/users/1", fmt.Sprintf("/users/%d", member.ID))
	routes := []struct{ method, path string }{
		{"GET", "/admin/"}, {"GET", "/admin/stats"}, {"GET", "/admin/sessions"}, {"GET", "/admin/sessions?status=active&sort=size"},
		{"GET", "/admin/sessions/" + hash}, {"GET", "/admin/audit"}, {"GET", "/admin/audit?type=sessions"},
		{"GET", "/admin/settings"}, {"POST", "/admin/settings"}, {"POST", "/admin/sessions/end"},
		{"POST", "/admin/sessions/delete-expired"}, {"POST", "/admin/sessions/delete-all"},
		{"POST", "/admin/sessions/" + hash + "/delete"}, {"POST", "/admin/users/1/logout-everywhere"},
		{"GET", "/admin/categories"}, {"GET", "/admin/categories/1"}, {"GET", "/admin/pages"}, {"GET", "/admin/pages/1"},
		{"GET", "/admin/users"}, {"GET", "/admin/users/1"},
		{"POST", "/admin/categories"}, {"POST", "/admin/categories/delete"}, {"POST", "/admin/categories/1"},
		{"POST", "/admin/categories/1/reset"}, {"POST", "/admin/categories/1/delete"}, {"POST", "/admin/pages/delete"},
		{"POST", "/admin/pages/1"}, {"POST", "/admin/pages/1/reset-views"}, {"POST", "/admin/pages/1/delete"},
		{"POST", "/admin/users/1/staff"}, {"POST", "/admin/users/1/active"}, {"POST", "/admin/users/1/password"},
		{"POST", "/admin/users/1/delete"},
	}
	for _, rt := range routes {
		rt.path = ids.Replace(rt.path)
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			do := func(c *testsite.Client) *testsite.Response {
				c.Get("/")
				if rt.method == "GET" {
					return c.Get(rt.path)
				}
				return c.Post(rt.path, url.Values{})
			}
			r := do(anon)
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous: %d to %q, want the login page", r.StatusCode, r.Header.Get("Location"))
			}
			if r := do(user); r.StatusCode != http.StatusForbidden {
				t.Errorf("user: %d, want 403", r.StatusCode)
			}
			if rt.method == "GET" {
				if r := do(staff); r.StatusCode != http.StatusOK {
					t.Errorf("staff: %d, want 200", r.StatusCode)
				}
			}
		})
	}
}

// addSessions inserts n sessions with metadata, one second of activity apart.
func addSessions(t *testing.T, site *testsite.Site, n int, userID any, ip string, expired bool) {
	t.Helper()
	now := time.Now().Unix()
	e := now + 3600
	if expired {
		e = now - 60
	}
	for i := 0; i < n; i++ {
		err := site.Store.DB().Exec("INSERT INTO sessions (k, v, e, user_id, ip, user_agent, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			web.NewSessionKey(), []byte{0}, e, userID, ip,
			"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", now-int64(86400*(i%3)), now-int64(1000+i)).Error
		if err != nil {
			t.Fatal(err)
		}
	}
}

// listed returns the hashes on a list page.
func listed(t *testing.T, r *testsite.Response) []string {
	t.Helper()
	var out []string
	doc(t, r).Find("[data-testid=sessions] tbody tr[data-hash]").Each(func(_ int, s *goquery.Selection) {
		h, _ := s.Attr("data-hash")
		out = append(out, h)
	})
	return out
}

func TestListFiltersAndPaging(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.Store.DB().Exec("DELETE FROM sessions")
	staff := staffClient(t, site, "listboss")
	member := site.NewClient(t)
	member.Register("listmember", "correct horse battery")
	u, _ := site.Store.UserByName(context.Background(), "listmember")
	addSessions(t, site, 100, nil, "10.1.2.3", false)
	addSessions(t, site, 7, u.ID, "192.168.7.7", false)
	addSessions(t, site, 13, nil, "10.9.9.9", true)
	// 120 added, plus the staff's and the member's own sessions: 122.

	seen := map[string]bool{}
	r := staff.Get("/admin/sessions")
	pages := 0
	for {
		wantStatus(t, r, http.StatusOK)
		rows := listed(t, r)
		if len(rows) > 50 {
			t.Fatalf("page of %d rows", len(rows))
		}
		for _, h := range rows {
			if seen[h] {
				t.Fatalf("session %s listed twice", h)
			}
			seen[h] = true
		}
		pages++
		next, ok := doc(t, r).Find("[data-testid=next]").Attr("href")
		if !ok {
			break
		}
		r = staff.Get(next)
	}
	if len(seen) != 122 || pages != 3 {
		t.Errorf("paged through %d sessions in %d pages, want 122 in 3", len(seen), pages)
	}
	// Back from the last page.
	prev, ok := doc(t, r).Find("[data-testid=prev]").Attr("href")
	if !ok {
		t.Fatal("no link to newer sessions on the last page")
	}
	if rows := listed(t, staff.Get(prev)); len(rows) != 50 {
		t.Errorf("previous page has %d rows, want 50", len(rows))
	}

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"status=expired", 13},
		{"status=active", 109},
		{"user=listmember", 8},
		{"q=192.168", 7},
		{"q=listmem", 8},
		{"q=10.", 113},
		{"status=expired&q=10.9", 13},
		{"user=nobody", 0},
		{"status=bogus&q=%27%3B--", 0},
	} {
		n := 0
		r := staff.Get("/admin/sessions?" + tc.query)
		wantStatus(t, r, http.StatusOK)
		for {
			n += len(listed(t, r))
			next, ok := doc(t, r).Find("[data-testid=next]").Attr("href")
			if !ok {
				break
			}
			r = staff.Get(next)
		}
		if n != tc.want {
			t.Errorf("%s: %d sessions, want %d", tc.query, n, tc.want)
		}
	}
	staff.HTMX = true
	frag := staff.Do(http.MethodGet, "/admin/sessions?status=expired", nil, http.Header{"HX-Target": {"session-table"}})
	if strings.Contains(frag.Body, "navbar") || len(listed(t, frag)) != 13 {
		t.Error("the htmx filter should answer the table alone")
	}
}

func TestInspectDecodesSiteSession(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "inspectboss")
	visitor := site.NewClient(t)
	visitor.Register("inspected", "correct horse battery")
	visitor.Get("/about")
	hash := web.KeyHash(visitor.Cookie(web.SessionCookie))
	site.Store.DB().Exec("UPDATE sessions SET v = v WHERE kh = ?", hash)

	r := staff.Get("/admin/sessions/" + hash)
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	data := map[string]string{}
	d.Find("[data-testid=session-data] tbody tr").Each(func(_ int, s *goquery.Selection) {
		data[s.Find("td").Eq(0).Text()] = strings.TrimSpace(s.Find("td").Eq(1).Text())
	})
	if data["visits"] != "1" || data["_auth_username"] != "inspected" || data["last_visit"] == "" {
		t.Errorf("decoded data = %v", data)
	}
	if strings.Contains(r.Body, visitor.Cookie(web.SessionCookie)) {
		t.Error("the inspector shows the whole session key")
	}
	if !strings.Contains(d.Find("[data-testid=size]").Text(), "bytes") {
		t.Error("no raw size")
	}

	// Sensitive values are masked.
	key := web.NewSessionKey()
	raw := gobMap(t, map[string]any{"csrf_token": "s3cr3t-value", "note": "visible"})
	site.Store.DB().Exec("INSERT INTO sessions (k, v, e) VALUES (?, ?, ?)", key, raw, time.Now().Add(time.Hour).Unix())
	r = staff.Get("/admin/sessions/" + web.KeyHash(key))
	if strings.Contains(r.Body, "s3cr3t-value") || !strings.Contains(r.Body, "visible") {
		t.Error("a CSRF token value is shown, or a plain one is not")
	}
	for _, bad := range []string{"nothex", "0123456789abcdef", strings.Repeat("f", 64)} {
		if r := staff.Get("/admin/sessions/" + bad); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, r.StatusCode)
		}
	}
}

func whoami(t *testing.T, c *testsite.Client) string {
	t.Helper()
	return strings.TrimSpace(doc(t, c.Get("/")).Find("[data-testid=whoami]").Text())
}

func TestClearing(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "clearboss")
	newVisitor := func(name string) *testsite.Client {
		c := site.NewClient(t)
		c.Register(name, "correct horse battery")
		if !strings.Contains(whoami(t, c), name) {
			t.Fatalf("%s is not logged in", name)
		}
		return c
	}

	t.Run("one session by htmx", func(t *testing.T) {
		v := newVisitor("clear1")
		key := v.Cookie(web.SessionCookie)
		staff.Get("/admin/sessions")
		r := staff.Do(http.MethodPost, "/admin/sessions/"+web.KeyHash(key)+"/delete", url.Values{"_csrf": {staff.CSRF}},
			http.Header{"HX-Request": {"true"}, "HX-Target": {"row-" + web.KeyHash(key)}})
		wantStatus(t, r, http.StatusOK)
		// The row is swapped for nothing: everything in the answer goes
		// elsewhere, out of band.
		d := doc(t, r)
		if got := d.Find("#admin-notices[hx-swap-oob] [data-testid=notice]").Text(); !strings.Contains(got, "Ended 1 session of clear1.") {
			t.Errorf("the result message is %q", got)
		}
		if d.Find("body > *").Not("[hx-swap-oob]").Length() != 0 || strings.TrimSpace(d.Find("body").Children().Remove().End().Text()) != "" {
			t.Errorf("the row should be swapped for nothing, got %q", r.Body)
		}
		if who := whoami(t, v); who != "" {
			t.Errorf("the cleared browser is still %q", who)
		}
		if got := v.Cookie(web.SessionCookie); got == key {
			t.Error("the cleared key is still in use")
		}
		v.Get("/about")
		if v.Cookie(web.SessionCookie) == key || v.Cookie(web.SessionCookie) == "" {
			t.Error("the cleared browser did not get a new session")
		}
	})

	t.Run("selected", func(t *testing.T) {
		a, b, keep := newVisitor("sel-a"), newVisitor("sel-b"), newVisitor("sel-keep")
		staff.Get("/admin/sessions")
		form := url.Values{"ids": {web.KeyHash(a.Cookie(web.SessionCookie)), web.KeyHash(b.Cookie(web.SessionCookie)), "junk"}}
		r := staff.Post("/admin/sessions/end", form)
		wantStatus(t, r, http.StatusOK) // the confirmation
		if whoami(t, a) == "" || whoami(t, b) == "" {
			t.Fatal("sessions ended before the confirmation")
		}
		form.Set("confirmed", "yes")
		r = staff.Post("/admin/sessions/end", form)
		wantStatus(t, r, http.StatusSeeOther)
		if whoami(t, a) != "" || whoami(t, b) != "" {
			t.Error("a selected session survived")
		}
		if whoami(t, keep) == "" {
			t.Error("an unselected session was ended")
		}
	})

	t.Run("log out everywhere", func(t *testing.T) {
		one := newVisitor("everywhere")
		two := site.NewClient(t)
		two.Login("everywhere", "correct horse battery")
		other := newVisitor("bystander")
		u, _ := site.Store.UserByName(context.Background(), "everywhere")
		staff.Get("/admin/sessions")
		wantStatus(t, staff.Post(fmt.Sprintf("/admin/users/%d/logout-everywhere", u.ID), nil), http.StatusSeeOther)
		if whoami(t, one) != "" || whoami(t, two) != "" {
			t.Error("a session of the user survived")
		}
		if whoami(t, other) == "" {
			t.Error("another user's session was ended")
		}
		if r := staff.Post("/admin/users/999999/logout-everywhere", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown user: %d", r.StatusCode)
		}
	})

	t.Run("expired", func(t *testing.T) {
		live := newVisitor("notexpired")
		addSessions(t, site, 5, nil, "10.0.0.1", true)
		staff.Get("/admin/")
		wantStatus(t, staff.Post("/admin/sessions/delete-expired", nil), http.StatusSeeOther)
		var n int64
		site.Store.DB().Raw("SELECT COUNT(*) FROM sessions WHERE e <= ?", time.Now().Unix()).Row().Scan(&n)
		if n != 0 || whoami(t, live) == "" {
			t.Errorf("%d expired left, or a live session went", n)
		}
	})

	t.Run("all", func(t *testing.T) {
		v := newVisitor("lastone")
		staff.Get("/admin/sessions")
		r := staff.Post("/admin/sessions/delete-all", url.Values{"confirm": {"yes"}, "back": {"/admin/sessions?status=active"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if whoami(t, v) == "" {
			t.Fatal("sessions cleared without the confirmation word")
		}
		// The error is in the danger card, next to its box; the list is
		// still there.
		d := doc(t, r)
		if msg := d.Find("#danger-card [data-testid=confirm-error]").Text(); !strings.Contains(msg, "Nothing was cleared") {
			t.Errorf("no inline error in the danger card: %q", msg)
		}
		if inv, _ := d.Find("#confirm").Attr("aria-invalid"); inv != "true" {
			t.Error("the confirmation box is not marked invalid")
		}
		if d.Find("[data-testid=sessions]").Length() != 1 || d.Find("h1").Text() != "Sessions" {
			t.Error("the wrong word lost the list")
		}
		r = staff.Post("/admin/sessions/delete-all", url.Values{"confirm": {"clear"}})
		wantStatus(t, r, http.StatusSeeOther)
		var n int64
		site.Store.DB().Raw("SELECT COUNT(*) FROM sessions").Row().Scan(&n)
		if n != 0 || whoami(t, v) != "" {
			t.Errorf("%d sessions left after clearing all", n)
		}
	})
}

func TestAuditTrail(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "auditboss")
	resetSettings(t, site)
	v := site.NewClient(t)
	v.Register("audited", "correct horse battery")
	key := v.Cookie(web.SessionCookie)
	staff.Get("/admin/sessions")
	staff.Post("/admin/sessions/"+web.KeyHash(key)+"/delete", nil)
	staff.Post("/admin/settings", url.Values{"session_cookie_age": {"3600"}, "visit_interval": {"86400"}, "impact_confirmed": {"yes"}})
	r := staff.Get("/admin/audit")
	wantStatus(t, r, http.StatusOK)
	text := doc(t, r).Find("[data-testid=audit]").Text()
	for _, want := range []string{"auditboss", "end session", web.KeyHash(key), "change settings", "session_cookie_age 2 weeks → 1 hour"} {
		if !strings.Contains(text, want) {
			t.Errorf("audit trail lacks %q:\n%s", want, text)
		}
	}
	var leaks int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM audit_entries WHERE target LIKE ?", "%"+key+"%").Row().Scan(&leaks)
	if leaks != 0 {
		t.Error("a session key is in the audit trail in clear")
	}
}

func TestAdminFormsNeedCSRF(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "csrfboss")
	staff.Get("/admin/")
	for _, path := range []string{"/admin/categories", "/admin/categories/delete", "/admin/categories/1", "/admin/categories/1/reset",
		"/admin/categories/1/delete", "/admin/pages/delete", "/admin/pages/1", "/admin/pages/1/reset-views", "/admin/pages/1/delete",
		"/admin/users/1/staff", "/admin/users/1/active", "/admin/users/1/password", "/admin/users/1/delete",
		"/admin/settings", "/admin/sessions/end", "/admin/sessions/delete-expired",
		"/admin/sessions/delete-all", "/admin/sessions/0123456789abcdef/delete", "/admin/users/1/logout-everywhere"} {
		r := staff.Do(http.MethodPost, path, url.Values{"confirm": {"clear"}}, nil)
		wantStatus(t, r, http.StatusForbidden)
		if !strings.Contains(r.Body, "CSRF") {
			t.Errorf("%s: the 403 does not say what happened", path)
		}
	}
	if whoami(t, staff) == "" {
		t.Error("a refused request cleared the sessions")
	}
}

func TestDashboardCounts(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "countboss")
	site.NewClient(t).Get("/about") // an anonymous session
	addSessions(t, site, 4, nil, "10.0.0.9", true)
	wantStatus(t, staff.Get("/admin/"), http.StatusOK)
	var d *goquery.Document
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := staff.Get("/admin/stats")
		wantStatus(t, r, http.StatusOK)
		if d = doc(t, r); d.Find("[data-testid=active]").Length() == 1 {
			break
		}
		if !strings.Contains(r.Body, "Counting") {
			t.Fatalf("neither counts nor 'Counting':\n%s", r.Body)
		}
		if time.Now().After(deadline) {
			t.Fatal("no counts within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var active, expired, anon int64
	now := time.Now().Unix()
	site.Store.DB().Raw("SELECT SUM(e > ?), SUM(e <= ?), SUM(e > ? AND user_id IS NULL) FROM sessions", now, now, now).Row().Scan(&active, &expired, &anon)
	num := func(id string) string { return strings.TrimSpace(d.Find("[data-testid=" + id + "]").Text()) }
	if num("active") != fmt.Sprint(active) || num("expired") != fmt.Sprint(expired) || num("anonymous") != fmt.Sprint(anon) {
		t.Errorf("dashboard shows active %s expired %s anonymous %s; database has %d, %d, %d",
			num("active"), num("expired"), num("anonymous"), active, expired, anon)
	}
	bars := d.Find("[data-testid=chart] a.admin-bar")
	if bars.Length() != 14 {
		t.Fatalf("the chart has %d days, want 14", bars.Length())
	}
	today := time.Now().UTC().Format("2006-01-02")
	if href, _ := bars.Last().Attr("href"); href != "/admin/sessions?day="+today {
		t.Errorf("today's bar links to %q", href)
	}
	for id, want := range map[string]string{"active": "/admin/sessions?status=active", "expired": "/admin/sessions?status=expired",
		"anonymous": "/admin/sessions?status=active&who=anonymous", "logged-in": "/admin/sessions?status=active&who=users"} {
		if href, _ := d.Find("[data-testid=" + id + "]").Parent().Attr("href"); href != want {
			t.Errorf("the %s card links to %q, want %q", id, href, want)
		}
	}
}

// TestNoActionWithoutAnActor mounts the panel without web.RequireStaff, as
// a mistake in main would: an action must be refused, not carried out
// without an audit entry.
func TestNoActionWithoutAnActor(t *testing.T) {
	site := testsite.Start(t, db, nil)
	addSessions(t, site, 3, nil, "10.0.0.7", true)
	var before int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions").Row().Scan(&before)
	log := testsite.Logger(t)
	f := fiber.New(fiber.Config{ErrorHandler: web.ErrorHandler(log)})
	f.Use(site.Server.Sessions.Middleware())
	admin.New(admin.Deps{Log: log, Store: site.Store, Settings: site.Server.Settings}).Register(f.Group("/admin"))
	resp, err := f.Test(httptest.NewRequest(http.MethodPost, "/admin/sessions/delete-expired", nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode < 400 {
		t.Errorf("an admin action without a user: %d, want it refused", resp.StatusCode)
	}
	var after, audited int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM sessions").Row().Scan(&after)
	site.Store.DB().Raw("SELECT COUNT(*) FROM audit_entries WHERE action = 'clear expired sessions'").Row().Scan(&audited)
	if after != before && audited == 0 {
		t.Errorf("%d sessions were deleted and nobody was recorded in the audit trail", before-after)
	}
}

// TestRevokedStaffLosesTheAdminAtOnce: staff status is read from the
// database on every request, not from what the session recorded at login.
func TestRevokedStaffLosesTheAdminAtOnce(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "revokedboss")
	wantStatus(t, staff.Get("/admin/"), http.StatusOK)
	if err := site.Store.DB().Exec("UPDATE users SET is_staff = false WHERE username = ?", "revokedboss").Error; err != nil {
		t.Fatal(err)
	}
	wantStatus(t, staff.Get("/admin/"), http.StatusForbidden)
}
