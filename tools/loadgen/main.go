// Command loadgen measures Rango under load. It builds and starts a Rango
// server on a fresh database, simulates browsers (each with its own cookie
// jar) for a while, and reports requests per second, latency percentiles,
// errors, database round trips per request (from MariaDB's Questions
// counter) and the server's memory. It never fails on speed: it reports.
//
//	go run ./tools/loadgen -browsers 64 -duration 20s -mix returning
//	go run ./tools/loadgen -mix returning -accept-encoding ''   # no compression
//	go run ./tools/loadgen -mix mixed
//	go run ./tools/loadgen -fill 1000000     # then time the admin pages
//	go run ./tools/loadgen -cleanup 500000   # clearsessions under load
//	go run ./tools/loadgen -limit            # Rango against the stack's limit
//	go run ./tools/loadgen -target http://127.0.0.1:8080   # a site already running (tools/cluster)
package main

import (
	"compress/gzip"
	"compress/zlib"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"
	_ "github.com/go-sql-driver/mysql" // the MySQL driver for database/sql

	"rango/internal/benchsetup"
)

type options struct {
	browsers int
	duration time.Duration
	mix      string
	server   string // MySQL server DSN without a database
	fill     int
	cleanup  int
	// cleanupLive is how many live sessions -cleanup adds besides.
	cleanupLive int
	keep        bool
	limit       bool
	rounds      int
	target      string // base URL of a running site; empty: start one
	// acceptEncoding is sent with every request, as a browser does.
	acceptEncoding string
}

// chromiumEncodings is the Accept-Encoding header Chromium sends.
const chromiumEncodings = "gzip, deflate, br, zstd"

func main() {
	if runLimitServerIfAsked() {
		return
	}
	var o options
	flag.IntVar(&o.browsers, "browsers", 64, "concurrent simulated browsers")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long to send load")
	flag.StringVar(&o.mix, "mix", "returning", "returning | first | mixed | htmx | loggedin")
	flag.StringVar(&o.server, "db", "root@tcp(127.0.0.1:3306)/", "MySQL/MariaDB server DSN (no database: a fresh one is made)")
	flag.IntVar(&o.fill, "fill", 0, "fill the sessions table with this many rows first, then time the admin pages")
	flag.IntVar(&o.cleanup, "cleanup", 0, "add this many expired sessions, then run -clearsessions during the load and report both")
	flag.IntVar(&o.cleanupLive, "cleanup-live", 0, "with -cleanup, also add this many live sessions (which a swap copies)")
	flag.BoolVar(&o.keep, "keep", false, "keep the benchmark database afterwards")
	flag.BoolVar(&o.limit, "limit", false, "compare returning visitors on Rango with the stack's limit (a minimal Fiber handler doing the same database work), in interleaved rounds")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of each in -limit mode")
	flag.StringVar(&o.target, "target", "", "base `URL` of a site already running (a cluster's load balancer, say) to load instead of starting one; -db and the memory and round-trip figures do not apply")
	flag.StringVar(&o.acceptEncoding, "accept-encoding", chromiumEncodings, "Accept-Encoding of every request ('' asks for no compression)")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	if o.target != "" {
		if o.fill > 0 || o.cleanup > 0 {
			return fmt.Errorf("-fill and -cleanup need a server of loadgen's own, not -target")
		}
		srv := &server{base: strings.TrimSuffix(o.target, "/")}
		fmt.Printf("target %s, %d browsers, mix %s, %s\n", srv.base, o.browsers, o.mix, o.duration)
		load(o, srv, nil, o.duration).print(srv)
		return nil
	}
	bench, err := benchsetup.NewDatabase(o.server, "rango_bench")
	if err != nil {
		return err
	}
	defer bench.Close(o.keep)
	admin, dbName, dsn := bench.Admin, bench.Name, bench.DSN
	bin, err := benchsetup.Build()
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(bin))
	var env []string
	if o.fill > 0 || o.cleanup > 0 {
		// Keep the expired rows for the measurements: no sweeping.
		env = append(env, "RANGO_SESSION_GC_INTERVAL=24h")
	}
	srv, err := startServer(bin, dsn, env...)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server %s, database %s, %d browsers, mix %s, %s, Accept-Encoding %q\n", srv.base, dbName, o.browsers, o.mix, o.duration, o.acceptEncoding)

	db, err := sql.Open("mysql", dsn+"?interpolateParams=true&parseTime=true")
	if err != nil {
		return err
	}
	defer db.Close()
	if o.fill > 0 {
		return fillAndTimeAdmin(o, srv, db, bin, dsn)
	}
	if o.cleanup > 0 {
		return cleanupUnderLoad(o, srv, db, bin, dsn)
	}
	if o.limit {
		return compareWithLimit(o, srv, admin, dsn)
	}
	res := load(o, srv, admin, o.duration)
	res.print(srv)
	return nil
}

type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(bin, dsn string, env ...string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = append(append(os.Environ(), "RANGO_DSN="+dsn), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server did not become ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

// memory returns the server's current and peak resident set size in MiB
// (0 for a -target site).
func (s *server) memory() (rss, peak float64) {
	if s.cmd == nil {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// questions reads MariaDB's Questions counter (statements from clients);
// 0 without a database (-target).
func questions(db *sql.DB) int64 {
	if db == nil {
		return 0
	}
	var name string
	var n int64
	_ = db.QueryRow("SHOW GLOBAL STATUS LIKE 'Questions'").Scan(&name, &n)
	return n
}

// result gathers what a load run measured.
type result struct {
	requests, errors int64
	elapsed          time.Duration
	latencies        []time.Duration
	byRole           map[string][]time.Duration // sorted, by browser role
	trips            int64
	bytes            int64 // response bodies as sent (compressed or not)
}

func (r result) percentile(p float64) time.Duration { return percentile(r.latencies, p) }

// percentile returns the p-th of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) print(s *server) {
	rss, peak := s.memory()
	fmt.Printf("requests %d in %s: %.0f req/s; errors %d\n", r.requests, r.elapsed.Round(time.Millisecond), r.rate(), r.errors)
	fmt.Printf("latency p50 %s  p95 %s  p99 %s\n", r.percentile(0.50).Round(10*time.Microsecond),
		r.percentile(0.95).Round(10*time.Microsecond), r.percentile(0.99).Round(10*time.Microsecond))
	if len(r.byRole) > 1 {
		for _, role := range slices.Sorted(maps.Keys(r.byRole)) {
			l := r.byRole[role]
			fmt.Printf("  %-9s %6d requests  p50 %s  p99 %s\n", role, len(l),
				percentile(l, 0.50).Round(10*time.Microsecond), percentile(l, 0.99).Round(10*time.Microsecond))
		}
	}
	if s.cmd == nil {
		return // a -target site: its database and process are not loadgen's
	}
	fmt.Printf("database round trips per request %.2f (MariaDB Questions)\n", float64(r.trips)/float64(max(r.requests, 1)))
	fmt.Printf("response body bytes per request %.0f\n", float64(r.bytes)/float64(max(r.requests, 1)))
	fmt.Printf("server memory: RSS %.0f MiB, peak %.0f MiB\n", rss, peak)
}

// load runs the browsers for d and measures.
func load(o options, s *server, admin *sql.DB, d time.Duration) result {
	return measure(newBrowsers(o, s.base), s.base, admin, d)
}

// newBrowsers makes o.browsers browsers of o.mix for the site at base and
// warms them up there.
func newBrowsers(o options, base string) []*browser {
	browsers := make([]*browser, o.browsers)
	for i := range browsers {
		browsers[i] = newBrowser(base, browserTransport(i), role(o.mix, i), i)
		browsers[i].acceptEncoding = o.acceptEncoding
		browsers[i].warmUp()
		browsers[i].bytes = 0
	}
	return browsers
}

// measure runs the browsers against the site at base for d and measures.
func measure(browsers []*browser, base string, admin *sql.DB, d time.Duration) result {
	var requests, errors atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	byRole := map[string][]time.Duration{}
	for _, b := range browsers {
		b.base, b.bytes = base, 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	q0 := questions(admin)
	start := time.Now()
	var wg sync.WaitGroup
	for _, b := range browsers {
		wg.Add(1)
		go func(b *browser) {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				took, ok := b.step()
				requests.Add(1)
				if !ok {
					errors.Add(1)
				}
				local = append(local, took)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			byRole[b.role] = append(byRole[b.role], local...)
			mu.Unlock()
		}(b)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var bytes int64
	for _, b := range browsers {
		bytes += b.bytes
	}
	trips := questions(admin) - q0 - 1
	slices.Sort(latencies)
	for _, l := range byRole {
		slices.Sort(l)
	}
	return result{requests: requests.Load(), errors: errors.Load(), elapsed: elapsed, latencies: latencies, byRole: byRole, trips: trips, bytes: bytes}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readBody reads a response's body, decompressed.
func readBody(body io.Reader, encoding string) ([]byte, error) {
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, err
		}
		body = zr
	case "deflate":
		zr, err := zlib.NewReader(body)
		if err != nil {
			return nil, err
		}
		body = zr
	case "br":
		body = brotli.NewReader(body)
	}
	return io.ReadAll(body)
}

// role picks what browser i does in a mix.
func role(mix string, i int) string {
	if mix != "mixed" {
		return mix
	}
	switch i % 20 {
	case 0, 1, 2:
		return "first"
	case 3, 4, 5:
		return "loggedin"
	case 6, 7:
		return "htmx"
	}
	return "returning"
}

type browser struct {
	base   string
	role   string
	client *http.Client
	rng    *rand.Rand
	csrf   string
	n      int
	id     int
	// acceptEncoding goes with every request; bytes counts the bodies
	// as sent.
	acceptEncoding string
	bytes          int64
}

// browserTransport gives browser i connections of its own from its own
// loopback address (127.0.0.2 to 127.0.0.254, then again), as browsers on
// different machines have: Rango bounds the requests in progress per
// client address, and one address for every simulated browser would
// measure that bound instead of the site.
func browserTransport(i int) *http.Transport {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%253))}
	dialer := &net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
	// The transport neither asks for compression nor undoes it: the
	// browsers send their own Accept-Encoding, and read what comes.
	return &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute,
		DisableCompression: true}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newBrowser(base string, t *http.Transport, role string, id int) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, role: role, id: id, rng: rand.New(rand.NewPCG(uint64(id), 7)),
		client: &http.Client{Jar: jar, Transport: t, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// warmUp makes the browser a returning visitor (and, for logged-in
// browsers, a registered user) before the clock starts.
func (b *browser) warmUp() {
	b.get("/", nil)
	if b.role == "loggedin" {
		b.get("/register", nil)
		name := fmt.Sprintf("bench%d_%d", b.id, time.Now().UnixNano()%1e6)
		b.post("/register", url.Values{"username": {name}, "password": {"benchmark password"}, "password2": {"benchmark password"}})
		b.csrf = "" // logging in issued a new token: take it from the next page
		b.get("/", nil)
	}
}

var categories = []string{"python", "django", "other-frameworks"}

// step sends the browser's next request and times it.
func (b *browser) step() (time.Duration, bool) {
	b.n++
	start := time.Now()
	var ok bool
	switch b.role {
	case "first":
		b.client.Jar, _ = cookiejar.New(nil)
		ok = b.get("/", nil)
	case "htmx":
		h := http.Header{"HX-Request": {"true"}}
		if b.n%2 == 0 {
			h.Set("HX-Target", "suggestions")
			ok = b.get("/search?q="+[]string{"P", "Py", "D", "O"}[b.n%4], h)
		} else {
			ok = b.get([]string{"/about", "/category/python", "/"}[b.n%3], h)
		}
	case "loggedin":
		cat := categories[b.n%3]
		switch b.n % 4 {
		case 0:
			ok = b.get("/category/"+cat, nil)
		case 1:
			ok = b.post("/category/"+cat+"/like", url.Values{})
		case 2:
			ok = b.post("/category/"+cat+"/unlike", url.Values{})
		default:
			if b.n%40 == 3 {
				ok = b.post("/category/"+cat+"/add_page", url.Values{"title": {fmt.Sprintf("Bench page %d-%d", b.id, b.n)}, "url": {"https://example.com/"}})
			} else {
				ok = b.get("/", nil)
			}
		}
	default: // returning
		ok = b.get([]string{"/", "/about", "/category/python", "/category/django"}[b.n%4], nil)
	}
	return time.Since(start), ok
}

func (b *browser) get(path string, h http.Header) bool {
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) bool {
	form.Set("_csrf", b.csrf)
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) do(req *http.Request) bool {
	if b.acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", b.acceptEncoding)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	counted := &countingReader{r: resp.Body}
	defer func() { b.bytes += counted.n }()
	if b.csrf != "" || b.role == "returning" || b.role == "first" || b.role == "htmx" {
		// Browsers that post nothing, or have their token, skip the parse.
		_, err = io.Copy(io.Discard, counted)
		return err == nil && resp.StatusCode < 400
	}
	body, err := readBody(counted, resp.Header.Get("Content-Encoding"))
	if err != nil {
		return false
	}
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode < 400
}
