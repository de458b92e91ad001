package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// chartDays is how many days the dashboard's chart covers.
const chartDays = 14

// bar is one day of the chart, laid out for the SVG.
type bar struct {
	X, Y, Height, LabelX int
	Count                int64
	Label, Date          string
}

// statsView is the data of the admin_stats partial: the counts, or nil
// while the first count runs.
type statsView struct {
	Stats    *models.SessionStats
	At       time.Time
	Bars     []bar
	MaxCount int64
}

func (h *Handler) statsView() statsView {
	snap := h.stats.get()
	if snap == nil {
		return statsView{}
	}
	v := statsView{Stats: &snap.Stats, At: snap.At}
	v.Bars, v.MaxCount = chart(snap.Stats.PerDay)
	return v
}

// dashboardPage is the data of admin/dashboard.
type dashboardPage struct {
	base
	Counts   statsView
	Settings settingsView
}

// chart lays out the per-day counts as bars 24 px wide in a 560 x 160 box.
func chart(days []models.DayCount) ([]bar, int64) {
	var max int64 = 1
	for _, d := range days {
		if d.Count > max {
			max = d.Count
		}
	}
	const height, step, width = 115, 40, 28 // room above the tallest bar for its label
	bars := make([]bar, len(days))
	for i, d := range days {
		h := int(d.Count * height / max)
		if d.Count > 0 && h < 2 {
			h = 2
		}
		bars[i] = bar{X: i*step + 6, Y: 140 - h, Height: h, LabelX: i*step + 6 + width/2, Count: d.Count,
			Label: d.Day.Format("2"), Date: d.Day.Format("Mon 2 Jan")}
	}
	return bars, max
}

// dashboard answers at once with the latest counts; a count older than
// statsAge is redone in the background.
func (h *Handler) dashboard(c *fiber.Ctx) error {
	data := dashboardPage{base: adminBase(c, "Admin: sessions at a glance", "dashboard"), Counts: h.statsView(),
		Settings: viewOf(h.settings.Current(), nil)}
	return web.Render(c, fiber.StatusOK, "admin/dashboard", data)
}

// dashboardStats is the counts alone, which the dashboard polls with htmx
// until the first count is done.
func (h *Handler) dashboardStats(c *fiber.Ctx) error {
	return web.RenderPartial(c, fiber.StatusOK, "admin_stats", h.statsView())
}
