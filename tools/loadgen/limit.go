package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// The limit handler is the stack's limit for a returning visitor's page
// view: a minimal Fiber handler that does the database work Rango must do
// (one primary-key read of the session row, the lists every visitor sees
// alike cached) and sends the page Rango sent for that path, compressed as
// Rango compresses it when the client asks. What Rango takes beyond it is
// Rango's own work: middleware, the session's decoding, templates.

// limitEnv names the file of the limit server's configuration, which
// loadgen passes to the copy of itself that serves as the limit server.
const limitEnv = "LOADGEN_LIMIT_CONFIG"

// limitConfig is what the limit server serves.
type limitConfig struct {
	Addr   string            `json:"addr"`
	DSN    string            `json:"dsn"`
	Cookie string            `json:"cookie"`
	Bodies map[string][]byte `json:"bodies"` // by path: the page Rango sent
}

// returningPaths are the paths a returning browser visits (browser.step).
var returningPaths = []string{"/", "/about", "/category/python", "/category/django"}

// serveLimit runs the limit server until it is killed; loadgen runs it in
// a process of its own, as Rango runs in its own.
func serveLimit(cfg limitConfig) error {
	db, err := sql.Open("mysql", cfg.DSN+"?interpolateParams=true")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))
	for path, body := range cfg.Bodies {
		app.Get(path, func(c *fiber.Ctx) error {
			if key := c.Cookies(cfg.Cookie); key != "" {
				var v []byte
				var e, created, seen int64
				err := db.QueryRowContext(c.UserContext(), "SELECT v, e, created_at, last_seen FROM sessions WHERE k = ?", key).
					Scan(&v, &e, &created, &seen)
				if err != nil && err != sql.ErrNoRows {
					return err
				}
			}
			c.Type("html", "utf-8")
			return c.Send(body)
		})
	}
	return app.Listen(cfg.Addr)
}

// startLimitServer copies Rango's pages for a returning visitor and
// starts the limit server on them, as a process of its own.
func startLimitServer(b *browser, rango *server, dsn string) (*server, error) {
	cfg := limitConfig{DSN: dsn, Cookie: "sessionid", Bodies: map[string][]byte{}}
	for _, path := range returningPaths {
		req, _ := http.NewRequest(http.MethodGet, rango.base+path, nil)
		resp, err := b.client.Do(req) // no Accept-Encoding: Go decompresses
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("copy %s: %d %v", path, resp.StatusCode, err)
		}
		cfg.Bodies[path] = body
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Addr = l.Addr().String()
	l.Close()
	dir, err := os.MkdirTemp("", "loadgen-limit")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "limit.json")
	raw, _ := json.Marshal(cfg)
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), limitEnv+"="+file)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + cfg.Addr}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(s.base + "/about"); err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the limit server did not start")
		}
	}
}

// runLimitServerIfAsked serves as the limit server when loadgen started
// this process for that; it reports whether it did.
func runLimitServerIfAsked() bool {
	file := os.Getenv(limitEnv)
	if file == "" {
		return false
	}
	var cfg limitConfig
	raw, err := os.ReadFile(file)
	if err == nil {
		err = json.Unmarshal(raw, &cfg)
	}
	if err == nil {
		err = serveLimit(cfg)
	}
	fmt.Fprintln(os.Stderr, "limit server:", err)
	os.Exit(1)
	return true
}

// compareWithLimit measures returning visitors on Rango and on the limit
// handler in interleaved rounds, so that both see the same machine, and
// reports each round and the ratios of the medians.
func compareWithLimit(o options, rango *server, admin *sql.DB, dsn string) error {
	o.mix = "returning"
	browsers := newBrowsers(o, rango.base)
	limit, err := startLimitServer(browsers[0], rango, dsn)
	if err != nil {
		return err
	}
	defer limit.stop()
	var rangoRates, limitRates, rangoP99, limitP99 []float64
	for round := 1; round <= o.rounds; round++ {
		r := measure(browsers, rango.base, admin, o.duration)
		l := measure(browsers, limit.base, admin, o.duration)
		fmt.Printf("round %d: Rango %.0f req/s p99 %s errors %d · limit %.0f req/s p99 %s errors %d\n", round,
			r.rate(), r.percentile(0.99).Round(10*time.Microsecond), r.errors,
			l.rate(), l.percentile(0.99).Round(10*time.Microsecond), l.errors)
		rangoRates, limitRates = append(rangoRates, r.rate()), append(limitRates, l.rate())
		rangoP99 = append(rangoP99, float64(r.percentile(0.99)))
		limitP99 = append(limitP99, float64(l.percentile(0.99)))
	}
	rr, lr := median(rangoRates), median(limitRates)
	rp, lp := median(rangoP99), median(limitP99)
	fmt.Printf("medians: Rango %.0f req/s p99 %s · limit %.0f req/s p99 %s\n", rr,
		time.Duration(rp).Round(10*time.Microsecond), lr, time.Duration(lp).Round(10*time.Microsecond))
	fmt.Printf("Rango at %.2f of the limit's throughput, p99 %.2fx the limit's\n", rr/lr, rp/lp)
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
