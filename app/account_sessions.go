package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

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

// accountSessions lists the user's sessions, as OWASP ASVS 3.3.4 asks.
func (a *App) accountSessions(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	list, err := a.store.UserSessions(c.UserContext(), user.ID, a.settings.Current().SessionLimits())
	if err != nil {
		return err
	}
	data := accountSessionsPage{Base: web.BaseOf(c, "Your sessions", "account")}
	current := web.SessionOf(c).SentKeyHash()
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
	if !web.ValidKeyHash(hash) {
		return web.NewError(fiber.StatusNotFound, "There is no such session.")
	}
	if hash == web.SessionOf(c).SentKeyHash() {
		return a.logout(c)
	}
	if confirmed, err := a.passwordConfirmed(c, user, "End another session"); err != nil || !confirmed {
		return err
	}
	n, err := a.store.DeleteUserSessionsByHash(c.UserContext(), user.ID, []string{hash})
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
	if confirmed, err := a.passwordConfirmed(c, user, "Log out all your other sessions"); err != nil || !confirmed {
		return err
	}
	if _, err := a.store.DeleteUserSessions(c.UserContext(), user.ID, web.SessionOf(c).SentKeyHash(), models.EndedSignedOut); err != nil {
		return err
	}
	web.SetFlash(c, "others_ended")
	return web.Redirect(c, "/account/sessions")
}

// reauthWindow is how long after giving their password a user may end
// sessions without giving it again (OWASP ASVS 3.3.4).
const reauthWindow = 10 * time.Minute

// confirmPage is the data of pages/account_confirm.
type confirmPage struct {
	web.Base
	What, Action, Problem string
}

// passwordConfirmed tells whether the action may go ahead: the user gave
// their password within reauthWindow, or gives it now with the request.
// Otherwise it has answered with a page that asks for the password and
// posts back to the same action.
func (a *App) passwordConfirmed(c *fiber.Ctx, user *web.CurrentUser, what string) (bool, error) {
	recent, err := web.AuthenticatedWithin(c, reauthWindow)
	if err != nil || recent {
		return recent, err
	}
	data := confirmPage{Base: web.BaseOf(c, "Confirm your password", "account"), What: what, Action: c.Path()}
	password := c.FormValue("password")
	if password == "" {
		return false, web.Render(c, fiber.StatusOK, "pages/account_confirm", data)
	}
	problem, limited, err := a.confirmPassword(c, user, password)
	if err != nil {
		return false, err
	}
	if problem != "" {
		data.Problem = problem
		status := fiber.StatusUnprocessableEntity
		if limited {
			status = fiber.StatusTooManyRequests
		}
		return false, web.Render(c, status, "pages/account_confirm", data)
	}
	return true, web.Reauthenticated(c)
}
