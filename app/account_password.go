package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

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
	validatePassword(data.Errors, next, confirm)
	if current == "" {
		data.Errors["current"] = "Enter your current password."
	} else if _, err := a.store.Authenticate(c.UserContext(), user.Username, current); errors.Is(err, models.ErrInvalidCredentials) {
		data.Errors["current"] = "This is not your current password."
	} else if err != nil {
		return err
	}
	if len(data.Errors) > 0 {
		return web.Render(c, fiber.StatusUnprocessableEntity, "pages/account_password", data)
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
		if _, err := a.store.DeleteUserSessions(c.UserContext(), user.ID, web.KeyHash(key)); err != nil {
			return err
		}
	}
	web.SetFlash(c, "password_changed")
	return web.Redirect(c, "/account/sessions")
}
