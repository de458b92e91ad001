// Package app is the Rango site: its Fiber application, middleware and the
// handlers of the public pages (categories, pages, accounts, the visitor
// counters, cookie consent and the cookie inspector).
package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"

	"rango/assets"
	"rango/models"
	"rango/public"
	"rango/settings"
	"rango/views"
	"rango/web"
)

// BodyLimit is the largest request body accepted; larger ones get 413.
const BodyLimit = 64 * 1024

// Time limits of a request's work: pages answer within about two seconds
// even when the database hangs; forms get longer (bcrypt takes its time on
// a busy machine), and the admin's bulk actions longer still.
const (
	formTimeout  = 10 * time.Second
	adminTimeout = time.Minute
)

// requestTimeout returns the time limit of each request's work.
func requestTimeout(page time.Duration) func(*fiber.Ctx) time.Duration {
	return func(c *fiber.Ctx) time.Duration {
		switch {
		case strings.HasPrefix(c.Path(), "/admin/"):
			return adminTimeout
		case c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead:
			return formTimeout
		}
		return page
	}
}

// Deps are what the site needs from main.
type Deps struct {
	Log      *slog.Logger
	Store    *models.Store
	Sessions *web.Sessions
	Settings *settings.Live
	// SecretKey derives the CSRF signing key, the cookie encryption key
	// and the device cookies' signing key.
	SecretKey string
	// SecureCookies marks every cookie Secure (behind HTTPS).
	SecureCookies bool
	// Proxies are the trusted reverse proxies.
	Proxies web.Proxies
	// PageTimeout bounds a page view's work; see config.Config.
	PageTimeout time.Duration
	// PageCacheTTL is how long the lists every visitor sees alike are
	// kept in memory; 0 turns the cache off.
	PageCacheTTL time.Duration
	// Metrics, if not nil, is the first middleware: it times and counts
	// every request (metrics.Metrics.Middleware).
	Metrics fiber.Handler
	// ClientLimits bound the requests of one browser or address in
	// progress at once; the zero value means web.DefaultClientLimits.
	ClientLimits web.ClientLimits
	// Turns bound the requests this instance works on at once; nil means
	// DefaultMaxActiveRequests of them.
	Turns *web.Turns
}

// DefaultMaxActiveRequests is 4 requests per CPU the Go runtime uses, at
// most the database pool's size (models.MaxConns): enough to keep the
// CPUs busy while some requests wait for the database, few enough that
// each runs among few. On 2 cores under the benchmark's mixed load, 8
// kept the throughput of 16 and more with half their p99 (BENCHMARKS.md);
// 4 left the CPUs idle.
func DefaultMaxActiveRequests() int {
	return min(4*runtime.GOMAXPROCS(0), models.MaxConns)
}

// App holds the site's dependencies; its methods are the handlers.
type App struct {
	log       *slog.Logger
	store     *models.Store
	sessions  *web.Sessions
	settings  *settings.Live
	cookieKey string
	secure    bool
	devices   devices
	cache     *pageCache
	views     *html.Engine
}

// DeriveKey derives a purpose-specific key from the site's secret key.
func DeriveKey(secret, purpose string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// NewFiber returns a Fiber application with Rango's templates, error pages,
// static files, compression, CSRF protection and session layer, ready for
// routes.
func NewFiber(d Deps, engine *html.Engine, static *assets.Assets) *fiber.App {
	f := fiber.New(fiber.Config{
		Views:          engine,
		ErrorHandler:   web.ErrorHandler(d.Log),
		BodyLimit:      BodyLimit,
		ReadBufferSize: 16 * 1024, // request line and headers, cookies included

		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
	})
	prepareRender(f)
	if d.Metrics != nil {
		f.Use(d.Metrics)
	}
	f.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		d.Log.Error("panic in handler", "path", c.Path(), "panic", e)
	}}))
	f.Use(web.SecurityHeaders())
	health(f, d.Store)
	f.Use(d.Proxies.Middleware())
	f.Use(web.SecureCookies(d.SecureCookies))
	// Static files come compressed already; everything after them is
	// compressed as the client asks.
	f.Use(assets.Mount, static.Handler())
	f.Use(web.Timeout(requestTimeout(d.PageTimeout)))
	limits := d.ClientLimits
	if limits == (web.ClientLimits{}) {
		limits = web.DefaultClientLimits
	}
	f.Use(limits.Middleware(d.Sessions.CookieName()))
	turns := d.Turns
	if turns == nil {
		turns = web.NewTurns(DefaultMaxActiveRequests())
	}
	f.Use(turns.Middleware())
	// Compression is CPU work: it is done inside the request's turn.
	f.Use(web.Compress())
	f.Use(web.CSRF(DeriveKey(d.SecretKey, "csrf"), d.SecureCookies))
	f.Use(d.Sessions.Middleware())
	return f
}

// prepareRender has Fiber fill the list its first Render reads, which it
// fills lazily and without a lock (gofiber/fiber v2.52, an app with no
// mounted sub-apps): done before any request, concurrent first renders do
// not race on it. The render itself fails, harmlessly: it names no
// template.
func prepareRender(f *fiber.App) {
	c := f.AcquireCtx(&fasthttp.RequestCtx{})
	defer f.ReleaseCtx(c)
	_ = c.Render("", nil)
}

// New returns the site with every route registered.
func New(d Deps) (*fiber.App, *App, error) {
	a := &App{
		log:       d.Log,
		store:     d.Store,
		sessions:  d.Sessions,
		settings:  d.Settings,
		cookieKey: base64.StdEncoding.EncodeToString(DeriveKey(d.SecretKey, "client-cookies")),
		secure:    d.SecureCookies,
		devices:   newDevices(d.SecretKey, d.SecureCookies),
		cache:     newPageCache(d.PageCacheTTL),
	}
	static, err := assets.New(public.FS)
	if err != nil {
		return nil, nil, err
	}
	a.views = html.NewFileSystem(http.FS(views.FS), ".html")
	a.views.AddFuncMap(views.Funcs())
	a.views.AddFunc("static", static.URL)
	a.views.AddFunc("shell", web.NewShells(func(w io.Writer, name string, data any) error {
		return a.views.Render(w, name, data)
	}).Render)
	if err := a.views.Load(); err != nil {
		return nil, nil, fmt.Errorf("app: templates: %w", err)
	}
	f := NewFiber(d, a.views, static)
	a.Routes(f)
	return f, a, nil
}
