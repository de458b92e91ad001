package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// navItem is one entry of the admin navigation.
type navItem struct {
	Section, Label, Href string
	Active               bool
}

// sections are the admin's navigation entries, in order.
var sections = []navItem{
	{Section: "dashboard", Label: "Dashboard", Href: "/admin/"},
	{Section: "sessions", Label: "Sessions", Href: "/admin/sessions"},
	{Section: "categories", Label: "Categories", Href: "/admin/categories"},
	{Section: "pages", Label: "Pages", Href: "/admin/pages"},
	{Section: "users", Label: "Users", Href: "/admin/users"},
	{Section: "settings", Label: "Settings", Href: "/admin/settings"},
	{Section: "audit", Label: "Audit", Href: "/admin/audit"},
}

// crumb is one step of the breadcrumb trail above a page's heading.
type crumb struct{ Label, Href string }

// notice is a result message: what an action did, with its counts, and
// the audit entry that records it.
type notice struct {
	Text    string
	AuditID uint64
	Warning bool
	// Focus moves the keyboard focus to the message when it appears.
	Focus bool
}

// page is the layout data of every admin page.
type page struct {
	web.Base
	// Section names the navigation entry to highlight.
	Section string
	// Heading is the page's h1; the title is made from it.
	Heading string
	// Crumbs lead from the dashboard to this page (which is not in them).
	Crumbs []crumb
	// Notice is the result of the action that led here, if any.
	Notice *notice
}

// NavItems returns the navigation with this page's section marked.
func (p page) NavItems() []navItem {
	out := make([]navItem, len(sections))
	for i, s := range sections {
		s.Active = s.Section == p.Section
		out[i] = s
	}
	return out
}

// dashboardCrumb starts the trail of every page below the dashboard.
var dashboardCrumb = crumb{"Admin", "/admin/"}

// page returns the layout data of an admin page, with the pending result
// message taken from its cookie.
func (h *Handler) page(c *fiber.Ctx, section, heading string, crumbs ...crumb) page {
	p := page{Base: web.BaseOf(c, heading, "admin"), Section: section, Heading: heading, Crumbs: crumbs}
	p.Notice = h.takeNotice(c)
	return p
}

// noticeCookie carries the id of the audit entry whose summary the next
// admin page shows: after a form post without JavaScript, the result
// message survives the redirect. It holds an id only, so it can show
// nothing but a real audit entry.
const noticeCookie = "admin_notice"

// setNotice shows the audit entry's summary on the next admin page.
func setNotice(c *fiber.Ctx, auditID uint64) {
	c.Cookie(&fiber.Cookie{Name: noticeCookie, Value: strconv.FormatUint(auditID, 10), Path: "/admin/",
		MaxAge: 60, HTTPOnly: true, SameSite: "Lax"})
}

// takeNotice returns the pending result message, if any, and clears it.
func (h *Handler) takeNotice(c *fiber.Ctx) *notice {
	raw := c.Cookies(noticeCookie)
	if raw == "" {
		return nil
	}
	c.Cookie(&fiber.Cookie{Name: noticeCookie, Path: "/admin/", Expires: time.Unix(1, 0), MaxAge: -1, HTTPOnly: true, SameSite: "Lax"})
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return nil
	}
	entry, err := h.store.AuditEntryByID(c.UserContext(), id)
	if err != nil {
		h.log.Warn("result message: audit entry not readable", "id", id, "err", err.Error())
		return nil
	}
	// Ending sessions that had all ended already did nothing: say so in amber.
	return &notice{Text: entry.Summary, AuditID: entry.ID, Warning: entry.TargetType == models.TargetSessions && entry.Rows == 0, Focus: true}
}

// errorPage is the data of admin/error.
type errorPage struct {
	page
	Status  int
	Message string
}

// shell keeps staff inside the admin's own layout: a boosted link from the
// site into the admin loads the whole admin page (the site's shell has
// other styles and scripts), and the admin's own errors (an unknown
// address, a session that is gone) show in the admin shell. Other errors
// go on to the site's error handler.
func (h *Handler) shell(c *fiber.Ctx) error {
	if web.IsHTMX(c) && c.Get("HX-Boosted") == "true" && c.Method() == fiber.MethodGet && !underAdmin(c.Get("HX-Current-URL")) {
		c.Set("HX-Redirect", c.OriginalURL())
		return c.SendStatus(fiber.StatusNoContent)
	}
	err := c.Next()
	if err == nil {
		return nil
	}
	status, message := 0, ""
	var he *web.HTTPError
	var fe *fiber.Error
	switch {
	case errors.As(err, &he) && he.Status < 500:
		status, message = he.Status, he.Message
	case errors.As(err, &fe) && fe.Code == fiber.StatusNotFound:
		status, message = fe.Code, "There is no admin page at this address."
	case errors.As(err, &fe) && fe.Code == fiber.StatusMethodNotAllowed:
		status, message = fe.Code, "This address does not take that kind of request."
	default:
		return err
	}
	if web.IsHTMX(c) {
		c.Set("HX-Retarget", "#page")
		c.Set("HX-Reswap", "innerHTML")
	}
	data := errorPage{page: h.page(c, "", http.StatusText(status), dashboardCrumb), Status: status, Message: message}
	return web.Render(c, status, "admin/error", data)
}

// underAdmin tells whether a page address (htmx's HX-Current-URL) is an
// admin page.
func underAdmin(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.HasPrefix(u.Path, "/admin/")
}
