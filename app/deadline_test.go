package app_test

import (
	"net/http"
	"testing"
	"time"

	"rango/config"
	"rango/internal/testsite"
)

// holdSessionsTable locks the sessions table against every other
// connection for d, as a long-running statement would, so that session
// reads wait.
func holdSessionsTable(t *testing.T, site *testsite.Site, d time.Duration) (released <-chan struct{}) {
	t.Helper()
	release := site.HoldTable(t, "sessions")
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(d)
		release()
	}()
	return done
}

// TestSessionReadHonoursThePageDeadline: a session read waits as long as
// the page may (RANGO_PAGE_TIMEOUT), no shorter and no longer: with a
// 5 s page timeout a read held up for 2 s is served; with a 1 s one it
// answers 503 after about a second.
func TestSessionReadHonoursThePageDeadline(t *testing.T) {
	for _, tc := range []struct {
		timeout time.Duration
		status  int
	}{{5 * time.Second, http.StatusOK}, {time.Second, http.StatusServiceUnavailable}} {
		t.Run(tc.timeout.String(), func(t *testing.T) {
			site := testsite.Start(t, db, func(cfg *config.Config) { cfg.PageTimeout = tc.timeout })
			c := site.NewClient(t)
			c.Get("/about") // a stored session
			released := holdSessionsTable(t, site, 2*time.Second)
			began := time.Now()
			r := c.Get("/about")
			took := time.Since(began)
			<-released
			testsite.WantStatus(t, r, tc.status)
			if tc.status == http.StatusServiceUnavailable && (took < 900*time.Millisecond || took > 1900*time.Millisecond) {
				t.Errorf("the 503 came after %s, want about the page timeout of %s", took, tc.timeout)
			}
			t.Logf("answered %d after %s", r.StatusCode, took)
		})
	}
}
