package app

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rango/models"
)

// gotoPage counts a view of a page and sends the browser to it. An unknown
// or malformed id goes to the home page.
func (a *App) gotoPage(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Query("page_id"), 10, 64)
	if err != nil || id == 0 {
		return c.Redirect("/", fiber.StatusFound)
	}
	target, err := a.store.VisitPage(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return c.Redirect("/", fiber.StatusFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(target, fiber.StatusFound)
}
