// Package admin is Rango's admin panel for operators: a dashboard of
// sessions, the session list with filters and keyset paging, a session's
// decoded data, clearing sessions one by one or in bulk, the audit trail,
// and the runtime settings (cookie age and the like) changed live.
// main mounts it under /admin behind web.RequireStaff.
package admin

import (
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
	r.Get("/", h.dashboard)
	r.Get("/stats", h.dashboardStats)
	r.Get("/sessions", h.listSessions)
	r.Post("/sessions/delete-selected", h.deleteSelected)
	r.Post("/sessions/delete-expired", h.deleteExpired)
	r.Post("/sessions/delete-all", h.deleteAll)
	r.Get("/sessions/:hash", h.showSession)
	r.Post("/sessions/:hash/delete", h.deleteSession)
	r.Post("/users/:id/logout-everywhere", h.logoutEverywhere)
	r.Get("/audit", h.audit)
	r.Get("/settings", h.settingsForm)
	r.Post("/settings", h.saveSettings)
}

// record writes an audit entry for an action of the current staff user.
// Every action changes the sessions, so the dashboard counts again.
func (h *Handler) record(c *fiber.Ctx, action, target string, rows int64) error {
	h.stats.forget()
	u, err := web.UserOf(c)
	if err != nil || u == nil {
		return err
	}
	return h.store.AddAudit(c.UserContext(), models.AuditEntry{
		ActorID: u.ID, ActorName: u.Username, Action: action, Target: target, Rows: rows, IP: web.ClientIP(c)})
}

// base is the layout data of an admin page; section names the sub-nav entry.
type base struct {
	web.Base
	Section string
}

func adminBase(c *fiber.Ctx, title, section string) base {
	b := base{Base: web.BaseOf(c, title, "admin"), Section: section}
	b.Wide = true
	return b
}
