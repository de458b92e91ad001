package admin_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/internal/testsite"
	"rango/web"
)

// pageThrough follows the list's "next" links from path and returns every
// hash listed, in order, and the pages' totals.
func pageThrough(t *testing.T, c *testsite.Client, path string) ([]string, []string) {
	t.Helper()
	var hashes, totals []string
	r := c.Get(path)
	for {
		wantStatus(t, r, http.StatusOK)
		hashes = append(hashes, listed(t, r)...)
		totals = append(totals, strings.TrimSpace(doc(t, r).Find("[data-testid=total]").Text()))
		next, ok := doc(t, r).Find("[data-testid=next]").Attr("href")
		if !ok {
			return hashes, totals
		}
		r = c.Get(next)
	}
}

func TestListSortsWithKeysetPaging(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.Store.DB().Exec("DELETE FROM sessions")
	staff := staffClient(t, site, "sortboss")
	// 130 sessions whose keys tie often: ten expiry times, three creation
	// days, sizes by tens.
	now := time.Now().Unix()
	for i := 0; i < 130; i++ {
		err := site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
			web.NewSessionKey(), make([]byte, 10+10*(i%7)), now+int64(600*(i%10)+60), fmt.Sprintf("10.4.0.%d", i),
			now-int64(86400*(i%3)), now-int64(i%13)).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ sort, order string }{
		{"", "last_seen DESC, kh DESC"},
		{"seen-asc", "last_seen ASC, kh ASC"},
		{"created", "created_at DESC, kh DESC"},
		{"created-asc", "created_at ASC, kh ASC"},
		{"expires", "e ASC, kh ASC"},
		{"expires-desc", "e DESC, kh DESC"},
		{"size", "LENGTH(v) DESC, kh DESC"},
		{"size-asc", "LENGTH(v) ASC, kh ASC"},
	} {
		t.Run("sort="+tc.sort, func(t *testing.T) {
			var want []string
			site.Store.DB().Raw("SELECT kh FROM sessions ORDER BY " + tc.order).Scan(&want)
			path := "/admin/sessions"
			if tc.sort != "" {
				path += "?sort=" + tc.sort
			}
			got, totals := pageThrough(t, staff, path)
			if !slices.Equal(got, want) {
				t.Fatalf("paged through %d sessions in a different order than ORDER BY %s (%d)", len(got), tc.order, len(want))
			}
			n := len(want)
			wantTotals := []string{fmt.Sprintf("%d sessions · showing 1–50", n), fmt.Sprintf("%d sessions · showing 51–100", n),
				fmt.Sprintf("%d sessions · showing 101–%d", n, n)}
			if !slices.Equal(totals, wantTotals) {
				t.Errorf("totals %q, want %q", totals, wantTotals)
			}
			// Back from the second page is the first page.
			r := staff.Get(path)
			next, _ := doc(t, r).Find("[data-testid=next]").Attr("href")
			prev, _ := doc(t, staff.Get(next)).Find("[data-testid=prev]").Attr("href")
			if back := listed(t, staff.Get(prev)); !slices.Equal(back, want[:50]) {
				t.Error("the previous page of the second page is not the first")
			}
		})
	}
	// A column header sorts by it, the other way round when clicked again.
	d := doc(t, staff.Get("/admin/sessions?sort=size"))
	th := d.Find("th[aria-sort]")
	if a, _ := th.Attr("aria-sort"); a != "descending" || !strings.Contains(th.Text(), "Size") {
		t.Errorf("the sorted column is %q, %q", th.Text(), a)
	}
	if href, _ := th.Find("a").Attr("href"); href != "/admin/sessions?sort=size-asc" {
		t.Errorf("the size header links to %q", href)
	}
}

func TestListFiltersShowAsChips(t *testing.T) {
	site := testsite.Start(t, db, nil)
	staff := staffClient(t, site, "chipboss")
	day := time.Now().UTC().AddDate(0, 0, -2).Truncate(24 * time.Hour)
	for i := 0; i < 4; i++ {
		site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
			web.NewSessionKey(), []byte{0}, time.Now().Unix()+3600, "10.44.0.1", day.Unix()+int64(3600*i), time.Now().Unix())
	}
	for i := 0; i < 3; i++ { // created today
		site.Store.DB().Exec("INSERT INTO sessions (k, v, e, ip, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
			web.NewSessionKey(), []byte{0}, time.Now().Unix()+3600, "10.44.0.2", time.Now().Unix(), time.Now().Unix())
	}
	path := "/admin/sessions?status=active&who=anonymous&q=10.44.&day=" + day.Format("2006-01-02")
	r := staff.Get(path)
	d := doc(t, r)
	if rows := listed(t, r); len(rows) != 4 {
		t.Errorf("%d sessions created on %s, want 4", len(rows), day.Format("2 Jan"))
	}
	chips := map[string]string{}
	d.Find("[data-testid=chip]").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		chips[strings.TrimSpace(s.Find("span").First().Text())] = href
	})
	dayChip := "Created: on " + day.Format("Mon 2 Jan 2006")
	for label, without := range map[string]string{
		"Status: active": "/admin/sessions?day=" + day.Format("2006-01-02") + "&q=10.44.&who=anonymous",
		"Who: anonymous": "/admin/sessions?day=" + day.Format("2006-01-02") + "&q=10.44.&status=active",
		"Search: 10.44.": "/admin/sessions?day=" + day.Format("2006-01-02") + "&status=active&who=anonymous",
		dayChip:          "/admin/sessions?q=10.44.&status=active&who=anonymous",
	} {
		if chips[label] != without {
			t.Errorf("chip %q removes to %q, want %q (chips: %v)", label, chips[label], without, chips)
		}
	}
	if n := len(listed(t, staff.Get(chips[dayChip]))); n != 7 {
		t.Errorf("without the day, %d sessions, want 7", n)
	}
	if d := doc(t, staff.Get("/admin/sessions?q=10.45.")); !strings.Contains(d.Find("[data-testid=no-sessions]").Text(), "No sessions match these filters") {
		t.Error("no message for an empty result")
	}
}

func TestListWho(t *testing.T) {
	site := testsite.Start(t, db, nil)
	site.Store.DB().Exec("DELETE FROM sessions")
	staff := staffClient(t, site, "whoboss")
	loggedIn(t, site, "who-user")
	addSessions(t, site, 5, nil, "10.3.3.3", false)
	for who, want := range map[string]int{"anonymous": 5, "users": 2} {
		if n := len(listed(t, staff.Get("/admin/sessions?who="+who))); n != want {
			t.Errorf("who=%s: %d sessions, want %d", who, n, want)
		}
	}
}
