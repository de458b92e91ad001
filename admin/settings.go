package admin

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/settings"
	"rango/views"
	"rango/web"
)

// durationSetting describes one duration field of the settings form.
type durationSetting struct {
	Key, Label, Help string
	// Zero is what 0 means ("off"), or "" when 0 is not allowed.
	Zero string
	// Range is the error for a value out of bounds (settings.Validate).
	Range string
	get   func(*settings.Values) *time.Duration
}

// durationSettings are the settings form's duration fields, in order.
var durationSettings = []durationSetting{
	{Key: settings.KeySessionCookieAge, Label: "Session cookie age",
		Help:  "How long a session lives after its last save. Django's default is 2 weeks.",
		Range: "Enter between 1 minute and 365 days (60 to 31,536,000 seconds).",
		get:   func(v *settings.Values) *time.Duration { return &v.SessionCookieAge }},
	{Key: settings.KeySessionBrowserLifetime, Label: "Browser-length session lifetime",
		Help:  "How long the server keeps a session whose cookie ends with the browser (the user did not ask to be kept signed in) after its last activity.",
		Range: "Enter between 5 minutes and 365 days (300 to 31,536,000 seconds).",
		get:   func(v *settings.Values) *time.Duration { return &v.SessionBrowserLifetime }},
	{Key: settings.KeySessionIdleTimeout, Label: "Idle timeout", Zero: "off",
		Help:  "End sessions not used for this long, checked on the server (OWASP ASVS 3.3.2). 0 turns it off. Precise to a minute.",
		Range: "Enter 0 to turn it off, or between 5 minutes and 365 days.",
		get:   func(v *settings.Values) *time.Duration { return &v.SessionIdleTimeout }},
	{Key: settings.KeySessionAbsoluteLifetime, Label: "Absolute lifetime", Zero: "off",
		Help:  "End every session this long after it began, however active. 0 turns it off.",
		Range: "Enter 0 to turn it off, or between 1 hour and 3,650 days.",
		get:   func(v *settings.Values) *time.Duration { return &v.SessionAbsoluteLifetime }},
	{Key: settings.KeyVisitInterval, Label: "Visit interval", Zero: "every visit counts",
		Help:  "Time after the last counted visit before the visitor counter goes up again. 0 counts every visit.",
		Range: "Enter between 0 (every visit counts) and 3,650 days.",
		get:   func(v *settings.Values) *time.Duration { return &v.VisitInterval }},
}

// durationField is one duration field as the form shows it.
type durationField struct {
	durationSetting
	// Number and Unit are the value as typed, or as stored in its unit.
	Number, Unit string
	Error        string
}

// Units are the units the field's picker offers.
func (durationField) Units() []unit { return units }

// settingsForm is the settings form's values as typed, with its errors.
type settingsForm struct {
	Durations                       []durationField
	ExpireAtBrowserClose, SaveEvery bool
}

// formOf shows stored values.
func formOf(v settings.Values) settingsForm {
	f := settingsForm{ExpireAtBrowserClose: v.SessionExpireAtBrowserClose, SaveEvery: v.SessionSaveEveryRequest}
	for _, ds := range durationSettings {
		n, u := splitDuration(*ds.get(&v))
		f.Durations = append(f.Durations, durationField{durationSetting: ds, Number: fmt.Sprint(n), Unit: u})
	}
	return f
}

// Invalid counts the fields with an error.
func (f settingsForm) Invalid() int {
	n := 0
	for _, d := range f.Durations {
		if d.Error != "" {
			n++
		}
	}
	return n
}

// impact is what saving shorter lifetimes would end now.
type impact struct {
	Idle, Absolute, Total  int64
	IdleText, AbsoluteText string
	Confirm                string
}

// settingsPage is the data of admin/settings.
type settingsPage struct {
	page
	Form   settingsForm
	Impact *impact
}

func (h *Handler) settingsPage(c *fiber.Ctx, f settingsForm) settingsPage {
	return settingsPage{page: h.page(c, "settings", "Settings", dashboardCrumb), Form: f}
}

func (h *Handler) settingsForm(c *fiber.Ctx) error {
	return web.Render(c, fiber.StatusOK, "admin/settings", h.settingsPage(c, formOf(h.settings.Current())))
}

// readSettings reads the form over the current values, checking every
// field in one pass: what cannot be read and what is out of range.
func readSettings(c *fiber.Ctx, current settings.Values) (settings.Values, settingsForm) {
	v := current
	v.SessionExpireAtBrowserClose = c.FormValue(settings.KeySessionExpireAtBrowserClose) == "on"
	v.SessionSaveEveryRequest = c.FormValue(settings.KeySessionSaveEveryRequest) == "on"
	form := settingsForm{ExpireAtBrowserClose: v.SessionExpireAtBrowserClose, SaveEvery: v.SessionSaveEveryRequest}
	unread := map[string]bool{}
	for _, ds := range durationSettings {
		if !c.Context().PostArgs().Has(ds.Key) { // a form without the field keeps its value
			n, u := splitDuration(*ds.get(&v))
			form.Durations = append(form.Durations, durationField{durationSetting: ds, Number: fmt.Sprint(n), Unit: u})
			continue
		}
		field := durationField{durationSetting: ds, Number: c.FormValue(ds.Key), Unit: c.FormValue(ds.Key + "_unit")}
		if field.Unit == "" {
			field.Unit = "seconds"
		}
		d, err := parseDuration(field.Number, field.Unit)
		switch {
		case errors.Is(err, errTooLong):
			field.Error = ds.Range
			unread[ds.Key] = true
		case err != nil:
			field.Error = "Enter a number and pick its unit, or type it with units such as 2w, 14d, 90m or 1h 30m."
			unread[ds.Key] = true
		default:
			*ds.get(&v) = d
		}
		form.Durations = append(form.Durations, field)
	}
	rangeErrors := v.Validate()
	for i, field := range form.Durations {
		if !unread[field.Key] && rangeErrors[field.Key] != "" {
			form.Durations[i].Error = field.Range
		}
	}
	return v, form
}

// shortens tells whether new limits may end sessions that old ones kept:
// a shorter idle timeout, absolute lifetime or cookie age (which bounds
// how long a session may go unused, see models.SessionLimits).
func shortens(old, v settings.Values) bool {
	shorter := func(o, n time.Duration) bool { return n > 0 && (o == 0 || n < o) }
	return shorter(old.SessionIdleTimeout, v.SessionIdleTimeout) || shorter(old.SessionAbsoluteLifetime, v.SessionAbsoluteLifetime) ||
		shorter(old.SessionCookieAge, v.SessionCookieAge)
}

// saveSettings validates every field in one pass and saves. Before a
// change that shortens the idle timeout or the absolute lifetime, it shows
// how many sessions that would end now, and saves when confirmed.
func (h *Handler) saveSettings(c *fiber.Ctx) error {
	old := h.settings.Current()
	v, form := readSettings(c, old)
	if form.Invalid() > 0 {
		return web.Render(c, fiber.StatusUnprocessableEntity, "admin/settings", h.settingsPage(c, form))
	}
	var ended int64
	if shortens(old, v) {
		byIdle, byAbs, total, err := h.store.LifetimeImpact(c.UserContext(), time.Now(), old.SessionLimits(), v.SessionLimits())
		if err != nil {
			return err
		}
		ended = total
		if total > 0 && c.FormValue("impact_confirmed") != "yes" {
			data := h.settingsPage(c, form)
			data.Impact = impactOf(old, v, byIdle, byAbs, total)
			return web.Render(c, fiber.StatusOK, "admin/settings", data)
		}
	}
	errs, err := h.settings.Save(c.UserContext(), v)
	if err != nil {
		return err
	}
	if len(errs) > 0 { // readSettings checked the same rules
		return web.Render(c, fiber.StatusUnprocessableEntity, "admin/settings", h.settingsPage(c, form))
	}
	summary := "Settings saved: " + changes(old, v) + "."
	if ended > 0 {
		summary += " " + views.CountOf(ended, "session", "sessions") + " ended by the shorter limits."
		h.stats.forget()
	}
	id, err := h.record(c, action{Name: "change settings", TargetType: models.TargetSettings, Target: changedKeys(old, v),
		Rows: ended, Summary: summary})
	if err != nil {
		return err
	}
	setNotice(c, id)
	return web.Redirect(c, "/admin/settings")
}

// impactOf describes what shorter limits would end.
func impactOf(old, v settings.Values, byIdle, byAbs, total int64) *impact {
	im := &impact{Idle: byIdle, Absolute: byAbs, Total: total,
		Confirm: "Save and end " + views.CountOf(total, "session", "sessions")}
	if byIdle > 0 {
		// The cookie age bounds idleness too: whichever is shorter ends them.
		what, unused := "This idle timeout", v.SessionIdleTimeout
		if unused == 0 || (v.SessionCookieAge > 0 && v.SessionCookieAge < unused) {
			what, unused = "This cookie age", v.SessionCookieAge
		}
		im.IdleText = fmt.Sprintf("%s would end %s now: not used for %s.",
			what, views.CountOf(byIdle, "session", "sessions"), humanDuration(unused, ""))
	}
	if v.SessionAbsoluteLifetime != old.SessionAbsoluteLifetime && byAbs > 0 {
		im.AbsoluteText = fmt.Sprintf("This absolute lifetime would end %s now: begun more than %s ago.",
			views.CountOf(byAbs, "session", "sessions"), humanDuration(v.SessionAbsoluteLifetime, ""))
	}
	return im
}

// humanSetting writes one setting's value for people.
func humanSetting(key string, v settings.Values) string {
	for _, ds := range durationSettings {
		if ds.Key == key {
			return humanDuration(*ds.get(&v), ds.Zero)
		}
	}
	return map[bool]string{true: "on", false: "off"}[v.Rows()[key] == "true"]
}

// changes describes what differs between two sets of values.
func changes(old, v settings.Values) string {
	var out []string
	o, n := old.Rows(), v.Rows()
	for _, k := range settings.Keys {
		if o[k] != n[k] {
			out = append(out, fmt.Sprintf("%s %s → %s", k, humanSetting(k, old), humanSetting(k, v)))
		}
	}
	if len(out) == 0 {
		return "no change"
	}
	return strings.Join(out, ", ")
}

// changedKeys lists the settings that differ, for the audit's target.
func changedKeys(old, v settings.Values) string {
	var out []string
	o, n := old.Rows(), v.Rows()
	for _, k := range settings.Keys {
		if o[k] != n[k] {
			out = append(out, k)
		}
	}
	return strings.Join(out, " ")
}

// settingsView is the settings in force, for the dashboard.
type settingsView struct {
	Rows []settingRow
}

// settingRow is one setting with its value for people.
type settingRow struct{ Label, Value string }

func viewOf(v settings.Values) settingsView {
	rows := []settingRow{{"Cookie age", humanSetting(settings.KeySessionCookieAge, v)},
		{"Expire at browser close", humanSetting(settings.KeySessionExpireAtBrowserClose, v)},
		{"Browser-length sessions kept", humanSetting(settings.KeySessionBrowserLifetime, v)},
		{"Save every request", humanSetting(settings.KeySessionSaveEveryRequest, v)},
		{"Idle timeout", humanSetting(settings.KeySessionIdleTimeout, v)},
		{"Absolute lifetime", humanSetting(settings.KeySessionAbsoluteLifetime, v)},
		{"Visit interval", humanSetting(settings.KeyVisitInterval, v)}}
	return settingsView{Rows: rows}
}
