package admin

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// auditPageSize is how many audit entries a page shows.
const auditPageSize = 100

// auditType is one choice of the audit page's target filter.
type auditType struct{ Value, Label string }

// auditTypes are the kinds of targets the audit page filters by.
var auditTypes = []auditType{
	{"", "Everything"}, {models.TargetSessions, "Sessions"}, {models.TargetUser, "Users"}, {models.TargetCategory, "Categories"},
	{models.TargetPage, "Pages"}, {models.TargetSettings, "Settings"},
}

// auditPage is the data of admin/audit.
type auditPage struct {
	page
	Entries    []models.AuditEntry
	Types      []auditType
	Type       string
	At         uint64
	OlderLink  string
	NewestLink string
}

func (h *Handler) audit(c *fiber.Ctx) error {
	before, _ := strconv.ParseUint(c.Query("before"), 10, 64)
	at, _ := strconv.ParseUint(c.Query("at"), 10, 64)
	if at > 0 {
		before = at + 1 // the entry a result message links to, and older ones
	}
	typ := ""
	for _, t := range auditTypes {
		if t.Value == c.Query("type") {
			typ = t.Value
		}
	}
	entries, err := h.store.AuditLog(c.UserContext(), models.AuditQuery{Before: before, TargetType: typ}, auditPageSize)
	if err != nil {
		return err
	}
	data := auditPage{page: h.page(c, "audit", "Audit trail", dashboardCrumb), Entries: entries, Types: auditTypes, Type: typ, At: at}
	link := func(v url.Values) string {
		if typ != "" {
			v.Set("type", typ)
		}
		if len(v) == 0 {
			return "/admin/audit"
		}
		return "/admin/audit?" + v.Encode()
	}
	if len(entries) == auditPageSize {
		data.OlderLink = link(url.Values{"before": {strconv.FormatUint(entries[len(entries)-1].ID, 10)}})
	}
	if before != 0 {
		data.NewestLink = link(url.Values{})
	}
	return web.Render(c, fiber.StatusOK, "admin/audit", data)
}
