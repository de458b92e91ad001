package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// confirmPassword checks the logged-in user's password within the same
// guessing limits as logging in to the account. It returns a message for
// the form when the password is wrong or may not be tried now (limited
// tells which).
func (a *App) confirmPassword(c *fiber.Ctx, user *web.CurrentUser, password string) (problem string, limited bool, err error) {
	u, err := a.store.UserByID(c.UserContext(), user.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return "", false, err
	}
	var spent *limitedError
	switch err := a.checkPassword(c, account{user: u, name: user.Username}, password); {
	case errors.As(err, &spent):
		spent.retryAfter(c)
		return "Too many wrong passwords. For your account's safety, wait " + spent.wait() + " and try again.", true, nil
	case errors.Is(err, models.ErrInvalidCredentials):
		return "This is not your password.", false, nil
	case err != nil:
		return "", false, a.limiterDown(c, err)
	}
	return "", false, nil
}

// passwordPage is the data of pages/account_password.
type passwordPage struct {
	web.Base
	EndOthers bool
	Errors    fieldErrors
}

func (a *App) passwordForm(c *fiber.Ctx) error {
	return web.Render(c, fiber.StatusOK, "pages/account_password",
		passwordPage{Base: web.BaseOf(c, "Change your password", "account"), EndOthers: true, Errors: fieldErrors{}})
}

// changePassword sets a new password after checking the current one, gives
// this session a new key and, if asked (the default), ends the user's
// other sessions, as OWASP ASVS 3.3.3 asks.
func (a *App) changePassword(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	data := passwordPage{Base: web.BaseOf(c, "Change your password", "account"), EndOthers: c.FormValue("end_others") == "on", Errors: fieldErrors{}}
	current, next, confirm := c.FormValue("current"), c.FormValue("password"), c.FormValue("password2")
	me, err := a.store.UserByID(c.UserContext(), user.ID)
	if err != nil {
		return err
	}
	validatePassword(data.Errors, next, confirm, me.Username, me.Email)
	status := fiber.StatusUnprocessableEntity
	if current == "" {
		data.Errors["current"] = "Enter your current password."
	} else if problem, limited, err := a.confirmPassword(c, user, current); err != nil {
		return err
	} else if problem != "" {
		data.Errors["current"] = problem
		if limited {
			status = fiber.StatusTooManyRequests
		}
	}
	if len(data.Errors) > 0 {
		return web.Render(c, status, "pages/account_password", data)
	}
	if err := a.store.SetPassword(c.UserContext(), user.ID, next); err != nil {
		return err
	}
	s := web.SessionOf(c)
	if err := s.Rotate(); err != nil {
		return err
	}
	if data.EndOthers {
		key, err := s.ID()
		if err != nil {
			return err
		}
		if _, err := a.store.DeleteUserSessions(c.UserContext(), user.ID, web.KeyHash(key), models.EndedPasswordChanged); err != nil {
			return err
		}
	}
	web.SetFlash(c, "password_changed")
	return web.Redirect(c, "/account/sessions")
}
