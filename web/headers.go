package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/valyala/fasthttp"
)

// ContentSecurityPolicy allows only the site's own scripts, styles and
// images (plus the data: images Bootstrap's CSS uses), and no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// SecurityHeaders is Fiber's helmet with Rango's policy. The Referrer-Policy
// is same-origin, not helmet's no-referrer: Fiber's CSRF check over HTTPS
// needs the Referer of same-site requests.
func SecurityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy:     ContentSecurityPolicy,
		ReferrerPolicy:            "same-origin",
		CrossOriginEmbedderPolicy: "require-corp",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		HSTSMaxAge:                31536000,
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), interest-cohort=()",
	})
}

// SecureCookies marks every cookie a response sets as Secure, for a site
// served over HTTPS; with on false it does nothing.
func SecureCookies(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if !on {
			return err
		}
		var names [][]byte
		c.Response().Header.VisitAllCookie(func(key, _ []byte) {
			names = append(names, append([]byte(nil), key...))
		})
		for _, name := range names {
			ck := fasthttp.AcquireCookie()
			ck.SetKeyBytes(name)
			if c.Response().Header.Cookie(ck) {
				ck.SetSecure(true)
				c.Response().Header.SetCookie(ck)
			}
			fasthttp.ReleaseCookie(ck)
		}
		return err
	}
}

// NoStore marks the responses of private pages (the cookie inspector, the
// account and admin pages, login and register) Cache-Control: no-store:
// neither the browser nor a proxy keeps a copy of what they show.
func NoStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// NoStoreUnder is NoStore for every path under prefix ("/account" and
// "/account/…", not "/accounts", which Fiber's Use would match too).
func NoStoreUnder(prefix string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if p := c.Path(); p == prefix || strings.HasPrefix(p, prefix+"/") {
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		return c.Next()
	}
}

// Compress gzips (or deflates) responses when the client accepts it, at
// the fastest level, as Fiber's compress middleware does but also for the
// error pages:
// a handler's error is turned into its page here, before compressing,
// rather than after every middleware has returned. Bodies under 200 bytes
// and types that do not compress are sent as they are.
//
// Pages get gzip even from a browser that prefers brotli: on a 10 KB page
// Go's brotli takes about twice the CPU of gzip level 1 for the same size
// (2,860 against 2,866 bytes; brotli's smaller levels only from level 4,
// at five times the CPU). The static files, compressed once, do use
// brotli at its best (package assets).
func Compress() fiber.Handler {
	compress := fasthttp.CompressHandlerLevel(func(*fasthttp.RequestCtx) {}, fasthttp.CompressBestSpeed)
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			if err := c.App().ErrorHandler(c, err); err != nil {
				return err
			}
		}
		compress(c.Context())
		return nil
	}
}
