package web

import (
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

// secureLocal marks a request whose cookies must all be Secure.
type secureLocal struct{}

// SecureCookies marks every cookie a response sets as Secure, for a site
// served over HTTPS; with on false it does nothing. The error page, which
// Fiber renders after every middleware has returned, marks its cookies
// too (see ErrorHandler).
func SecureCookies(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !on {
			return c.Next()
		}
		c.Locals(secureLocal{}, true)
		err := c.Next()
		markCookiesSecure(c)
		return err
	}
}

// markCookiesSecure makes every cookie of the response Secure when the
// request went through SecureCookies(true).
func markCookiesSecure(c *fiber.Ctx) {
	if on, _ := c.Locals(secureLocal{}).(bool); !on {
		return
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
}
