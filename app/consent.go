package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// consentAge is how long the cookie choice is remembered.
const consentAge = 180 * 24 * time.Hour

// consent records the visitor's choice from the cookie banner. Accepting
// starts the client-side counter; rejecting deletes its cookies. htmx
// removes the banner; a browser without JavaScript goes back where it was.
func (a *App) consent(c *fiber.Ctx) error {
	choice := web.ConsentRejected
	if c.FormValue("choice") == "accept" {
		choice = web.ConsentAccepted
	}
	c.Cookie(&fiber.Cookie{Name: web.ConsentCookie, Value: choice, Path: "/", MaxAge: int(consentAge / time.Second),
		HTTPOnly: true, Secure: a.secure, SameSite: "Lax"})
	if choice == web.ConsentRejected {
		a.clearClientCounter(c)
	}
	if web.IsHTMX(c) {
		return c.Status(fiber.StatusOK).SendString("") // swapped in place of the banner
	}
	if choice == web.ConsentAccepted {
		web.SetFlash(c, "consent_yes")
	} else {
		web.SetFlash(c, "consent_no")
	}
	return c.Redirect(web.SafeNext(c.FormValue("next")), fiber.StatusSeeOther)
}
