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
// count goes up by one; an interval of zero counts every visit. It reports
// whether the counter changed.
func (c counter) next(valid bool, now time.Time, interval time.Duration) (counter, bool) {
	if !valid || c.Visits < 1 {
		return counter{Visits: 1, Last: now}, true
	}
	if interval == 0 || now.Sub(c.Last) > interval {
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
// The rule runs again on the stored data when the session is saved, so
// concurrent requests of one browser count correctly; a request that does
// not change the count writes nothing.
func (a *App) countSessionVisit(c *fiber.Ctx) (int64, error) {
	now, interval := time.Now(), a.settings.Current().VisitInterval
	var visits int64
	err := web.SessionOf(c).Update(func(d web.Data) bool {
		n, ok := web.AsInt(d[keyVisits])
		lastStr, _ := d[keyLastVisit].(string)
		last, lastOK := parseLastVisit(lastStr)
		cur, changed := counter{n, last}.next(ok && lastOK, now, interval)
		visits = cur.Visits
		if changed {
			d[keyVisits] = cur.Visits
			d[keyLastVisit] = cur.Last.UTC().Format(time.RFC3339)
		}
		return changed
	})
	return visits, err
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
