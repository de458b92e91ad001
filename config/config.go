// Package config reads Rango's settings from environment variables and
// command-line flags. Every setting has an environment variable RANGO_X and
// a flag -x; a flag given on the command line wins over the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Command is the one-off job main runs instead of serving, if any.
type Command string

// The commands Rango runs from the command line.
const (
	CommandServe         Command = ""
	CommandSeed          Command = "seed"
	CommandClearSessions Command = "clearsessions"
	CommandCreateAdmin   Command = "createadmin"
	CommandMigrate       Command = "migrate"
)

// DSNEmbedded is the DSN (-dsn embedded, RANGO_DSN=embedded) that asks for
// Rango's private MariaDB server (see internal/privatedb) even when another
// database is reachable.
const DSNEmbedded = "embedded"

// Secret is a string that never prints its value, so that a logged or
// printed Config does not leak it.
type Secret string

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// Config holds every setting Rango reads at start.
type Config struct {
	// Addr is the host:port the web server listens on.
	Addr string
	// MetricsAddr is the host:port /metrics (Prometheus) is served on;
	// empty turns metrics off.
	MetricsAddr string
	// DSN is the go-sql-driver/mysql data source name, normalised by Load,
	// or DSNEmbedded.
	DSN string
	// DSNGiven tells that RANGO_DSN or -dsn set DSN. Only the default DSN
	// falls back to the private server when nothing answers there.
	DSNGiven bool
	// DBWait is how long start-up waits for an unreachable database.
	DBWait time.Duration
	// SampleData loads the tutorial's categories into an empty database.
	SampleData bool
	// Migrate lets the instance create and update the schema at start;
	// when false it waits (up to DBWait) for `rango -migrate` or another
	// instance to have done so.
	Migrate bool
	// VisitInterval is how long after the last visit a new one counts.
	VisitInterval time.Duration
	// SessionCookieAge is the default lifetime of a session cookie.
	SessionCookieAge time.Duration
	// SessionGCInterval is how often expired sessions are swept.
	SessionGCInterval time.Duration
	// PageTimeout bounds a page view's work (GET and HEAD), so that pages
	// answer 503 promptly while the database does not.
	PageTimeout time.Duration
	// PageCacheTTL is how long each instance keeps the lists all visitors
	// see alike (top categories and pages, a category's pages, search
	// suggestions); 0 is off.
	PageCacheTTL time.Duration
	// MaxActiveRequests bounds the requests each instance works on at
	// once, the rest waiting their turn in order; 0 means 4 per CPU, at
	// most 32 (app.DefaultMaxActiveRequests).
	MaxActiveRequests int
	// SettingsRefresh is how often each instance re-reads the runtime
	// settings from the database.
	SettingsRefresh time.Duration
	// SecretKey signs CSRF tokens and encrypts the client-side counter.
	// Empty means: use the key stored in the database (made on first start).
	SecretKey Secret
	// SecureCookies marks cookies Secure and names the session cookie
	// __Host-sessionid; for sites served over HTTPS.
	SecureCookies bool
	// TrustedProxies are the addresses (IPs or CIDR ranges) of reverse
	// proxies whose X-Forwarded-For is believed.
	TrustedProxies []string
	// Command is the one-off command to run, or CommandServe.
	Command Command
	// AdminName is the user name given to -createadmin.
	AdminName string
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Addr:              "127.0.0.1:8000",
		DSN:               "root@tcp(127.0.0.1:3306)/rango",
		DBWait:            30 * time.Second,
		SampleData:        true,
		Migrate:           true,
		VisitInterval:     24 * time.Hour,
		SessionCookieAge:  1209600 * time.Second,
		SessionGCInterval: time.Minute,
		SettingsRefresh:   2 * time.Second,
		PageCacheTTL:      time.Second,
		PageTimeout:       1500 * time.Millisecond,
	}
}

// Load builds the configuration from getenv (usually os.Getenv) and the
// command-line arguments args (without the program name). Output for -h
// goes to out.
func Load(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	cfg := Defaults()
	if err := cfg.applyEnv(getenv); err != nil {
		return Config{}, err
	}
	if err := cfg.applyFlags(args, out); err != nil {
		return Config{}, err
	}
	if cfg.DSN != DSNEmbedded {
		dsn, err := NormalizeDSN(cfg.DSN)
		if err != nil {
			return Config{}, err
		}
		cfg.DSN = dsn
	}
	return cfg, cfg.validate()
}

func (c *Config) applyEnv(getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := parseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %w", name, err))
			}
			*dst = d
		}
	}
	str("RANGO_ADDR", &c.Addr)
	str("RANGO_METRICS_ADDR", &c.MetricsAddr)
	// For the tests of the private-server fallback: moves the default
	// database to an address where nothing answers.
	if v := getenv("RANGO_DEFAULT_ADDR"); v != "" {
		c.DSN = "root@tcp(" + v + ")/rango"
	}
	str("RANGO_DSN", &c.DSN)
	c.DSNGiven = getenv("RANGO_DSN") != ""
	dur("RANGO_DB_WAIT", &c.DBWait)
	dur("RANGO_VISIT_INTERVAL", &c.VisitInterval)
	dur("RANGO_SESSION_COOKIE_AGE", &c.SessionCookieAge)
	dur("RANGO_SESSION_GC_INTERVAL", &c.SessionGCInterval)
	dur("RANGO_SETTINGS_REFRESH", &c.SettingsRefresh)
	dur("RANGO_PAGE_CACHE", &c.PageCacheTTL)
	dur("RANGO_PAGE_TIMEOUT", &c.PageTimeout)
	if v := getenv("RANGO_SECRET_KEY"); v != "" {
		c.SecretKey = Secret(v)
	}
	if v := getenv("RANGO_SECURE_COOKIES"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: RANGO_SECURE_COOKIES: want true or false, got %q", v))
		}
		c.SecureCookies = b
	}
	if v := getenv("RANGO_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = splitList(v)
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: want true or false, got %q", name, v))
			}
			*dst = b
		}
	}
	if v := getenv("RANGO_MAX_ACTIVE_REQUESTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: RANGO_MAX_ACTIVE_REQUESTS: want a whole number, got %q", v))
		}
		c.MaxActiveRequests = n
	}
	boolean("RANGO_SAMPLE_DATA", &c.SampleData)
	boolean("RANGO_MIGRATE", &c.Migrate)
	return errors.Join(errs...)
}

// durationFlag is a flag.Value that takes seconds or a Go duration.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func (c *Config) applyFlags(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rango", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.Addr, "addr", c.Addr, "`host:port` to listen on (RANGO_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "`host:port` to serve Prometheus metrics on at /metrics; empty is off (RANGO_METRICS_ADDR)")
	fs.StringVar(&c.DSN, "dsn", c.DSN, "MySQL/MariaDB data source name, or \"embedded\" for Rango's private MariaDB server (RANGO_DSN)")
	fs.Var(durationFlag{&c.DBWait}, "db-wait", "how long to wait for the database at start, seconds or a duration like 30s (RANGO_DB_WAIT)")
	fs.BoolVar(&c.SampleData, "sample-data", c.SampleData, "load the tutorial's sample data into an empty database (RANGO_SAMPLE_DATA)")
	fs.BoolVar(&c.Migrate, "auto-migrate", c.Migrate, "create and update the schema at start; false waits for `rango -migrate` to have done it (RANGO_MIGRATE)")
	fs.Var(durationFlag{&c.VisitInterval}, "visit-interval", "time after the last visit before a new one counts, seconds or a duration (RANGO_VISIT_INTERVAL)")
	fs.Var(durationFlag{&c.SessionCookieAge}, "session-cookie-age", "session cookie lifetime, seconds or a duration (RANGO_SESSION_COOKIE_AGE)")
	fs.Var(durationFlag{&c.SessionGCInterval}, "session-gc-interval", "how often expired sessions are swept, seconds or a duration (RANGO_SESSION_GC_INTERVAL)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "Secure cookies and the __Host- session cookie, behind HTTPS (RANGO_SECURE_COOKIES)")
	fs.Func("trusted-proxies", "comma-separated IPs or CIDR ranges of reverse proxies whose X-Forwarded-For is believed (RANGO_TRUSTED_PROXIES)",
		func(v string) error { c.TrustedProxies = splitList(v); return nil })
	fs.Var(durationFlag{&c.SettingsRefresh}, "settings-refresh", "how often to re-read the live settings from the database (RANGO_SETTINGS_REFRESH)")
	fs.Var(durationFlag{&c.PageCacheTTL}, "page-cache", "how long to keep the lists all visitors see alike, e.g. 1s; 0 turns it off (RANGO_PAGE_CACHE)")
	fs.Var(durationFlag{&c.PageTimeout}, "page-timeout", "how long a page view may wait for the database before answering 503, e.g. 1.5s (RANGO_PAGE_TIMEOUT)")
	fs.IntVar(&c.MaxActiveRequests, "max-active-requests", c.MaxActiveRequests, "requests worked on at once; the rest wait their turn in order (0: 4 per CPU, at most 32) (RANGO_MAX_ACTIVE_REQUESTS)")
	seed := fs.Bool("seed", false, "load the sample data (idempotent) and exit")
	clear := fs.Bool("clearsessions", false, "delete expired sessions and exit (for cron)")
	admin := fs.String("createadmin", "", "create the staff user `NAME` (or make it staff) and exit; password from RANGO_ADMIN_PASSWORD or the terminal")
	migrate := fs.Bool("migrate", false, "create or update the schema (and load the sample data into an empty database) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { c.DSNGiven = c.DSNGiven || f.Name == "dsn" })
	var picked []Command
	if *seed {
		picked = append(picked, CommandSeed)
	}
	if *clear {
		picked = append(picked, CommandClearSessions)
	}
	if *admin != "" {
		picked = append(picked, CommandCreateAdmin)
		c.AdminName = *admin
	}
	if *migrate {
		picked = append(picked, CommandMigrate)
	}
	if len(picked) > 1 {
		return errors.New("config: -seed, -clearsessions, -createadmin and -migrate cannot be combined")
	}
	if len(picked) == 1 {
		c.Command = picked[0]
	}
	return nil
}

func (c *Config) validate() error {
	var errs []error
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("config: the metrics address %q is not host:port", c.MetricsAddr))
		} else if c.MetricsAddr == c.Addr {
			errs = append(errs, errors.New("config: metrics need an address of their own, not the site's"))
		}
	}
	if c.DBWait < 0 {
		errs = append(errs, errors.New("config: the database wait must not be negative"))
	}
	if c.VisitInterval < 0 {
		errs = append(errs, errors.New("config: the visit interval must not be negative"))
	}
	if c.SessionCookieAge < time.Minute || c.SessionCookieAge > 365*24*time.Hour {
		errs = append(errs, errors.New("config: the session cookie age must be between 60 s and 31536000 s"))
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				errs = append(errs, fmt.Errorf("config: trusted proxy %q is not an IP address or CIDR range", p))
			}
		}
	}
	if c.PageTimeout < 100*time.Millisecond || c.PageTimeout > time.Minute {
		errs = append(errs, errors.New("config: the page timeout must be between 100 ms and 60 s"))
	}
	if c.PageCacheTTL < 0 || c.PageCacheTTL > time.Minute {
		errs = append(errs, errors.New("config: the page cache TTL must be between 0 and 60 s"))
	}
	if c.MaxActiveRequests < 0 || c.MaxActiveRequests > 10000 {
		errs = append(errs, errors.New("config: the active requests bound must be between 0 (automatic) and 10000"))
	}
	if c.SettingsRefresh < 100*time.Millisecond {
		errs = append(errs, errors.New("config: the settings refresh must be at least 100 ms"))
	}
	if c.SessionGCInterval < time.Second {
		errs = append(errs, errors.New("config: the session GC interval must be at least 1 s"))
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseDuration takes whole seconds ("86400") or a Go duration ("24h").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want seconds or a duration like 30s, got %q", s)
	}
	return d, nil
}

// NormalizeDSN adds the connection options Rango relies on when the DSN
// does not set them: parseTime, utf8mb4 and interpolateParams (which makes
// a parameterised query one round trip instead of three).
func NormalizeDSN(dsn string) (string, error) {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("config: invalid DSN: %w", err)
	}
	if mc.DBName == "" {
		return "", errors.New("config: the DSN must name a database, as in root@tcp(127.0.0.1:3306)/rango")
	}
	if !strings.Contains(dsn, "parseTime=") {
		mc.ParseTime = true
	}
	if !strings.Contains(dsn, "interpolateParams=") {
		mc.InterpolateParams = true
	}
	if !strings.Contains(dsn, "charset=") && !strings.Contains(dsn, "collation=") {
		// Set in the handshake: no extra SET NAMES round trip per connection.
		mc.Collation = "utf8mb4_unicode_ci"
	}
	return mc.FormatDSN(), nil
}
