package cluster_test

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"rango/internal/testsite"
	"rango/web"
)

// twoNodes starts instance A on node 1 and instance B on node 2, directly
// (not through HAProxy), on a new database: every request of a burst
// split over them meets the other node's writes.
func twoNodes(t *testing.T, prefix string) (a, b *testsite.Site) {
	t.Helper()
	db := newDatabase(prefix)
	a = siteOn(t, cluster.Nodes[0].Addr(), db)
	b = siteOn(t, cluster.Nodes[1].Addr(), db)
	return a, b
}

// storedVisits decodes the visit counter of a stored session.
func storedVisits(t *testing.T, site *testsite.Site, key string) int64 {
	t.Helper()
	var raw []byte
	if err := site.Store.DB().Raw("SELECT v FROM sessions WHERE k = ?", key).Row().Scan(&raw); err != nil {
		t.Fatal(err)
	}
	data := map[string]any{}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		t.Fatal(err)
	}
	n, _ := web.AsInt(data["visits"])
	return n
}

// burst sends n concurrent GET /about of one browser, alternately to each
// site, and counts the answers by status (-1: no answer).
func burst(b *browser, sites []*testsite.Site, n int) map[int]int {
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := b.get(sites[i%len(sites)].URL + "/about")
			if r.err != nil {
				r.status = -1
			}
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return statuses
}

// One browser's changing requests spread over two instances on two nodes:
// Galera's row locks do not span nodes, so they conflict at commit (1213)
// and are run again until their deadline. None is lost, none is a 500.
func TestHotSessionOnTwoNodes(t *testing.T) {
	a, b := twoNodes(t, "hot")
	sites := []*testsite.Site{a, b}
	br := newBrowser()
	if got := visits(br.get(a.URL + "/about").body); got != "Visits: 1" {
		t.Fatalf("first visit: %q", got)
	}
	key := br.session(a.URL)

	statuses := burst(br, sites, 50)
	if statuses[http.StatusOK] != 50 {
		t.Errorf("50 concurrent visits over two nodes: %v, want all 200", statuses)
	}
	if got := storedVisits(t, a, key); got != 51 {
		t.Errorf("visits after 1 + 50: %d, want 51", got)
	}

	statuses = burst(br, sites, 200)
	for status, n := range statuses {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("200 concurrent visits: %d answered %d", n, status)
		}
	}
	want := int64(51 + statuses[http.StatusOK])
	if got := storedVisits(t, b, key); got != want {
		t.Errorf("visits after 51 + %d served: %d, want %d (an increment lost or doubled)", statuses[http.StatusOK], got, want)
	}
	ca, cb := a.Store.Counts(), b.Store.Counts()
	t.Logf("200 at once: %v; conflicts retried %d + %d, given up %d + %d", statuses,
		ca.ConflictRetries, cb.ConflictRetries, ca.ConflictGiveUps, cb.ConflictGiveUps)
	noErrorsLogged(t, a, b)
}

// What one node writes, the next request reads on the other: a new session
// made on A is found on B at once (the row is not yet applied there
// without a causal read, and a missing row means a new session), and a
// login and a logout on A hold on B.
func TestReadYourWritesAcrossNodes(t *testing.T) {
	a, b := twoNodes(t, "causal")
	stale := 0
	for range 200 {
		br := newBrowser()
		if got := visits(br.get(a.URL + "/about").body); got != "Visits: 1" {
			t.Fatalf("first visit on A: %q", got)
		}
		if got := visits(br.get(b.URL + "/about").body); got != "Visits: 2" {
			stale++
		}
	}
	if stale > 0 {
		t.Errorf("%d of 200 second visits on B did not find the session A had just made", stale)
	}

	reg := a.NewClient(t)
	reg.Register("causal", "long enough")
	for i := range 10 {
		c := a.NewClient(t)
		testsite.WantStatus(t, c.Login("causal", "long enough"), http.StatusSeeOther)
		c.Base = b.URL
		if r := c.Get("/restricted"); r.StatusCode != http.StatusOK {
			t.Errorf("try %d: /restricted on B right after logging in on A: %d", i, r.StatusCode)
		}
		c.Base = a.URL
		c.Get("/")
		c.Post("/logout", nil)
		c.Base = b.URL
		if r := c.Get("/restricted"); r.StatusCode == http.StatusOK {
			t.Errorf("try %d: /restricted on B right after logging out on A: still logged in", i)
		}
	}
	noErrorsLogged(t, a, b)
}

// Likes of one category from many users at once, on two nodes: every like
// counts once.
func TestLikesOnTwoNodes(t *testing.T) {
	a, b := twoNodes(t, "likes")
	sites := []*testsite.Site{a, b}
	const users = 8
	clients := make([]*testsite.Client, users)
	for i := range clients {
		clients[i] = sites[i%2].NewClient(t)
		clients[i].Register(fmt.Sprintf("liker%d", i), "long enough")
		clients[i].Get("/category/python")
	}
	before, err := a.Store.CategoryBySlug(t.Context(), "python")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	statuses := make([]int, users)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, c.Base+"/category/python/like",
				strings.NewReader(url.Values{"_csrf": {c.CSRF}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.HTTP.Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s >= 400 {
			t.Errorf("user %d's like: %d", i, s)
		}
	}
	after, err := b.Store.CategoryBySlug(t.Context(), "python")
	if err != nil {
		t.Fatal(err)
	}
	if after.Likes != before.Likes+users {
		t.Errorf("likes %d after %d users liked at once, want %d", after.Likes, users, before.Likes+users)
	}
	noErrorsLogged(t, a, b)
}
