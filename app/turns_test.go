package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
)

// TestTurnsBoundTheInstance: with one request at a time
// (RANGO_MAX_ACTIVE_REQUESTS=1), a visitor's page waits while a member's
// like is held up in the database, and answers 503 with a clear message
// when its page timeout passes first; with the default bound it is served
// at once.
func TestTurnsBoundTheInstance(t *testing.T) {
	for _, tc := range []struct {
		active int
		status int
	}{{0, http.StatusOK}, {1, http.StatusServiceUnavailable}} {
		t.Run(map[int]string{0: "default", 1: "one"}[tc.active], func(t *testing.T) {
			site := testsite.Start(t, db, func(cfg *config.Config) {
				cfg.MaxActiveRequests = tc.active
				cfg.PageTimeout = time.Second
			})
			member := site.SignedInClient(t, "active_"+map[int]string{0: "default", 1: "one"}[tc.active])
			visitor := site.NewClient(t)
			release := site.HoldTable(t, "likes")
			liked := make(chan int)
			go func() {
				r := member.Do(http.MethodPost, "/category/python/like", nil,
					http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {member.CSRF}})
				liked <- r.StatusCode
			}()
			time.Sleep(300 * time.Millisecond) // the like is in the database, waiting
			began := time.Now()
			r := visitor.Get("/about")
			took := time.Since(began)
			release()
			if status := <-liked; status != http.StatusOK {
				t.Errorf("the like: %d, want 200 once the table is free", status)
			}
			testsite.WantStatus(t, r, tc.status)
			if tc.status == http.StatusServiceUnavailable {
				if !strings.Contains(r.Body, "busier than it can answer") || r.Header.Get("Retry-After") != "1" {
					t.Errorf("the 503 says neither why nor when to retry (Retry-After %q):\n%.600s", r.Header.Get("Retry-After"), r.Body)
				}
				testsite.WantStatus(t, visitor.Get("/about"), http.StatusOK)
			}
			t.Logf("the page answered %d after %s", r.StatusCode, took)
		})
	}
}
