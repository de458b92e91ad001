package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"rango/internal/testsite"
)

// likeAll has each client like (or unlike) the category at once, as htmx
// does, and returns the counts the answers show.
func likeAll(t *testing.T, clients []*testsite.Client, slug string, like bool) []int {
	t.Helper()
	action := "unlike"
	if like {
		action = "like"
	}
	var mu sync.Mutex
	var shown []int
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			r := c.Do(http.MethodPost, "/category/"+slug+"/"+action, nil,
				http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {c.CSRF}})
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s: %d\n%.300s", action, r.StatusCode, r.Body)
				return
			}
			n, err := strconv.Atoi(likeCount(t, r.Body))
			if err != nil {
				t.Errorf("%s: the answer shows no count: %v", action, err)
				return
			}
			mu.Lock()
			shown = append(shown, n)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(shown)
	return shown
}

// likeState reads a category's like count and its number of like rows.
func likeState(t *testing.T, site *testsite.Site, slug string) (count, rows int64) {
	t.Helper()
	err := site.Store.DB().Raw(`SELECT c.likes, (SELECT COUNT(*) FROM likes l WHERE l.category_id = c.id)
		FROM categories c WHERE c.slug = ?`, slug).Row().Scan(&count, &rows)
	if err != nil {
		t.Fatal(err)
	}
	return count, rows
}

// wantCommitted fails unless every answer showed a count a batch of likes
// committed: between the first possible and the final count, the final
// one among them. (Likes queued together share one transaction and show
// its count.)
func wantCommitted(t *testing.T, what string, shown []int, first, final int) {
	t.Helper()
	lo, hi := min(first, final), max(first, final)
	ok := len(shown) > 0 && shown[0] >= lo && shown[len(shown)-1] <= hi
	if !ok || !slices.Contains(shown, final) {
		t.Errorf("%s: the answers showed %v, want counts between %d and %d, the final %d among them", what, shown, first, final, final)
	}
}

// TestConcurrentLikesCountExactly: 200 users liking one category at once
// give a count of exactly 200, each answer showing a count that was
// committed; 100 of them unliking at once give 100; one user's 20
// concurrent like and unlike clicks leave the count equal to the rows.
func TestConcurrentLikesCountExactly(t *testing.T) {
	site := testsite.Start(t, db, nil)
	cat, err := site.Store.CreateCategory(t.Context(), "Crowded "+strconv.FormatInt(time.Now().UnixNano()%1e9, 36))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the other tests of the package share the database and its top lists
		site.Store.DB().Exec("DELETE FROM likes WHERE category_id = ?", cat.ID)
		site.Store.DB().Exec("DELETE FROM categories WHERE id = ?", cat.ID)
	})
	users := make([]*testsite.Client, 200)
	run := time.Now().UnixNano() % 1e9 // new names on every run of the test (-count)
	for i := range users {
		users[i] = site.SignedInClient(t, fmt.Sprintf("liker%d_%03d", run, i))
	}

	wantCommitted(t, "200 likes at once", likeAll(t, users, cat.Slug, true), 1, 200)
	if count, rows := likeState(t, site, cat.Slug); count != 200 || rows != 200 {
		t.Errorf("after 200 likes at once: count %d, %d like rows; want 200 and 200", count, rows)
	}

	wantCommitted(t, "100 unlikes at once", likeAll(t, users[:100], cat.Slug, false), 199, 100)
	if count, rows := likeState(t, site, cat.Slug); count != 100 || rows != 100 {
		t.Errorf("after 100 unlikes at once: count %d, %d like rows; want 100 and 100", count, rows)
	}

	clicker, token := users[150], users[150].CSRF // likes it already
	var wg sync.WaitGroup
	for i := range 20 {
		action := "like" // 13 likes and 7 unlikes, interleaved
		if i%3 == 0 {
			action = "unlike"
		}
		wg.Go(func() { // one browser's clicks: its http.Client is safe to share, the test Client is not
			req, _ := http.NewRequest(http.MethodPost, clicker.Base+"/category/"+cat.Slug+"/"+action, nil)
			req.Header.Set("HX-Request", "true")
			req.Header.Set("X-CSRF-Token", token)
			resp, err := clicker.HTTP.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", action, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	count, rows := likeState(t, site, cat.Slug)
	t.Logf("after the clicks: count %d, rows %d", count, rows)
	if count != rows || (rows != 99 && rows != 100) {
		t.Errorf("after one user's 20 concurrent clicks: count %d, %d like rows; want them equal, 99 or 100", count, rows)
	}
}
