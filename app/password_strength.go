package app

import (
	"github.com/gofiber/fiber/v2"

	"rango/passwords"
	"rango/web"
)

// strengthMeter is the data of the password_strength partial.
type strengthMeter struct {
	Label, Problem string
}

// passwordStrength answers the strength meter under a new password field,
// which htmx asks as the user types: the verdict the form will give, with
// the user name and email typed in the register form (or the logged-in
// user's name) as words an attacker knows. The password comes in a POST
// body behind the CSRF check, never in a URL, and is neither stored nor
// logged; scoring is bounded (a password over passwords.MaxLength bytes is
// refused unscored), so the endpoint costs no more than a page.
func (a *App) passwordStrength(c *fiber.Ctx) error {
	password, username, email := c.FormValue("password"), c.FormValue("username"), c.FormValue("email")
	if username == "" {
		u, err := web.UserOf(c)
		if err != nil {
			return err
		}
		if u != nil {
			username = u.Username
		}
	}
	var meter strengthMeter
	if password != "" {
		r := passwords.Rate(password, username, email)
		meter = strengthMeter{Label: r.Label, Problem: r.Hint}
	}
	return web.RenderPartial(c, fiber.StatusOK, "password_strength", meter)
}
