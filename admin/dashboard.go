package admin

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// chartDays is how many days the dashboard's chart covers.
const chartDays = 14

// bar is one day of the chart: a link to the sessions created that day.
type bar struct {
	// Percent is the bar's height relative to the tallest; Gap the rest.
	Percent, Gap int
	Count        int64
	// Value is the count written short ("1.2k"); Label the day of the
	// month, Weekday and Month its other parts for the link's name.
	Value, Label, Weekday, Month, Date, Href string
}

// statsView is the data of the admin_stats partial: the counts, or nil
// while the first count runs.
type statsView struct {
	Stats *models.SessionStats
	At    time.Time
	Bars  []bar
}

func (h *Handler) statsView() statsView {
	snap := h.stats.get()
	if snap == nil {
		return statsView{}
	}
	return statsView{Stats: &snap.Stats, At: snap.At, Bars: chart(snap.Stats.PerDay)}
}

// chart lays out the per-day counts as bars.
func chart(days []models.DayCount) []bar {
	var top int64 = 1
	for _, d := range days {
		top = max(top, d.Count)
	}
	bars := make([]bar, len(days))
	for i, d := range days {
		p := int(d.Count * 100 / top)
		if d.Count > 0 && p < 2 {
			p = 2 // a day with sessions shows, however few
		}
		bars[i] = bar{Percent: p, Gap: 100 - p, Count: d.Count, Value: short(d.Count), Label: d.Day.Format("2"), Weekday: d.Day.Format("Mon"), Month: d.Day.Format("Jan"),
			Date: d.Day.Format("Mon 2 Jan"), Href: "/admin/sessions?day=" + d.Day.Format(dayFormat)}
	}
	return bars
}

// short writes a count in at most four characters: 999, 1.2k, 34k, 1.2M.
func short(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 10000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	case n < 1000000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}

// dashboardPage is the data of admin/dashboard.
type dashboardPage struct {
	page
	Counts   statsView
	Settings settingsView
	Content  models.ContentTotals
}

// dashboard answers at once with the latest counts; old counts are redone
// in the background.
func (h *Handler) dashboard(c *fiber.Ctx) error {
	data := dashboardPage{page: h.page(c, "dashboard", "Dashboard"), Counts: h.statsView(), Settings: viewOf(h.settings.Current())}
	var err error
	if data.Content, err = h.store.ContentTotals(c.UserContext()); err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "admin/dashboard", data)
}

// dashboardStats is the counts alone, which the dashboard fetches every
// 15 seconds while it is visible, and until the first count is done.
func (h *Handler) dashboardStats(c *fiber.Ctx) error {
	return web.RenderPartial(c, fiber.StatusOK, "admin_stats", h.statsView())
}
