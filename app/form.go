package app

import (
	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// fieldErrors maps a form field's name to the message shown next to it;
// the checks are web.FieldErrors', which the admin uses too.
type fieldErrors map[string]string

// text reads a form field, trimmed, and checks it (web.FieldErrors.Text).
func (errs fieldErrors) text(c *fiber.Ctx, name, label string, max int, required bool) string {
	return web.FieldErrors(errs).Text(c, name, label, max, required)
}

// webURL checks that v is a web address and returns it normalised
// (web.FieldErrors.WebURL).
func (errs fieldErrors) webURL(name, label, v string) string {
	return web.FieldErrors(errs).WebURL(name, label, v)
}
