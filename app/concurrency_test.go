package app_test

import (
	"bytes"
	"encoding/gob"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
	"rango/web"
)

// storedVisits decodes the visits value of a stored session.
func storedVisits(t *testing.T, site *testsite.Site, key string) any {
	t.Helper()
	var raw []byte
	if err := site.Store.DB().Raw("SELECT v FROM sessions WHERE k = ?", key).Row().Scan(&raw); err != nil {
		t.Fatal(err)
	}
	data := map[string]any{}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		t.Fatal(err)
	}
	return data["visits"]
}

// burst sends n concurrent GET /about with the client's cookies, spread
// over the given sites.
func burst(t *testing.T, c *testsite.Client, sites []*testsite.Site, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, sites[i%len(sites)].URL+"/about", nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: c.Cookie(web.SessionCookie)})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- resp.Status
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// roundTrips adds up the database round trips of the sites.
func roundTrips(sites []*testsite.Site) int64 {
	var n int64
	for _, s := range sites {
		n += s.Store.RoundTrips()
	}
	return n
}

func TestConcurrentIncrementsAreNotLost(t *testing.T) {
	everyVisit := func(cfg *config.Config) { cfg.VisitInterval = 0 }
	one := testsite.Start(t, db, everyVisit)
	two := testsite.Start(t, db, everyVisit)
	for name, sites := range map[string][]*testsite.Site{"one instance": {one}, "two instances": {one, two}} {
		t.Run(name, func(t *testing.T) {
			c := one.NewClient(t)
			c.Get("/about") // visits = 1
			trips := roundTrips(sites)
			burst(t, c, sites, 199)
			if got := storedVisits(t, one, c.Cookie(web.SessionCookie)); got != int64(200) {
				t.Errorf("visits after 200 concurrent counted visits = %v, want 200", got)
			}
			// Each request reads its session once; unbatched, each would
			// also write it in a transaction of its own (four round trips:
			// begin, lock, update, commit). Batched, the writes of the
			// requests queued together share one.
			trips = roundTrips(sites) - trips
			t.Logf("199 counted visits: %d round trips", trips)
			if unbatched := int64(199 * (1 + 4)); trips > unbatched/2 {
				t.Errorf("199 counted visits took %d round trips; unbatched they take %d: the session's writes were not batched", trips, unbatched)
			}
		})
	}
}

// TestEndedDuringBurstStaysEnded: a session ended (by logging out, or by an
// admin) while its browser has requests in flight that change it is not
// brought back by their saves.
func TestEndedDuringBurstStaysEnded(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.VisitInterval = 0 })
	for name, end := range map[string]func(c *testsite.Client, key string){
		"logout": func(c *testsite.Client, _ string) {
			c.Get("/")
			c.Post("/logout", nil)
		},
		"admin clear": func(_ *testsite.Client, key string) { // what the admin's "end session" does
			if _, err := site.Store.DeleteSessionsByHash(t.Context(), []string{web.KeyHash(key)}, 0); err != nil {
				t.Error(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := site.NewClient(t)
			c.Register("burst-"+strings.ReplaceAll(name, " ", "-"), "long enough")
			key := c.Cookie(web.SessionCookie)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				burst(t, c, []*testsite.Site{site}, 100)
			}()
			end(c, key)
			wg.Wait()
			if rowExists(t, site, key) {
				t.Error("a request of the burst brought the ended session back")
			}
		})
	}
}

// TestBurstDoesNotStarveOthers: while one browser sends 200 concurrent
// requests that change its session, its requests hold few pooled
// connections (its session's writes are batched, at most
// web.DefaultClientLimits.PerSession of its requests run at once), so no
// request anywhere waits for a connection, and another browser's page
// views all answer 200 promptly. The burst answers 200, or 503 with
// Retry-After for what cannot be served in time, and loses no increment.
func TestBurstDoesNotStarveOthers(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.VisitInterval = 0 })
	hot, other := site.NewClient(t), site.NewClient(t)
	hot.Get("/about") // visits = 1
	other.Get("/")
	pool, err := site.Store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	waitsBefore := pool.Stats().WaitCount

	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodGet, site.URL+"/about", nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: hot.Cookie(web.SessionCookie)})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				t.Error("a 503 without Retry-After")
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	// Wall time under the race detector on two cores shared with other
	// test packages can only be bounded loosely: a view takes 5-50 ms
	// alone, and up to 2.2 s was seen with four packages testing beside
	// this one. Before the fix, views waited for connections behind the
	// burst until their deadline; what shows that the burst holds nobody
	// up is the pool: no request waits for a connection (checked below).
	const bound = 5 * time.Second
	var slowest time.Duration
	for i := range 50 {
		began := time.Now()
		r := other.Get("/")
		took := time.Since(began)
		slowest = max(slowest, took)
		if r.StatusCode != http.StatusOK {
			t.Errorf("the other browser's view %d answered %d during the burst", i+1, r.StatusCode)
		}
		if took > bound {
			t.Errorf("the other browser's view %d took %s during the burst, more than %s", i+1, took, bound)
		}
	}
	wg.Wait()
	t.Logf("burst: %v; the other browser's slowest view: %s", statuses, slowest)
	if waits := pool.Stats().WaitCount - waitsBefore; waits != 0 {
		t.Errorf("%d requests waited for a pooled connection during the burst, want none", waits)
	}
	for status := range statuses {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("the burst got status %d", status)
		}
	}
	if got, want := storedVisits(t, site, hot.Cookie(web.SessionCookie)), int64(1+statuses[http.StatusOK]); got != want {
		t.Errorf("visits after the burst = %v, want %d (1 + the 200s)", got, want)
	}
}
