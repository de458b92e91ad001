package metrics_test

import (
	"net/http"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
)

// TestRequestsActiveAndWaiting: with one request at a time, a like held
// up in the database shows as the active request and a visitor's page
// behind it as a waiting one; both gauges are back at 0 once they are
// answered.
func TestRequestsActiveAndWaiting(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) {
		cfg.MetricsAddr = "127.0.0.1:0"
		cfg.MaxActiveRequests = 1
		cfg.PageTimeout = 5 * time.Second
	})
	m := site.Server.Metrics
	gauges := func() (active, waiting float64) {
		fams := scrape(t, m)
		active, _ = value(fams, "rango_http_requests_active")
		waiting, _ = value(fams, "rango_http_requests_waiting")
		return active, waiting
	}
	waitFor := func(what string, cond func(active, waiting float64) bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(gauges()); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				a, w := gauges()
				t.Fatalf("%s: active %v, waiting %v", what, a, w)
			}
		}
	}
	member := site.SignedInClient(t, "gauged")
	visitor := site.NewClient(t)
	release := site.HoldTable(t, "likes")
	done := make(chan int, 2)
	go func() {
		done <- member.Do(http.MethodPost, "/category/python/like", nil,
			http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {member.CSRF}}).StatusCode
	}()
	waitFor("the like in progress", func(a, w float64) bool { return a == 1 && w == 0 })
	go func() { done <- visitor.Get("/about").StatusCode }()
	waitFor("the page waiting behind it", func(a, w float64) bool { return a == 1 && w == 1 })
	release()
	for range 2 {
		if status := <-done; status != http.StatusOK {
			t.Errorf("answered %d, want 200", status)
		}
	}
	waitFor("both answered", func(a, w float64) bool { return a == 0 && w == 0 })
}
