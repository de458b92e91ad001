package app

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// maxSuggestions is how many categories the search suggests, as in the
// tutorial's suggest view.
const maxSuggestions = 8

// searchPage is the data of pages/search and the suggestions partial.
type searchPage struct {
	web.Base
	Query      string
	Categories []models.Category
}

// search suggests categories whose name starts with q. htmx (typing in the
// search box) gets the list alone; a browser gets a page.
func (a *App) search(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > models.MaxCategoryName {
		q = ""
	}
	cats, err := a.store.SuggestCategories(c.UserContext(), q, maxSuggestions)
	if err != nil {
		return err
	}
	data := searchPage{Query: q, Categories: cats}
	if web.IsHTMX(c) && c.Get("HX-Target") == "suggestions" {
		return web.RenderPartial(c, fiber.StatusOK, "suggestions", data)
	}
	data.Base = web.BaseOf(c, "Find a category", "search")
	return web.Render(c, fiber.StatusOK, "pages/search", data)
}
