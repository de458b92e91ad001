// Package web holds what the site (package app) and the admin panel
// (package admin) share: the session layer, the logged-in user, CSRF,
// page rendering with htmx fragments, and error pages.
package web

import (
	"github.com/gofiber/fiber/v2"
)

// csrfLocal is the fiber.Ctx local the CSRF middleware puts its token in.
type csrfLocal struct{}

// Base is the data every page's layout needs.
type Base struct {
	// Title is the page's title, shown in the tab and as its heading.
	Title string
	// Nav names the navigation entry to highlight.
	Nav string
	// User is who is logged in, or nil.
	User *CurrentUser
	// CSRFToken goes into every form as _csrf and into htmx's headers.
	CSRFToken string
	// Consent is the visitor's cookie choice, "" before they make one.
	Consent string
	// ShowConsent shows the cookie banner to a visitor who has not chosen.
	ShowConsent bool
	// Flash is a message shown once above the content, in a live region
	// that screen readers announce (a flash cookie's, or another that
	// must be seen once).
	Flash string
	// Path is the request path, for the consent form's way back.
	Path string
	// Wide gives the page a wider column, for the admin's tables.
	Wide bool
	// Fragment renders what an htmx navigation swaps (the content that
	// goes into <main>, the title, and out of band the navigation's links
	// and the flash area), not the whole document.
	Fragment bool
}

// Layout returns the layout's data, for the shell templates: pages call
// {{shell "page_top" .Layout}} (Shells.Render) with it rather than with
// the page's own data. The shell is rendered from a Base alone, so that
// its HTML can be kept per layout; and on a page's data, where Base is
// embedded, html/template would find Base's fields by a breadth-first
// search of the embedded structs on every use (8% of a returning view's
// CPU, BENCHMARKS.md).
func (b Base) Layout() Base { return b }

// BaseOf returns the layout data of a page titled title.
func BaseOf(c *fiber.Ctx, title, nav string) Base {
	b := Base{Title: title, Nav: nav, Path: SafeNext(string(c.Request().URI().RequestURI())), Fragment: wantsFragment(c)}
	b.User, _ = UserOf(c) // an error here surfaces when the handler reads the session
	b.CSRFToken, _ = c.Locals(csrfLocal{}).(string)
	b.Consent = ConsentOf(c)
	b.ShowConsent = b.Consent == ""
	b.Flash = TakeFlash(c)
	if s, ok := c.Locals(sessionLocal{}).(*Session); ok {
		if msg := s.EndedMessage(); msg != "" {
			b.Flash = msg
		}
	}
	return b
}

// IsHTMX tells whether htmx sent the request.
func IsHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true"
}

// wantsFragment tells whether to answer with the swapped part only: htmx
// asked, and it is not restoring history (which needs the whole page).
func wantsFragment(c *fiber.Ctx) bool {
	return IsHTMX(c) && c.Get("HX-History-Restore-Request") != "true"
}

// Render answers with the named page: the whole document for a browser, or
// the swapped part for htmx, as the page's Base says. Either way the
// response varies by HX-Request and HX-History-Restore-Request. When the
// request's session could not be read, it answers with that error instead
// (503 while the database is away): the page would otherwise show a
// logged-in visitor as logged out.
func Render(c *fiber.Ctx, status int, page string, data any) error {
	if err := sessionError(c); err != nil {
		return err
	}
	return render(c, status, page, data)
}

// RenderPartial answers with one named template and no layout, for htmx
// requests that swap a small part of a page.
func RenderPartial(c *fiber.Ctx, status int, name string, data any) error {
	return Render(c, status, name, data)
}

func render(c *fiber.Ctx, status int, name string, data any) error {
	c.Vary("HX-Request", "HX-History-Restore-Request")
	return c.Status(status).Render(name, data)
}

// sessionError returns the error of the request's failed session load.
func sessionError(c *fiber.Ctx) error {
	if s, ok := c.Locals(sessionLocal{}).(*Session); ok {
		return s.Err()
	}
	return nil
}
