package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/models"
	"rango/web"
)

// member registers a user who likes a category, logged in on this
// instance and (with the same cookie) known to the other one.
func member(t *testing.T, site, other *testsite.Site, name string) (*testsite.Client, *testsite.Client, models.User) {
	t.Helper()
	c := site.NewClient(t)
	if r := c.Register(name, "correct horse battery"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register %s: %d", name, r.StatusCode)
	}
	u, err := site.Store.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	there := other.NewClient(t)
	there.SetCookie(web.SessionCookie, c.Cookie(web.SessionCookie))
	if whoami(t, there) == "" {
		t.Fatal("the session is not known on the other instance")
	}
	return c, there, u
}

// loggedOutEverywhere fails unless the clients are anonymous now, and the
// first of them is told why (the others share its session key: told once).
func loggedOutEverywhere(t *testing.T, what, why string, clients ...*testsite.Client) {
	t.Helper()
	for i, c := range clients {
		d := doc(t, c.Get("/"))
		if who := strings.TrimSpace(d.Find("[data-testid=whoami]").Text()); who != "" {
			t.Errorf("%s: client %d is still %q", what, i, who)
		}
		if got := d.Find("[data-testid=flash]").Text(); i == 0 && !strings.Contains(got, why) {
			t.Errorf("%s: the first page says %q, want %q", what, got, why)
		}
	}
}

func TestAccountChangesEndSessions(t *testing.T) {
	site := testsite.Start(t, db, nil)
	other := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "acctboss")
	staff.Get("/admin/users")
	post := func(path string, form url.Values) *testsite.Response {
		t.Helper()
		r := staff.Post(path, form)
		wantStatus(t, r, http.StatusSeeOther)
		return r
	}

	t.Run("make staff", func(t *testing.T) {
		here, there, u := member(t, site, other, "promoted")
		post(fmt.Sprintf("/admin/users/%d/staff", u.ID), url.Values{"staff": {"on"}})
		loggedOutEverywhere(t, "after promotion", "an administrator ended your session", here, there)
		here.Login("promoted", "correct horse battery")
		wantStatus(t, here.Get("/admin/"), http.StatusOK)
		if !auditHas(t, staff, "user", "make staff", "Made promoted staff: 1 session ended", 1) {
			t.Error("no audit entry")
		}
	})
	t.Run("remove staff", func(t *testing.T) {
		if _, err := site.Store.MakeStaff(context.Background(), "demoted", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		here := site.NewClient(t)
		here.Login("demoted", "correct horse battery")
		wantStatus(t, here.Get("/admin/"), http.StatusOK)
		u, _ := site.Store.UserByName(context.Background(), "demoted")
		r := staff.Post(fmt.Sprintf("/admin/users/%d/staff", u.ID), url.Values{"staff": {"off"}})
		wantStatus(t, r, http.StatusOK) // asked first
		if q := doc(t, r).Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, "Remove staff from demoted?") {
			t.Errorf("the confirmation asks %q", q)
		}
		post(fmt.Sprintf("/admin/users/%d/staff", u.ID), url.Values{"staff": {"off"}, "confirmed": {"yes"}})
		loggedOutEverywhere(t, "after demotion", "an administrator ended your session", here)
		here.Login("demoted", "correct horse battery")
		wantStatus(t, here.Get("/admin/"), http.StatusForbidden)
	})
	t.Run("deactivate", func(t *testing.T) {
		here, there, u := member(t, site, other, "disabled")
		post(fmt.Sprintf("/admin/users/%d/active", u.ID), url.Values{"active": {"off"}, "confirmed": {"yes"}})
		loggedOutEverywhere(t, "after deactivation", "an administrator ended your session", here, there)
		r := here.Login("disabled", "correct horse battery")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := doc(t, r).Find("[data-testid=problem]").Text(); got != "This account is disabled." {
			t.Errorf("the login of a deactivated account says %q", got)
		}
		// A wrong password says nothing about the account.
		r = here.Login("disabled", "wrong password")
		if got := doc(t, r).Find("[data-testid=problem]").Text(); got != "The user name or the password is not right." {
			t.Errorf("a wrong password of a deactivated account says %q", got)
		}
		d := doc(t, staff.Get(fmt.Sprintf("/admin/users/%d", u.ID)))
		if !strings.Contains(d.Find("[data-testid=badges]").Text(), "deactivated") {
			t.Error("the user page does not say deactivated")
		}
		if n := d.Find("[data-testid=logins] tbody tr:contains('refused')").Length(); n != 2 {
			t.Errorf("%d refused logins recorded, want 2", n)
		}
		post(fmt.Sprintf("/admin/users/%d/active", u.ID), url.Values{"active": {"on"}})
		if r := here.Login("disabled", "correct horse battery"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("a reactivated account cannot log in: %d", r.StatusCode)
		}
	})
	t.Run("set password", func(t *testing.T) {
		here, there, u := member(t, site, other, "newpass")
		r := staff.Post(fmt.Sprintf("/admin/users/%d/password", u.ID), url.Values{"password": {"short"}, "password2": {"short"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		d := doc(t, r)
		if got := d.Find("#password-error").Text(); !strings.Contains(got, "at least 8 characters") {
			t.Errorf("a short password: %q", got)
		}
		if inv, _ := d.Find("#password").Attr("aria-invalid"); inv != "true" {
			t.Error("the password field is not marked invalid")
		}
		// The rules of registration: a guessable password is refused too.
		r = staff.Post(fmt.Sprintf("/admin/users/%d/password", u.ID), url.Values{"password": {"long enough"}, "password2": {"long enough"}})
		if got := doc(t, r).Find("#password-error").Text(); !strings.Contains(got, "too easy to guess") {
			t.Errorf("a guessable password: %q", got)
		}
		r = staff.Post(fmt.Sprintf("/admin/users/%d/password", u.ID), url.Values{"password": {"a new password"}, "password2": {"another one"}})
		if got := doc(t, r).Find("#password2-error").Text(); got != "The two passwords differ." {
			t.Errorf("differing passwords: %q", got)
		}
		if whoami(t, here) == "" {
			t.Fatal("a refused password ended the sessions")
		}
		post(fmt.Sprintf("/admin/users/%d/password", u.ID), url.Values{"password": {"a new password"}, "password2": {"a new password"}})
		loggedOutEverywhere(t, "after a new password", "your password was changed", here, there)
		if r := here.Login("newpass", "correct horse battery"); r.StatusCode == http.StatusSeeOther {
			t.Error("the old password still works")
		}
		if r := here.Login("newpass", "a new password"); r.StatusCode != http.StatusSeeOther {
			t.Error("the new password does not work")
		}
	})
	t.Run("log out everywhere", func(t *testing.T) {
		here, there, u := member(t, site, other, "everywhere2")
		post(fmt.Sprintf("/admin/users/%d/logout-everywhere", u.ID), url.Values{"back": {fmt.Sprintf("/admin/users/%d", u.ID)}})
		loggedOutEverywhere(t, "after log out everywhere", "an administrator ended your session", here, there)
	})
	t.Run("delete", func(t *testing.T) {
		here, there, u := member(t, site, other, "deleted")
		cat := newCategory(t, site, "Liked Then Kept", 1)
		if _, err := site.Store.LikeCategory(context.Background(), u.ID, cat.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := site.Store.CreatePage(context.Background(), cat.ID, "Added by deleted", "https://example.com/d"); err != nil {
			t.Fatal(err)
		}
		r := staff.Post(fmt.Sprintf("/admin/users/%d/delete", u.ID), nil)
		if q := doc(t, r).Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, "Delete the account deleted?") {
			t.Errorf("the confirmation asks %q", q)
		}
		post(fmt.Sprintf("/admin/users/%d/delete", u.ID), url.Values{"confirmed": {"yes"}})
		loggedOutEverywhere(t, "after deletion", "your account was deleted", here, there)
		var likes, pages int64
		site.Store.DB().Raw("SELECT likes FROM categories WHERE id = ?", cat.ID).Row().Scan(&likes)
		site.Store.DB().Raw("SELECT COUNT(*) FROM pages WHERE category_id = ?", cat.ID).Row().Scan(&pages)
		if likes != 0 || pages != 2 {
			t.Errorf("after deleting the user: %d likes (want 0), %d pages (want 2)", likes, pages)
		}
		wantStatus(t, staff.Get(fmt.Sprintf("/admin/users/%d", u.ID)), http.StatusNotFound)
		if !auditHas(t, staff, "user", "delete user", "1 like and 1 session went", 1) {
			t.Error("no audit entry")
		}
	})
}

// TestLastStaffKeepsRights runs on a database of its own, where the
// acting staff account is the only one.
func TestLastStaffKeepsRights(t *testing.T) {
	own, err := testsite.NewDatabase("admin_last")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = own.Drop() })
	site := testsite.Start(t, own, nil)
	staff := staffClient(t, site, "onlyboss")
	me, _ := site.Store.UserByName(context.Background(), "onlyboss")
	d := doc(t, staff.Get(fmt.Sprintf("/admin/users/%d", me.ID)))
	if !strings.Contains(d.Find("[data-testid=last-staff]").Text(), "onlyboss is the last active staff account") {
		t.Error("the page does not say why the buttons are off")
	}
	for _, sel := range []string{"[data-testid=remove-staff]", "[data-testid=deactivate]", "[data-testid=delete-user]"} {
		if _, disabled := d.Find(sel).Attr("disabled"); !disabled {
			t.Errorf("%s is not disabled for the last staff account", sel)
		}
	}
	for path, form := range map[string]url.Values{
		"staff": {"staff": {"off"}, "confirmed": {"yes"}}, "active": {"active": {"off"}, "confirmed": {"yes"}}, "delete": {"confirmed": {"yes"}},
	} {
		r := staff.Post(fmt.Sprintf("/admin/users/%d/%s", me.ID, path), form)
		wantStatus(t, r, http.StatusConflict)
		if got := doc(t, r).Find("[data-testid=problem]").Text(); !strings.Contains(got, "last active staff account") {
			t.Errorf("%s: the refusal says %q", path, got)
		}
	}
	if whoami(t, staff) == "" {
		t.Fatal("a refused change ended the staff's session")
	}
	// With a second staff account, the first may step down.
	if _, err := site.Store.MakeStaff(context.Background(), "secondboss", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	r := staff.Post(fmt.Sprintf("/admin/users/%d/staff", me.ID), url.Values{"staff": {"off"}, "confirmed": {"yes"}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Fadmin%2F" {
		t.Errorf("stepping down goes to %q, want the login page", loc)
	}
}

func TestUserList(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "listusersboss")
	c := site.NewClient(t)
	c.Register("listed-user", "correct horse battery")
	second := site.NewClient(t)
	second.Login("listed-user", "correct horse battery")
	u, _ := site.Store.UserByName(context.Background(), "listed-user")
	site.Store.DB().Exec("UPDATE users SET email = 'listed@example.com' WHERE id = ?", u.ID)
	row := func(d *goquery.Document, name string) *goquery.Selection {
		return d.Find("[data-testid=users] tbody tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find(".col-key").Text() == name
		})
	}
	d := doc(t, staff.Get("/admin/users?q=listed@example"))
	r := row(d, "listed-user")
	if r.Length() != 1 || strings.TrimSpace(r.Find("[data-testid=user-sessions]").Text()) != "2" {
		t.Errorf("search by email: %q", r.Text())
	}
	if got := strings.TrimSpace(r.Find("td").Eq(3).Text()); got == "never" || got == "" {
		t.Errorf("the last login shows as %q", got)
	}
	if row(doc(t, staff.Get("/admin/users?staff=1")), "listed-user").Length() != 0 {
		t.Error("the staff filter lists a member")
	}
	if row(doc(t, staff.Get("/admin/users?staff=1")), "listusersboss").Length() != 1 {
		t.Error("the staff filter misses a staff account")
	}
	site.Store.DB().Exec("UPDATE users SET is_active = 0 WHERE id = ?", u.ID)
	if row(doc(t, staff.Get("/admin/users?inactive=1&q=listed")), "listed-user").Length() != 1 {
		t.Error("the inactive filter misses a deactivated account")
	}
	d = doc(t, staff.Get("/admin/"))
	if d.Find("[data-testid=total-users]").Text() == "" || d.Find("[data-testid=total-staff]").Text() == "" {
		t.Error("the dashboard has no content totals")
	}
}

func TestLoginRecordsTrimmed(t *testing.T) {
	site := testsite.Start(t, db, nil)
	c := site.NewClient(t)
	c.Register("manylogins", "correct horse battery")
	for i := 0; i < 3; i++ {
		c.Login("manylogins", "wrong password")
	}
	u, _ := site.Store.UserByName(context.Background(), "manylogins")
	for i := 0; i < models.KeptLogins+7; i++ {
		if err := site.Store.RecordLogin(context.Background(), "manylogins", "10.0.0.1", "curl/8", i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := site.Store.TrimLoginRecords(context.Background(), models.KeptLogins, 1000); err != nil {
		t.Fatal(err)
	}
	logins, err := site.Store.RecentLogins(context.Background(), u.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != models.KeptLogins {
		t.Errorf("%d login records kept, want %d", len(logins), models.KeptLogins)
	}
}
