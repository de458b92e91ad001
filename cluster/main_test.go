package cluster_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rango/config"
	"rango/internal/galera"
	"rango/internal/testsite"
)

// cluster is the Galera cluster every test of the package uses, each on
// databases of its own.
var cluster *galera.Cluster

// suspectTimeout is the nodes' evs.suspect_timeout: 2 s, or
// RANGO_CLUSTER_SUSPECT_TIMEOUT (to measure the stall with another, such
// as Galera's default 5s).
var suspectTimeout = 2 * time.Second

func TestMain(m *testing.M) {
	if missing := galera.Missing(); len(missing) > 0 {
		msg := "cluster tests need " + strings.Join(missing, ", ") + " (apt-get install galera-4 rsync haproxy)"
		if os.Getenv("RANGO_CLUSTER_TESTS") == "required" {
			fmt.Fprintln(os.Stderr, "FAIL:", msg)
			os.Exit(1)
		}
		fmt.Println("SKIP:", msg)
		os.Exit(0)
	}
	if v := os.Getenv("RANGO_CLUSTER_SUSPECT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "RANGO_CLUSTER_SUSPECT_TIMEOUT:", err)
			os.Exit(2)
		}
		suspectTimeout = d
	}
	start := time.Now()
	c, err := galera.Start(context.Background(), galera.Options{GCacheSize: "32M", SuspectTimeout: suspectTimeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cluster = c
	fmt.Printf("cluster: %d nodes Synced and HAProxy up in %s (%s)\n", len(c.Nodes), time.Since(start).Round(100*time.Millisecond), c.Dir)
	code := m.Run()
	if code != 0 || os.Getenv("RANGO_CLUSTER_KEEP") != "" {
		c.Keep()
		fmt.Printf("cluster: the nodes' logs are kept in %s\n", c.Dir)
	}
	c.Close()
	os.Exit(code)
}

// newDatabase names a new database on the cluster (Rango creates it).
func newDatabase(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "rango_" + prefix + "_" + hex.EncodeToString(b)
}

// dsn is a normalised DSN for database name through addr (a node or
// HAProxy).
func dsn(t testing.TB, addr, name string) *testsite.Database {
	t.Helper()
	d, err := config.NormalizeDSN(galera.DSN(addr, name))
	if err != nil {
		t.Fatal(err)
	}
	return &testsite.Database{Name: name, DSN: d}
}

// countEveryVisit makes /about change the session on every request.
func countEveryVisit(cfg *config.Config) { cfg.VisitInterval = 0 }

// siteOn starts Rango on database name through addr.
func siteOn(t *testing.T, addr, name string) *testsite.Site {
	t.Helper()
	return testsite.Start(t, dsn(t, addr, name), countEveryVisit)
}

// browser is a cookie-carrying HTTP client that may go to any site and be
// used from any goroutine (testsite.Client fails the test from its
// methods, which only the test's goroutine may do).
type browser struct {
	http *http.Client
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// result is one response.
type result struct {
	status int
	body   string
	start  time.Time
	took   time.Duration
	err    error
}

func (b *browser) get(url string) result {
	start := time.Now()
	resp, err := b.http.Get(url)
	if err != nil {
		return result{start: start, took: time.Since(start), err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: string(body), start: start, took: time.Since(start), err: err}
}

// session returns the browser's session key. (Cookies do not depend on
// the port: the browser sends its session to every loopback site.)
func (b *browser) session(site string) string {
	u, _ := http.NewRequest(http.MethodGet, site, nil)
	for _, c := range b.http.Jar.Cookies(u.URL) {
		if c.Name == "sessionid" {
			return c.Value
		}
	}
	return ""
}

// visits reads the visit counter of an /about page ("" if absent).
func visits(body string) string {
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(d.Find("[data-testid=visits]").Text()), " ")
}

// noErrorsLogged fails the test if a site logged an error (a 500, a
// panic).
func noErrorsLogged(t *testing.T, sites ...*testsite.Site) {
	t.Helper()
	for i, s := range sites {
		if n := s.Errors(); n != 0 {
			t.Errorf("site %d logged %d errors", i, n)
		}
	}
}
