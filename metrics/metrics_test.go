package metrics_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"

	"rango/config"
	"rango/internal/testsite"
	"rango/metrics"
)

var db *testsite.Database

func TestMain(m *testing.M) {
	testsite.Main(m, "metrics", &db)
}

// scrape reads the metrics as Prometheus would.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("metrics are not in Prometheus' text format: %v", err)
	}
	return families
}

// value returns the value of the series of name whose labels include
// labels (name=value pairs), summing counters and histogram counts.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	found := false
	sum := 0.0
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

func TestMetrics(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) {
		cfg.MetricsAddr = "127.0.0.1:0"
		cfg.VisitInterval = 0 // every visit counts: a session update per /about
	})
	m := site.Server.Metrics
	if m == nil {
		t.Fatal("a metrics address is set, but the server has no metrics")
	}
	c := site.NewClient(t)
	c.Get("/")                                 // a new session
	c.Get("/about")                            // a counted visit: an update
	c.Get("/about")                            // and another
	c.Get("/category/python")                  // a route with a parameter
	c.Get("/category/no-such-thing")           // its 404
	c.Get("/no/such/page")                     // no route at all
	c.Get("/static/css/rango.css")             // a static file
	c.Do(http.MethodPost, "/logout", nil, nil) // no CSRF token: refused (403) before its route
	fams := scrape(t, m)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rango_http_request_duration_seconds", []string{"route", "/", "method", "GET", "status", "200"}, 1},
		{"rango_http_request_duration_seconds", []string{"route", "/about", "status", "200"}, 2},
		{"rango_http_request_duration_seconds", []string{"route", "/category/:slug", "status", "200"}, 1},
		{"rango_http_request_duration_seconds", []string{"route", "/category/:slug", "status", "404"}, 1},
		{"rango_http_request_duration_seconds", []string{"route", "unmatched", "status", "404"}, 1},
		{"rango_http_request_duration_seconds", []string{"route", "/static/*", "status", "200"}, 1},
		{"rango_http_request_duration_seconds", []string{"route", "middleware", "method", "POST", "status", "403"}, 1},
		{"rango_session_inserts_total", nil, 1},
		{"rango_session_updates_total", nil, 2},
		{"rango_ready", nil, 1},
		{"rango_db_galera", nil, 0},
		{"go_sql_max_open_connections", []string{"db_name", "rango"}, 32},
	} {
		got, ok := value(fams, tc.name, tc.labels...)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	for _, name := range []string{"rango_session_reads_total", "go_sql_open_connections", "process_resident_memory_bytes"} {
		if got, ok := value(fams, name); !ok || got <= 0 {
			t.Errorf("%s = %v (present %v), want more than 0", name, got, ok)
		}
	}
	for _, name := range []string{"rango_session_touches_total", "rango_db_conflict_retries_total", "rango_db_conflict_giveups_total",
		"rango_sessions_expired_deleted_total", "rango_session_table_swaps_total"} {
		if _, ok := value(fams, name); !ok {
			t.Errorf("%s is missing", name)
		}
	}
	// The site itself does not serve them.
	if r := c.Get("/metrics"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the site answers /metrics with %d", r.StatusCode)
	}
}

// The metrics cost a returning visitor's page view no round trip to the
// database: with the page cache, a view is still the session read alone.
func TestMetricsAddNoRoundTrip(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) {
		cfg.MetricsAddr = "127.0.0.1:0"
		cfg.SettingsRefresh, cfg.SessionGCInterval, cfg.PageCacheTTL = time.Hour, time.Hour, time.Minute
	})
	c := site.NewClient(t)
	c.Get("/")
	c.Get("/")
	before := site.Store.RoundTrips()
	c.Get("/")
	if n := site.Store.RoundTrips() - before; n != 1 {
		t.Errorf("returning visitor's view with metrics on: %d round trips, want 1", n)
	}
}

func TestServe(t *testing.T) {
	site := testsite.Start(t, db, func(cfg *config.Config) { cfg.MetricsAddr = "127.0.0.1:0" })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- site.Server.Metrics.Serve(ctx, ln, testsite.Logger(t)) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "rango_ready 1") {
		t.Errorf("GET /metrics: %d\n%.500s", resp.StatusCode, body)
	}
	// Go's profiles, beside the metrics: a one-second CPU profile.
	resp, err = http.Get("http://" + ln.Addr().String() + "/debug/pprof/profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		t.Errorf("GET /debug/pprof/profile: %d, %d bytes, want a gzipped profile", resp.StatusCode, len(body))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after its context ended: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Serve did not return after its context ended")
	}
}
