package app

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// consentAge is how long the cookie choice is remembered.
const consentAge = 180 * 24 * time.Hour

// consentSlot is the id of the element the consent banner shows in.
const consentSlot = "consent-slot"

// consentPage is the data of pages/consent.
type consentPage struct{ web.Base }

// consentSettings is "Cookie settings": with htmx (the footer's link) the
// banner, shown again in its slot; without, a page with the same choice.
func (a *App) consentSettings(c *fiber.Ctx) error {
	base := web.BaseOf(c, "Cookie settings", "")
	if web.IsHTMX(c) && c.Get("HX-Target") == consentSlot {
		base.Path = currentPath(c)
		return web.RenderPartial(c, fiber.StatusOK, "consent_banner", base)
	}
	base.ShowConsent = false // the page itself asks
	return web.Render(c, fiber.StatusOK, "pages/consent", consentPage{base})
}

// currentPath is the path of the page htmx sent the request from, the way
// back for the banner's form when JavaScript fails after all.
func currentPath(c *fiber.Ctx) string {
	u, err := url.Parse(c.Get("HX-Current-URL"))
	if err != nil {
		return "/"
	}
	return web.SafeNext(u.RequestURI())
}

// consent records the visitor's choice. Accepting starts the client-side
// counter; rejecting (at first, or later from "Cookie settings") deletes
// its cookies. The banner's htmx request gets its slot emptied and the
// confirmation in the flash area; any other request goes back where it
// came from, with the confirmation as a flash message.
func (a *App) consent(c *fiber.Ctx) error {
	choice, message := web.ConsentRejected, "consent_no"
	if c.FormValue("choice") == "accept" {
		choice, message = web.ConsentAccepted, "consent_yes"
	}
	c.Cookie(&fiber.Cookie{Name: web.ConsentCookie, Value: choice, Path: "/", MaxAge: int(consentAge / time.Second),
		HTTPOnly: true, Secure: a.secure, SameSite: "Lax"})
	if choice == web.ConsentRejected {
		a.clearClientCounter(c)
	}
	if web.IsHTMX(c) && c.Get("HX-Target") == consentSlot {
		base := web.BaseOf(c, "", "")
		base.Fragment, base.Flash = true, web.FlashMessage(message)
		return web.RenderPartial(c, fiber.StatusOK, "flash", base)
	}
	web.SetFlash(c, message)
	return web.Redirect(c, web.SafeNext(c.FormValue("next")))
}
