package resilience_test

import (
	"github.com/PuerkitoBio/goquery"

	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rango/config"
	"rango/internal/mariadbtest"
	"rango/internal/testsite"
)

// privateSite starts Rango on a private MariaDB server it can stop.
func privateSite(t *testing.T) (*testsite.Site, *mariadbtest.Server) {
	t.Helper()
	if !mariadbtest.Available() {
		t.Skip("needs mariadbd and mariadb-install-db (Debian package mariadb-server)")
	}
	srv := mariadbtest.Start(t)
	dsn, err := config.NormalizeDSN(srv.DSN("rango"))
	if err != nil {
		t.Fatal(err)
	}
	return testsite.Start(t, &testsite.Database{Name: "rango", DSN: dsn}, func(cfg *config.Config) {
		cfg.PageTimeout = 1500 * time.Millisecond // the production default, which the test holds to 2 s
	}), srv
}

// visits reads the visit counter of an /about page.
func visits(t *testing.T, r *testsite.Response) string {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(d.Find("[data-testid=visits]").Text()), " ")
}

// timedGet fetches a path with the client's cookies and says how long it took.
func timedGet(t *testing.T, c *testsite.Client, path string) (*testsite.Response, time.Duration) {
	t.Helper()
	start := time.Now()
	r := c.Get(path)
	return r, time.Since(start)
}

func TestDatabaseOutage(t *testing.T) {
	site, db := privateSite(t)
	c := site.NewClient(t)
	c.Register("survivor", "correct horse battery")
	if got := visits(t, c.Get("/about")); got != "Visits: 1" {
		t.Fatalf("before the outage: %q", got)
	}

	// Load from other visitors during the whole test.
	var stop atomic.Bool
	var served, unavailable, other atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := site.NewClient(t)
			for !stop.Load() {
				req, _ := http.NewRequest(http.MethodGet, site.URL+"/about", nil)
				resp, err := v.HTTP.Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusOK:
					served.Add(1)
				case resp.StatusCode == http.StatusServiceUnavailable:
					unavailable.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)

	db.Stop()
	for _, path := range []string{"/", "/about", "/category/python", "/cookies", "/admin/"} {
		r, took := timedGet(t, c, path)
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "temporarily unavailable") {
			t.Errorf("%s during the outage: %d, want 503 with a 'temporarily unavailable' page\n%.800s", path, r.StatusCode, r.Body)
		}
		if took > 2*time.Second {
			t.Errorf("%s took %s during the outage, want under 2 s", path, took)
		}
	}
	if r := c.Get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", r.StatusCode)
	}
	if r := c.Get("/livez"); r.StatusCode != http.StatusOK {
		t.Errorf("/livez during the outage: %d, want 200", r.StatusCode)
	}
	time.Sleep(time.Second)

	db.Resume()
	back := time.Now()
	for {
		r := c.Get("/about")
		if r.StatusCode == http.StatusOK {
			if visits(t, r) != "Visits: 1" || !strings.Contains(r.Body, "Logged in as") {
				t.Errorf("the session written before the outage was lost:\n%.800s", r.Body)
			}
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("not recovered 5 s after the database came back: %d", r.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("recovered %s after the database came back", time.Since(back).Round(time.Millisecond))
	if r := c.Get("/readyz"); r.StatusCode != http.StatusOK {
		t.Errorf("/readyz after recovery: %d", r.StatusCode)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("under load: %d served, %d answered 503, %d other", served.Load(), unavailable.Load(), other.Load())
	if other.Load() != 0 {
		t.Errorf("%d requests got something other than 200 or 503", other.Load())
	}
}
