package app

import (
	"regexp"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// hashPattern is what a session id (its key's hash) looks like in a URL.
var hashPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// ownSession is one of the user's sessions as "Your sessions" shows it.
type ownSession struct {
	models.SessionInfo
	Device  string
	Current bool
}

// accountSessionsPage is the data of pages/account_sessions.
type accountSessionsPage struct {
	web.Base
	Sessions []ownSession
}

// currentHash is the hash of this browser's session key, or "".
func currentHash(c *fiber.Ctx) string {
	if key := web.SessionOf(c).SentKey(); key != "" {
		return web.KeyHash(key)
	}
	return ""
}

// accountSessions lists the user's sessions, as OWASP ASVS 3.3.4 asks.
func (a *App) accountSessions(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	list, err := a.store.UserSessions(c.UserContext(), user.ID)
	if err != nil {
		return err
	}
	data := accountSessionsPage{Base: web.BaseOf(c, "Your sessions", "account")}
	current := currentHash(c)
	for _, s := range list {
		data.Sessions = append(data.Sessions, ownSession{SessionInfo: s, Device: web.Device(s.UserAgent), Current: s.Hash == current})
	}
	return web.Render(c, fiber.StatusOK, "pages/account_sessions", data)
}

// endAccountSession ends one of the user's own sessions; ending the
// current one is logging out. Another user's session is never touched.
func (a *App) endAccountSession(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	hash := c.Params("hash")
	if !hashPattern.MatchString(hash) {
		return web.NewError(fiber.StatusNotFound, "There is no such session.")
	}
	if hash == currentHash(c) {
		return a.logout(c)
	}
	n, err := a.store.DeleteSessionsByHash(c.UserContext(), []string{hash}, user.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return web.NewError(fiber.StatusNotFound, "There is no such session among yours: it may have ended already.")
	}
	web.SetFlash(c, "session_ended")
	return web.Redirect(c, "/account/sessions")
}

// endOtherSessions logs the user out everywhere but here (ASVS 3.3.3).
func (a *App) endOtherSessions(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	if _, err := a.store.DeleteUserSessions(c.UserContext(), user.ID, currentHash(c)); err != nil {
		return err
	}
	web.SetFlash(c, "others_ended")
	return web.Redirect(c, "/account/sessions")
}
