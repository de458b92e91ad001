package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/encryptcookie"

	"rango/web"
)

// Keys of the visitor counter, in the session and as client-side cookies,
// as the tutorial names them.
const (
	keyVisits    = "visits"
	keyLastVisit = "last_visit"
)

// clientCookieAge is how long the client-side counter cookies live.
const clientCookieAge = 365 * 24 * time.Hour

// counter is a visit count and when it last went up.
type counter struct {
	Visits int64
	Last   time.Time
}

// next applies the tutorial's rule: a missing or malformed counter starts
// at one visit; after more than interval since the last counted visit the
// count goes up by one. It reports whether the counter changed.
func (c counter) next(valid bool, now time.Time, interval time.Duration) (counter, bool) {
	if !valid || c.Visits < 1 {
		return counter{Visits: 1, Last: now}, true
	}
	if now.Sub(c.Last) > interval {
		return counter{Visits: c.Visits + 1, Last: now}, true
	}
	return c, false
}

// parseLastVisit reads a last_visit value; it reports false when malformed.
func parseLastVisit(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// countSessionVisit runs the session-based counter and returns the count.
// The session is written only when the count or its time changes.
func (a *App) countSessionVisit(c *fiber.Ctx) (int64, error) {
	s := web.SessionOf(c)
	visits, ok, err := s.Int(keyVisits)
	if err != nil {
		return 0, err
	}
	lastStr, err := s.String(keyLastVisit)
	if err != nil {
		return 0, err
	}
	last, lastOK := parseLastVisit(lastStr)
	cur, changed := counter{visits, last}.next(ok && lastOK, time.Now(), a.settings.Current().VisitInterval)
	if changed {
		if err := s.Set(keyVisits, cur.Visits); err != nil {
			return 0, err
		}
		if err := s.Set(keyLastVisit, cur.Last.UTC().Format(time.RFC3339)); err != nil {
			return 0, err
		}
	}
	return cur.Visits, nil
}

// clientCounter reads the client-side counter cookies. Values that do not
// decrypt (forged, tampered or garbage) count as absent.
func (a *App) clientCounter(c *fiber.Ctx) (counter, bool) {
	visitsStr, err1 := encryptcookie.DecryptCookie(c.Cookies(keyVisits), a.cookieKey)
	lastStr, err2 := encryptcookie.DecryptCookie(c.Cookies(keyLastVisit), a.cookieKey)
	if err1 != nil || err2 != nil {
		return counter{}, false
	}
	visits, err := strconv.ParseInt(visitsStr, 10, 64)
	last, ok := parseLastVisit(lastStr)
	if err != nil || !ok {
		return counter{}, false
	}
	return counter{visits, last}, true
}

// countClientVisit runs the chapter's cookie-based counter, only for a
// visitor who accepted cookies. The cookies are encrypted and
// authenticated, so the browser can keep but not change them.
func (a *App) countClientVisit(c *fiber.Ctx) error {
	if web.ConsentOf(c) != web.ConsentAccepted {
		return nil
	}
	cur, valid := a.clientCounter(c)
	cur, changed := cur.next(valid, time.Now(), a.settings.Current().VisitInterval)
	if !changed {
		return nil
	}
	for name, value := range map[string]string{
		keyVisits:    strconv.FormatInt(cur.Visits, 10),
		keyLastVisit: cur.Last.UTC().Format(time.RFC3339),
	} {
		enc, err := encryptcookie.EncryptCookie(value, a.cookieKey)
		if err != nil {
			return err
		}
		c.Cookie(&fiber.Cookie{Name: name, Value: enc, Path: "/", MaxAge: int(clientCookieAge / time.Second),
			HTTPOnly: true, Secure: a.secure, SameSite: "Lax"})
	}
	return nil
}

// clearClientCounter deletes the client-side counter cookies.
func (a *App) clearClientCounter(c *fiber.Ctx) {
	for _, name := range []string{keyVisits, keyLastVisit} {
		if c.Cookies(name) != "" {
			c.Cookie(&fiber.Cookie{Name: name, Path: "/", MaxAge: -1, Expires: time.Unix(1, 0),
				HTTPOnly: true, Secure: a.secure, SameSite: "Lax"})
		}
	}
}
