package app

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// cookieRow is one cookie the browser sent, as the inspector shows it.
// Another application's cookie shows its name only: its value may be that
// application's session key.
type cookieRow struct {
	Name, Value, About string
	Hidden             bool
}

// sessionRow is one key of the session's data.
type sessionRow struct {
	Key, Value, Type string
}

// cookiesPage is the data of pages/cookies: what the server knows about
// this browser, like the developer tools of the tutorial's chapter.
type cookiesPage struct {
	web.Base
	Cookies       []cookieRow
	SessionStored bool
	SessionKey    string
	Session       []sessionRow
	Expires       time.Time
	BrowserClose  bool
	// Chosen tells that the browser-length session is the user's choice
	// at login ("Keep me signed in" unticked), not the site's setting.
	Chosen        bool
	CookieAge     time.Duration
	Client        counter
	ClientValid   bool
	ClientPresent bool
}

// cookieAbout explains the cookies Rango sets.
var cookieAbout = map[string]string{
	web.SessionCookie:       "Your session's key; the data stays on the server. Strictly necessary.",
	web.SecureSessionCookie: "Your session's key; the data stays on the server. Strictly necessary.",
	web.CSRFCookie:          "Protects your forms against cross-site request forgery. Strictly necessary.",
	web.SecureCSRFCookie:    "Protects your forms against cross-site request forgery. Strictly necessary.",
	web.ConsentCookie:       "Remembers your answer to the cookie banner. Strictly necessary.",
	web.TestCookie:          "Tells the login page that your browser keeps cookies. Strictly necessary.",
	web.FlashCookie:         "Carries a one-time message to the next page. Strictly necessary.",
	web.DeviceCookie:        "Says that this browser logged in as you before, so that wrong passwords typed elsewhere do not lock you out here. Strictly necessary.",
	web.SecureDeviceCookie:  "Says that this browser logged in as you before, so that wrong passwords typed elsewhere do not lock you out here. Strictly necessary.",
	keyVisits:               "Client-side visit counter (encrypted). Only after you accept cookies.",
	keyLastVisit:            "When the client-side counter last went up (encrypted). Only after you accept cookies.",
}

// shorten keeps long values readable; session keys are never shown whole.
func shorten(name, value string) string {
	if name == web.SessionCookie || name == web.SecureSessionCookie || name == web.CSRFCookie || name == web.SecureCSRFCookie ||
		name == web.DeviceCookie || name == web.SecureDeviceCookie {
		return web.ShortKey(value)
	}
	if len(value) > 40 {
		return value[:40] + "…"
	}
	return value
}

func (a *App) cookies(c *fiber.Ctx) error {
	data := cookiesPage{Base: web.BaseOf(c, "Your cookies", "cookies")}
	c.Request().Header.VisitAllCookie(func(k, v []byte) {
		name := string(k)
		about, ours := cookieAbout[name]
		if !ours {
			data.Cookies = append(data.Cookies, cookieRow{Name: name, About: "Not set by Rango: its value is not shown.", Hidden: true})
			return
		}
		data.Cookies = append(data.Cookies, cookieRow{Name: name, Value: shorten(name, string(v)), About: about})
	})
	sort.Slice(data.Cookies, func(i, j int) bool { return data.Cookies[i].Name < data.Cookies[j].Name })
	if err := a.describeSession(c, &data); err != nil {
		return err
	}
	data.Client, data.ClientValid = a.clientCounter(c)
	data.ClientPresent = c.Cookies(keyVisits) != "" || c.Cookies(keyLastVisit) != ""
	return web.Render(c, fiber.StatusOK, "pages/cookies", data)
}

// describeSession fills in the stored session's data and expiry.
func (a *App) describeSession(c *fiber.Ctx, data *cookiesPage) error {
	policy := a.sessions.Policy()
	data.BrowserClose, data.CookieAge = policy.ExpireAtBrowserClose, policy.CookieAge
	s := web.SessionOf(c)
	stored, err := s.Exists()
	if err != nil || !stored {
		return err
	}
	key, err := s.ID()
	if err != nil {
		return err
	}
	values, keys, err := s.Data()
	if err != nil {
		return err
	}
	for _, k := range keys {
		data.Session = append(data.Session, sessionRow{Key: k, Value: fmt.Sprint(values[k]), Type: fmt.Sprintf("%T", values[k])})
	}
	if data.BrowserClose, err = s.BrowserLength(); err != nil {
		return err
	}
	data.Chosen = web.ChoseBrowserLength(values)
	expires, err := a.store.SessionExpiry(c.UserContext(), key)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	data.SessionStored, data.SessionKey, data.Expires = true, web.ShortKey(key), expires
	return nil
}
