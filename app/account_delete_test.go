package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rango/internal/testsite"
	"rango/web"
)

// TestDeleteOwnAccount: a wrong password is refused, and limited like
// logging in; the right one deletes the account at once: the user's other
// browser is anonymous on its next request (and told why), the name can be
// registered again, the likes are gone with the counts they added, an
// audit entry says so, and this browser lands on the home page with a
// message.
func TestDeleteOwnAccount(t *testing.T) {
	site := testsite.Start(t, db, nil)
	if err := site.Store.LoadSampleData(context.Background()); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("leaver%d", time.Now().UnixNano()%1e9)
	here, there := site.NewClient(t), site.NewClient(t)
	here.Register(name, keepPassword)
	there.Login(name, keepPassword)
	likes := func() int64 {
		var n int64
		site.Store.DB().Raw("SELECT likes FROM categories WHERE slug = 'python'").Row().Scan(&n)
		return n
	}
	before := likes()
	here.Get("/category/python")
	wantStatus(t, here.Post("/category/python/like", nil), http.StatusSeeOther)
	if likes() != before+1 {
		t.Fatal("the like did not count")
	}

	page := here.Get("/account/delete")
	wantStatus(t, page, http.StatusOK)
	if text := doc(t, page).Find("main").Text(); !strings.Contains(text, "What goes") || !strings.Contains(text, "What stays") {
		t.Error("the page does not say what goes and what stays")
	}
	r := here.Post("/account/delete", url.Values{"password": {"not my password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(doc(t, r).Find(`[data-testid="problem"]`).Text(), "not your password") {
		t.Error("a wrong password is not refused with a message")
	}
	// From a browser not known as this user's (no device cookie), the
	// account's budget of wrong passwords counts, as for logging in.
	base, _ := url.Parse(here.Base)
	here.Jar.SetCookies(base, []*http.Cookie{{Name: web.DeviceCookie, Path: "/", MaxAge: -1}})
	id := userID(t, site, name)
	countFailures(t, site, "account:user:"+strconv.FormatUint(id, 10), 100)
	wantStatus(t, here.Post("/account/delete", url.Values{"password": {keepPassword}}), http.StatusTooManyRequests)
	site.Store.DB().Exec("DELETE FROM rate_limits")

	r = here.Post("/account/delete", url.Values{"password": {keepPassword}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("deleting the account: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if got := flashText(t, here.Get("/")); !strings.Contains(got, "Your account was deleted") {
		t.Errorf("the home page after deleting says %q", got)
	}
	wantSignedOutOnce(t, there, "/about", "your account was deleted")
	if likes() != before {
		t.Errorf("the category's likes are %d after the account went, want %d", likes(), before)
	}
	var entries int64
	site.Store.DB().Raw("SELECT COUNT(*) FROM audit_entries WHERE action = 'delete own account' AND actor_name = ?", name).Row().Scan(&entries)
	if entries != 1 {
		t.Errorf("%d audit entries for the deletion, want 1", entries)
	}
	again := site.NewClient(t)
	if r := again.Register(name, keepPassword); r.StatusCode != http.StatusSeeOther {
		t.Errorf("registering the deleted name again: %d", r.StatusCode)
	}
}

// TestLastStaffCannotDeleteItself: the last active staff account cannot
// delete itself; the page says why (on a database of its own, where no
// other staff account exists).
func TestLastStaffCannotDeleteItself(t *testing.T) {
	own, err := testsite.NewDatabase("laststaff")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = own.Drop() })
	site := testsite.Start(t, own, nil)
	if _, err := site.Store.MakeStaff(context.Background(), "onlyboss", keepPassword); err != nil {
		t.Fatal(err)
	}
	c := site.NewClient(t)
	c.Login("onlyboss", keepPassword)
	if doc(t, c.Get("/account/delete")).Find(`[data-testid="last-staff"]`).Length() != 1 {
		t.Error("the page does not say why the last staff account cannot be deleted")
	}
	wantStatus(t, c.Post("/account/delete", url.Values{"password": {keepPassword}}), http.StatusConflict)
	if _, err := site.Store.UserByName(context.Background(), "onlyboss"); err != nil {
		t.Errorf("the last staff account is gone: %v", err)
	}
	if whoami := doc(t, c.Get("/")).Find(`[data-testid="whoami"]`).Text(); !strings.Contains(whoami, "onlyboss") {
		t.Error("the last staff account was logged out")
	}
}
