package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
)

// CSRF names: the cookie (Django's name; behind HTTPS with the __Host-
// prefix, so that no other host, not even a subdomain, can plant a token
// of its choosing), the form field and the htmx header.
const (
	CSRFCookie       = "csrftoken"
	SecureCSRFCookie = "__Host-csrftoken"
	CSRFField        = "_csrf"
	CSRFHeader       = "X-CSRF-Token"
)

// csrfAge is how long a CSRF cookie lives without a visit.
const csrfAge = 30 * 24 * time.Hour

// signedTokens is a fiber.Storage that stores nothing: a token is valid
// when it carries the site's HMAC signature. Fiber's csrf middleware then
// works as a signed double-submit cookie, with no database or session
// write per request, and every app instance accepts every other's tokens.
type signedTokens struct{ key []byte }

func (s signedTokens) sign(nonce string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte("rango-csrf:" + nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// generate makes a new token: 18 random bytes and their signature.
func (s signedTokens) generate() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error())
	}
	nonce := base64.RawURLEncoding.EncodeToString(b)
	return nonce + "." + s.sign(nonce)
}

func (s signedTokens) valid(token string) bool {
	nonce, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 100 {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.sign(nonce)))
}

// Get answers "present" for a validly signed token.
func (s signedTokens) Get(key string) ([]byte, error) {
	if s.valid(key) {
		return []byte{1}, nil
	}
	return nil, nil
}

// Set stores nothing: the token carries its own proof.
func (signedTokens) Set(string, []byte, time.Duration) error { return nil }

// Delete deletes nothing.
func (signedTokens) Delete(string) error { return nil }

// Reset resets nothing.
func (signedTokens) Reset() error { return nil }

// Close closes nothing.
func (signedTokens) Close() error { return nil }

// csrfCookie is what RotateCSRF needs to issue a token.
type csrfCookie struct {
	tokens signedTokens
	name   string
	secure bool
}

// csrfCookieLocal is the fiber.Ctx local that holds the request's csrfCookie.
type csrfCookieLocal struct{}

// CSRF returns Fiber's csrf middleware with signed, stateless tokens read
// from the X-CSRF-Token header (htmx) or the _csrf form field.
func CSRF(key []byte, secure bool) fiber.Handler {
	ck := csrfCookie{tokens: signedTokens{key: key}, name: CSRFCookie, secure: secure}
	if secure {
		ck.name = SecureCSRFCookie
	}
	check := csrf.New(csrf.Config{
		CookieName:     ck.name,
		CookiePath:     "/",
		CookieSecure:   secure,
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		Expiration:     csrfAge,
		Storage:        ck.tokens,
		KeyGenerator:   ck.tokens.generate,
		ContextKey:     csrfLocal{},
		Extractor:      extractCSRF,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if len(c.Request().Header.Peek(fiber.HeaderCookie)) == 0 {
				return NewError(fiber.StatusForbidden, "Your browser sent no cookies. Rango needs cookies for forms "+
					"and to log you in: please enable cookies for this site, then reload the page and try again.")
			}
			return NewError(fiber.StatusForbidden,
				"This form has expired or did not come from this site (CSRF check failed). "+
					"Reload the page and try again.")
		},
	})
	return func(c *fiber.Ctx) error {
		c.Locals(csrfCookieLocal{}, ck)
		return check(c)
	}
}

// RotateCSRF gives the browser a new CSRF token, as Django does when a user
// logs in or out: a token someone learnt or planted before does not carry
// over into the new session. Pages rendered for this request get the new
// token too.
func RotateCSRF(c *fiber.Ctx) {
	ck, ok := c.Locals(csrfCookieLocal{}).(csrfCookie)
	if !ok {
		return
	}
	token := ck.tokens.generate()
	c.Cookie(&fiber.Cookie{Name: ck.name, Value: token, Path: "/", Secure: ck.secure, HTTPOnly: true, SameSite: "Lax",
		Expires: time.Now().Add(csrfAge)})
	c.Locals(csrfLocal{}, token)
}

func extractCSRF(c *fiber.Ctx) (string, error) {
	if token := c.Get(CSRFHeader); token != "" {
		return token, nil
	}
	return c.FormValue(CSRFField), nil
}
