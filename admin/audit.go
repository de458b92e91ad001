package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// auditPageSize is how many audit entries a page shows.
const auditPageSize = 100

// auditPage is the data of admin/audit.
type auditPage struct {
	base
	Entries   []models.AuditEntry
	OlderLink string
}

func (h *Handler) audit(c *fiber.Ctx) error {
	before, _ := strconv.ParseUint(c.Query("before"), 10, 64)
	entries, err := h.store.AuditLog(c.UserContext(), before, auditPageSize)
	if err != nil {
		return err
	}
	data := auditPage{base: adminBase(c, "Admin: audit trail", "audit"), Entries: entries}
	if len(entries) == auditPageSize {
		data.OlderLink = "/admin/audit?before=" + strconv.FormatUint(entries[len(entries)-1].ID, 10)
	}
	return web.Render(c, fiber.StatusOK, "admin/audit", data)
}
