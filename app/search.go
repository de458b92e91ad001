package app

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// maxSuggestions is how many categories the search suggests, as in the
// tutorial's suggest view.
const maxSuggestions = 8

// searchPage is the data of pages/search and the suggestions partials.
type searchPage struct {
	web.Base
	Query      string
	Categories []models.Category
	// LoggedIn offers to add the category when none matches.
	LoggedIn bool
	// Announcement is what screen readers say after the list changes.
	Announcement string
}

// search suggests categories whose name starts with q. htmx (typing in the
// search box) gets the list alone, and its size to announce; a browser
// gets a page.
func (a *App) search(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > models.MaxCategoryName || strings.ContainsFunc(q, web.IsControl) {
		q = ""
	}
	cats, err := a.suggestions(c.UserContext(), q)
	if err != nil {
		return err
	}
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	data := searchPage{Query: q, Categories: cats, LoggedIn: user != nil, Announcement: suggestionCount(q, len(cats))}
	if web.IsHTMX(c) && c.Get("HX-Target") == "suggestions" {
		return web.RenderPartial(c, fiber.StatusOK, "suggestions_changed", data)
	}
	title := "Find a category"
	if q != "" {
		title = "Categories starting with “" + q + "”"
	}
	data.Base = web.BaseOf(c, title, "search")
	return web.Render(c, fiber.StatusOK, "pages/search", data)
}

// suggestionCount says how many categories match, for screen readers.
func suggestionCount(q string, n int) string {
	switch {
	case q == "":
		return ""
	case n == 0:
		return "No category starts with “" + q + "”."
	case n == 1:
		return "1 category starts with “" + q + "”."
	case n == maxSuggestions:
		return fmt.Sprintf("The first %d categories that start with “%s”.", n, q)
	}
	return fmt.Sprintf("%d categories start with “%s”.", n, q)
}
