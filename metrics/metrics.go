// Package metrics exposes Rango's Prometheus metrics: HTTP requests by
// route, method and status with latency histograms, the database pool,
// the session store's reads and writes, write conflicts retried and given
// up, expired sessions swept, and readiness. They are served on a listen
// address of their own (RANGO_METRICS_ADDR), never on the site's, with
// Go's profiles beside them.
//
// The per-request cost is one histogram observation (a label look-up and
// atomic adds); the store's figures are running totals read only when
// Prometheus scrapes.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rango/models"
)

// Metrics holds an instance's metrics.
type Metrics struct {
	// Registry holds every collector; Handler serves it.
	Registry *prometheus.Registry
	requests *prometheus.HistogramVec

	// endpoints are the app's routes other than middleware, by the
	// address of their first handler (Fiber hands out copies of its
	// routes, which share their handler slices), found at the first
	// request: they are all registered by then.
	endpointsOnce sync.Once
	endpoints     map[*fiber.Handler]bool
}

// latencyBuckets span a cached page (well under a millisecond) to a page
// that times out (1.5 s) and an admin bulk action.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 1.5, 2.5, 5, 10}

// New registers Rango's metrics for the store's database.
func New(store *models.Store) (*Metrics, error) {
	sqlDB, err := store.SQLDB()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{Registry: reg, requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rango_http_request_duration_seconds",
		Help:    "HTTP requests by route pattern, method and status, with their latency (the _count is the number of requests).",
		Buckets: latencyBuckets,
	}, []string{"route", "method", "status"})}
	counts := func(name, help string, value func(models.Counts) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(value(store.Counts())) })
	}
	cs := []prometheus.Collector{
		m.requests,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(sqlDB, "rango"),
		counts("rango_session_reads_total", "Sessions read by key.", func(c models.Counts) int64 { return c.SessionReads }),
		counts("rango_session_inserts_total", "New sessions stored.", func(c models.Counts) int64 { return c.SessionInserts }),
		counts("rango_session_updates_total", "Changed sessions written back (lock and reapply).", func(c models.Counts) int64 { return c.SessionUpdates }),
		counts("rango_session_touches_total", "Session activity (last seen, sliding expiry) written.", func(c models.Counts) int64 { return c.SessionTouches }),
		counts("rango_db_conflict_retries_total", "Write transactions run again after a deadlock, a lock wait timeout or a Galera certification failure.",
			func(c models.Counts) int64 { return c.ConflictRetries }),
		counts("rango_db_conflict_giveups_total", "Write transactions abandoned at their deadline while still conflicting (answered 503).",
			func(c models.Counts) int64 { return c.ConflictGiveUps }),
		counts("rango_sessions_expired_deleted_total", "Expired sessions deleted by the sweeper (or swapped out with the old table).",
			func(c models.Counts) int64 { return c.ExpiredSessionsDeleted }),
		counts("rango_session_table_swaps_total", "Cleanups that cleared a backlog of expired sessions by copying the live ones into a new table.",
			func(c models.Counts) int64 { return c.SessionTableSwaps }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rango_ready", Help: "1 while /readyz would answer 200 (the database serves; on Galera, the node is Synced)."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				if store.Ready(ctx) != nil {
					return 0
				}
				return 1
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rango_db_galera", Help: "1 when the database is a Galera cluster node (reads are causal)."},
			func() float64 {
				if store.Galera() {
					return 1
				}
				return 0
			}),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return m, nil
}

// TurnCounts tells how many requests an instance works on and how many
// wait for a turn (web.Turns).
type TurnCounts interface {
	Counts() (active, waiting int)
}

// WatchTurns adds the gauges of the requests in progress and waiting.
func (m *Metrics) WatchTurns(t TurnCounts) error {
	for _, g := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rango_http_requests_active",
			Help: "Requests the instance works on now (at most RANGO_MAX_ACTIVE_REQUESTS)."},
			func() float64 { active, _ := t.Counts(); return float64(active) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rango_http_requests_waiting",
			Help: "Requests waiting for a turn of the instance, first come, first served."},
			func() float64 { _, waiting := t.Counts(); return float64(waiting) }),
	} {
		if err := m.Registry.Register(g); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return nil
}

// Middleware times each request and counts it by route pattern (not path:
// /category/:slug is one series), method and final status. It goes first,
// so it sees the status the error handler gives.
func (m *Metrics) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		m.requests.WithLabelValues(m.route(c), method(c.Method()), strconv.Itoa(c.Response().StatusCode())).
			Observe(time.Since(start).Seconds())
		return nil
	}
}

// route names the request's route pattern. A request that ended in
// middleware is named by the middleware's prefix: "/static/*" for the
// static files, "unmatched" for no route at all (404), "middleware" for
// one refused before its route (a missing CSRF token, say).
func (m *Metrics) route(c *fiber.Ctx) string {
	m.endpointsOnce.Do(func() {
		m.endpoints = map[*fiber.Handler]bool{}
		for _, r := range c.App().GetRoutes(true) {
			if len(r.Handlers) > 0 {
				m.endpoints[&r.Handlers[0]] = true
			}
		}
	})
	r := c.Route()
	switch {
	case len(r.Handlers) > 0 && m.endpoints[&r.Handlers[0]]:
		return r.Path
	case r.Path != "/":
		return strings.TrimSuffix(r.Path, "/") + "/*"
	case c.Response().StatusCode() == fiber.StatusNotFound:
		return "unmatched"
	}
	return "middleware"
}

// method names the request method with a constant (Fiber's strings are
// reused after the request) and keeps the label's values few: a client may
// send any method.
func method(m string) string {
	switch m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	}
	return "OTHER"
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Serve serves /metrics on ln until ctx ends, and Go's profiles under
// /debug/pprof/ (net/http/pprof): the metrics address is an operator's,
// never the site's, and a CPU profile of a live instance is how its time
// is found (BENCHMARKS.md).
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	// A CPU profile takes as long as it is asked to (seconds=N).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("metrics are served", "url", "http://"+ln.Addr().String()+"/metrics")
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
