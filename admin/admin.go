// Package admin is Rango's admin panel for operators, in a shell of its
// own: a live dashboard of sessions, the session list with search,
// filters, sorting, keyset paging and bulk actions, a session's decoded
// data, the categories, pages and users (whose sessions end when their
// account changes), the audit trail, and the runtime settings (cookie age
// and the like) changed live. main mounts it under /admin behind
// web.RequireStaff.
package admin

import (
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/settings"
	"rango/web"
)

// Deps are what the admin panel needs.
type Deps struct {
	Log      *slog.Logger
	Store    *models.Store
	Settings *settings.Live
}

// Handler serves the admin pages.
type Handler struct {
	log      *slog.Logger
	store    *models.Store
	settings *settings.Live
	stats    *statsCache
}

// New returns the admin panel's handler.
func New(d Deps) *Handler {
	return &Handler{log: d.Log, store: d.Store, settings: d.Settings, stats: &statsCache{store: d.Store, log: d.Log,
		limits: func() models.SessionLimits { return d.Settings.Current().SessionLimits() }}}
}

// Register adds the admin routes to r (mounted at /admin).
func (h *Handler) Register(r fiber.Router) {
	r.Use(requireActor, h.shell)
	r.Get("/", h.dashboard)
	r.Get("/stats", h.dashboardStats)
	r.Get("/sessions", h.listSessions)
	r.Post("/sessions/end", h.endSelected)
	r.Post("/sessions/delete-expired", h.deleteExpired)
	r.Post("/sessions/delete-all", h.deleteAll)
	r.Get("/sessions/:hash", h.showSession)
	r.Post("/sessions/:hash/delete", h.deleteSession)
	r.Get("/categories", h.listCategories)
	r.Post("/categories", h.addCategory)
	r.Post("/categories/delete", h.deleteCategories)
	r.Get("/categories/:id", h.showCategory)
	r.Post("/categories/:id", h.renameCategory)
	r.Post("/categories/:id/reset", h.resetCategory)
	r.Post("/categories/:id/delete", h.deleteCategory)
	r.Get("/pages", h.listPages)
	r.Post("/pages/delete", h.deletePages)
	r.Get("/pages/:id", h.showPage)
	r.Post("/pages/:id", h.updatePage)
	r.Post("/pages/:id/reset-views", h.resetPageViews)
	r.Post("/pages/:id/delete", h.deletePage)
	r.Get("/users", h.listUsers)
	r.Get("/users/:id", h.showUser)
	r.Post("/users/:id/staff", h.setStaff)
	r.Post("/users/:id/active", h.setActive)
	r.Post("/users/:id/password", h.setPassword)
	r.Post("/users/:id/delete", h.deleteUser)
	r.Post("/users/:id/logout-everywhere", h.logoutEverywhere)
	r.Get("/audit", h.audit)
	r.Get("/settings", h.settingsForm)
	r.Post("/settings", h.saveSettings)
}

// action is an admin action for the audit trail.
type action struct {
	Name, TargetType, Target, Summary string
	Rows                              int64
}

// requireActor refuses every admin request without a logged-in user, so
// that no action can happen that the audit trail could not name anyone
// for, even if the panel were mounted without web.RequireStaff.
func requireActor(c *fiber.Ctx) error {
	u, err := web.UserOf(c)
	if err != nil {
		return err
	}
	if u == nil {
		return web.NewError(fiber.StatusForbidden, "The admin panel is for logged-in staff only.")
	}
	return c.Next()
}

// record writes an audit entry for an action of the current staff user
// and returns its id, which the result message links to; without a user
// it fails rather than leave the action unrecorded.
func (h *Handler) record(c *fiber.Ctx, a action) (uint64, error) {
	u, err := web.UserOf(c)
	if err != nil {
		return 0, err
	}
	if u == nil {
		return 0, fmt.Errorf("admin: %s: no logged-in user to record in the audit trail", a.Name)
	}
	return h.store.AddAudit(c.UserContext(), models.AuditEntry{
		ActorID: u.ID, ActorName: u.Username, Action: a.Name, TargetType: a.TargetType, Target: a.Target,
		Rows: a.Rows, Summary: a.Summary, IP: web.ClientIP(c)})
}
