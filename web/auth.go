package web

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"rango/models"
)

// Session keys that hold the logged-in user, named as Django names them.
const (
	keyUserID   = "_auth_user_id"
	keyUsername = "_auth_username"
	keyIsStaff  = "_auth_is_staff"
	keyAuthAt   = "_auth_at" // unix seconds when the password was last given
	// keyKeep is the login's "Keep me signed in" (see Persistence):
	// absent when no choice was asked.
	keyKeep = "_auth_keep"
)

// CurrentUser is who is logged in, as recorded in the session.
type CurrentUser struct {
	ID       uint64
	Username string
	IsStaff  bool
}

// userLocal caches the current user for the rest of the request.
type userLocal struct{}

// UserOf returns the logged-in user, or nil for an anonymous visitor.
func UserOf(c *fiber.Ctx) (*CurrentUser, error) {
	if u, ok := c.Locals(userLocal{}).(*CurrentUser); ok {
		return u, nil
	}
	s, ok := c.Locals(sessionLocal{}).(*Session)
	if !ok {
		return nil, nil // an error page for a request stopped before the session layer
	}
	id, ok, err := s.Int(keyUserID)
	if err != nil || !ok || id <= 0 {
		return nil, err
	}
	name, err := s.String(keyUsername)
	if err != nil {
		return nil, err
	}
	staff, err := s.Get(keyIsStaff)
	if err != nil {
		return nil, err
	}
	isStaff, _ := staff.(bool)
	u := &CurrentUser{ID: uint64(id), Username: name, IsStaff: isStaff}
	c.Locals(userLocal{}, u)
	return u, nil
}

// Login records the user in the session under a new session key; the old
// row is deleted. As in Django, the rest of the data is kept when the
// session was anonymous or already this user's, and flushed when another
// user was logged in, so that nothing of theirs passes to the next.
func Login(c *fiber.Ctx, u CurrentUser, p Persistence) error {
	s := SessionOf(c)
	prev, ok, err := s.Int(keyUserID)
	if err != nil {
		return err
	}
	if ok && prev != 0 && uint64(prev) != u.ID {
		if err := s.Update(flush); err != nil {
			return err
		}
	}
	if err := s.Rotate(); err != nil {
		return err
	}
	RotateCSRF(c)
	for k, v := range LoginData(u) {
		if err := s.Set(k, v); err != nil {
			return err
		}
	}
	switch p {
	case BrowserLength:
		err = s.Set(keyKeep, false)
	case KeptSignedIn:
		err = s.Set(keyKeep, true)
	default:
		err = s.Delete(keyKeep)
	}
	if err != nil {
		return err
	}
	c.Locals(userLocal{}, &u)
	return nil
}

// LoginData returns the session data Login records for u, for tools and
// tests that make sessions without the login form.
func LoginData(u CurrentUser) Data {
	return Data{keyUserID: u.ID, keyUsername: u.Username, keyIsStaff: u.IsStaff, keyAuthAt: time.Now().Unix()}
}

// flush empties the session's data.
func flush(d Data) bool {
	if len(d) == 0 {
		return false
	}
	clear(d)
	return true
}

// AuthenticatedWithin tells whether the user gave their password (logging
// in or confirming it) within d, for actions that ask for it again.
func AuthenticatedWithin(c *fiber.Ctx, d time.Duration) (bool, error) {
	at, ok, err := SessionOf(c).Int(keyAuthAt)
	if err != nil || !ok {
		return false, err
	}
	return time.Since(time.Unix(at, 0)) < d, nil
}

// Reauthenticated records that the user just confirmed their password.
func Reauthenticated(c *fiber.Ctx) error {
	return SessionOf(c).Set(keyAuthAt, time.Now().Unix())
}

// Logout deletes the session row and expires the cookie, and gives the
// browser a new CSRF token.
func Logout(c *fiber.Ctx) error {
	c.Locals(userLocal{}, (*CurrentUser)(nil))
	RotateCSRF(c)
	s := SessionOf(c)
	exists, err := s.Exists()
	if err != nil || !exists {
		return err
	}
	return s.Destroy()
}

// RequireLogin sends anonymous visitors to the login page, with a next
// parameter that brings them back afterwards.
func RequireLogin(c *fiber.Ctx) error {
	u, err := UserOf(c)
	if err != nil {
		return err
	}
	if u == nil {
		return redirectToLogin(c)
	}
	return c.Next()
}

func redirectToLogin(c *fiber.Ctx) error {
	next := string(c.Request().URI().RequestURI())
	if c.Method() != fiber.MethodGet {
		next = c.Get(fiber.HeaderReferer)
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		}
	}
	target := "/login?next=" + url.QueryEscape(SafeNext(next))
	return Redirect(c, target)
}

// Redirect answers a browser with 303 See Other and an htmx request with
// HX-Redirect: a full page load, not htmx's HX-Location swap. That is on
// purpose: after logging in or out, or changing the password, the page's
// <body hx-headers> must carry the new CSRF token and the navigation the
// new user, which a swap of the content alone would leave stale.
func Redirect(c *fiber.Ctx, target string) error {
	if IsHTMX(c) {
		c.Set("HX-Redirect", target)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// SafeNext returns next if it is a path on this site, "/" otherwise. It
// accepts only what every browser reads as a same-origin path: browsers
// drop tabs and newlines and read a backslash as a slash, so that
// "/\t/evil.example/" loads //evil.example/. Hence no control character,
// whitespace or backslash anywhere, nor in the decoded path; and once
// parsed, no scheme, no host, and a path that starts with exactly one slash.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		!utf8.ValidString(next) || strings.ContainsFunc(next, unsafeInNext) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsFunc(u.Path, unsafeInNext) {
		return "/"
	}
	return next
}

// unsafeInNext tells the runes that SafeNext refuses in a destination.
func unsafeInNext(r rune) bool {
	return r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r)
}

// StaffChecker looks up whether a user is staff now (not as recorded at
// login, so that revoking staff takes effect at once).
type StaffChecker interface {
	UserByID(ctx context.Context, id uint64) (models.User, error)
}

// RequireStaff lets staff users through; anonymous visitors are sent to
// the login page, other users get a 403 page.
func RequireStaff(users StaffChecker) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := UserOf(c)
		if err != nil {
			return err
		}
		if u == nil {
			return redirectToLogin(c)
		}
		user, err := users.UserByID(c.UserContext(), u.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if err != nil || !user.IsStaff {
			return NewError(fiber.StatusForbidden, "The admin panel is for staff only. Your account is not a staff account.")
		}
		return c.Next()
	}
}
