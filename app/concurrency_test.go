package app_test

import (
	"bytes"
	"encoding/gob"
	"net/http"
	"strings"
	"sync"
	"testing"

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

func TestConcurrentIncrementsAreNotLost(t *testing.T) {
	everyVisit := func(cfg *config.Config) { cfg.VisitInterval = 0 }
	one := testsite.Start(t, db, everyVisit)
	two := testsite.Start(t, db, everyVisit)
	for name, sites := range map[string][]*testsite.Site{"one instance": {one}, "two instances": {one, two}} {
		t.Run(name, func(t *testing.T) {
			c := one.NewClient(t)
			c.Get("/about") // visits = 1
			burst(t, c, sites, 199)
			if got := storedVisits(t, one, c.Cookie(web.SessionCookie)); got != int64(200) {
				t.Errorf("visits after 200 concurrent counted visits = %v, want 200", got)
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
			if _, err := site.Store.DeleteSessionsByHash(t.Context(), []string{web.KeyHash(key)}); err != nil {
				t.Error(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := site.NewClient(t)
			c.Register("burst-"+strings.ReplaceAll(name, " ", "-"), "correct horse battery")
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
