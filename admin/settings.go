package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/settings"
	"rango/web"
)

// settingsView is the settings form's values as typed, with errors.
type settingsView struct {
	CookieAge, VisitInterval, IdleTimeout, AbsoluteLifetime string
	ExpireAtBrowserClose, SaveEvery                         bool
	Errors                                                  map[string]string
}

func viewOf(v settings.Values, errs map[string]string) settingsView {
	if errs == nil {
		errs = map[string]string{}
	}
	return settingsView{
		CookieAge:            strconv.FormatInt(int64(v.SessionCookieAge/time.Second), 10),
		VisitInterval:        strconv.FormatInt(int64(v.VisitInterval/time.Second), 10),
		IdleTimeout:          strconv.FormatInt(int64(v.SessionIdleTimeout/time.Second), 10),
		AbsoluteLifetime:     strconv.FormatInt(int64(v.SessionAbsoluteLifetime/time.Second), 10),
		ExpireAtBrowserClose: v.SessionExpireAtBrowserClose,
		SaveEvery:            v.SessionSaveEveryRequest,
		Errors:               errs,
	}
}

// settingsPage is the data of admin/settings.
type settingsPage struct {
	base
	Form settingsView
	Min  int
	Max  int
}

func (h *Handler) settingsForm(c *fiber.Ctx) error {
	data := settingsPage{base: adminBase(c, "Admin: settings", "settings"), Form: viewOf(h.settings.Current(), nil),
		Min: settings.MinCookieAge, Max: settings.MaxCookieAge}
	return web.Render(c, fiber.StatusOK, "admin/settings", data)
}

func (h *Handler) saveSettings(c *fiber.Ctx) error {
	old := h.settings.Current()
	v := old
	errs := map[string]string{}
	fields := map[string]*time.Duration{
		settings.KeySessionCookieAge: &v.SessionCookieAge, settings.KeyVisitInterval: &v.VisitInterval,
		settings.KeySessionIdleTimeout: &v.SessionIdleTimeout, settings.KeySessionAbsoluteLifetime: &v.SessionAbsoluteLifetime,
	}
	for key, dst := range fields {
		raw := c.FormValue(key)
		if raw == "" && !c.Context().PostArgs().Has(key) && settings.Ranges[key].Off {
			continue // a form without the newer fields keeps their values
		}
		var problem string
		if *dst, problem = settings.ParseSeconds(key, raw); problem != "" {
			errs[key] = problem
		}
	}
	v.SessionExpireAtBrowserClose = c.FormValue(settings.KeySessionExpireAtBrowserClose) == "on"
	v.SessionSaveEveryRequest = c.FormValue(settings.KeySessionSaveEveryRequest) == "on"
	if len(errs) == 0 {
		var err error
		if errs, err = h.settings.Save(c.UserContext(), v); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		form := viewOf(v, errs)
		form.CookieAge, form.VisitInterval = c.FormValue(settings.KeySessionCookieAge), c.FormValue(settings.KeyVisitInterval)
		form.IdleTimeout = c.FormValue(settings.KeySessionIdleTimeout, form.IdleTimeout)
		form.AbsoluteLifetime = c.FormValue(settings.KeySessionAbsoluteLifetime, form.AbsoluteLifetime)
		data := settingsPage{base: adminBase(c, "Admin: settings", "settings"), Form: form,
			Min: settings.MinCookieAge, Max: settings.MaxCookieAge}
		return web.Render(c, fiber.StatusUnprocessableEntity, "admin/settings", data)
	}
	if err := h.record(c, "change settings", changes(old, v), 0); err != nil {
		return err
	}
	web.SetFlash(c, "settings_saved")
	return web.Redirect(c, "/admin/settings")
}

// changes describes what differs between two sets of values.
func changes(old, v settings.Values) string {
	var out []string
	o, n := old.Rows(), v.Rows()
	for _, k := range settings.Keys {
		if o[k] != n[k] {
			out = append(out, fmt.Sprintf("%s %s → %s", k, o[k], n[k]))
		}
	}
	if len(out) == 0 {
		return "no change"
	}
	return strings.Join(out, ", ")
}
