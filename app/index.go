package app

import (
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// indexPage is the data of pages/index.
type indexPage struct {
	web.Base
	Lists  template.HTML
	Visits int64
	Search searchPage
}

// index shows the five most liked categories and the five most viewed
// pages, and counts the visit.
func (a *App) index(c *fiber.Ctx) error {
	visits, err := a.countSessionVisit(c)
	if err != nil {
		return err
	}
	if err := a.countClientVisit(c); err != nil {
		return err
	}
	lists, err := a.indexLists(c.UserContext())
	if err != nil {
		return err
	}
	data := indexPage{Base: web.BaseOf(c, "Home", "home"), Lists: lists, Visits: visits}
	data.Search.LoggedIn = data.User != nil
	return web.Render(c, fiber.StatusOK, "pages/index", data)
}

// aboutPage is the data of pages/about.
type aboutPage struct {
	web.Base
	Visits        int64
	VisitInterval time.Duration
}

// about shows the session's visit count.
func (a *App) about(c *fiber.Ctx) error {
	visits, err := a.countSessionVisit(c)
	if err != nil {
		return err
	}
	if err := a.countClientVisit(c); err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "pages/about", aboutPage{Base: web.BaseOf(c, "About", "about"), Visits: visits, VisitInterval: a.settings.Current().VisitInterval})
}

// restrictedPage is the data of pages/restricted.
type restrictedPage struct{ web.Base }

// restricted is a page only logged-in users see.
func (a *App) restricted(c *fiber.Ctx) error {
	return web.Render(c, fiber.StatusOK, "pages/restricted", restrictedPage{web.BaseOf(c, "Restricted", "restricted")})
}
