package admin

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/views"
	"rango/web"
)

// maxSelected bounds the sessions a form may name one by one.
const maxSelected = 500

// loginAgain is where an operator goes who ended their own session.
const loginAgain = "/login?next=%2Fadmin%2F"

// backTo returns the admin page a form came from, or the session list.
func backTo(c *fiber.Ctx) string {
	back := web.SafeNext(c.FormValue("back"))
	if !strings.HasPrefix(back, "/admin/") {
		return "/admin/sessions"
	}
	return back
}

// usersText names the users of some sessions: "alice", "2 users".
func usersText(users int64, username string) string {
	if users == 1 && username != "" {
		return username
	}
	return views.CountOf(users, "user", "users")
}

// describe says which sessions an action touches: "3 sessions of 2
// users, including your own", "1 anonymous session", "4 sessions (3 of
// alice, 1 anonymous)".
func describe(n, users, anonymous int64, username string, own bool) string {
	var s string
	switch {
	case n == 0:
		return "no session"
	case anonymous == n:
		s = views.CountOf(n, "anonymous session", "anonymous sessions")
	case anonymous == 0:
		s = views.CountOf(n, "session", "sessions") + " of " + usersText(users, username)
	default:
		s = views.CountOf(n, "session", "sessions") + " (" + views.Thousands(n-anonymous) + " of " + usersText(users, username) +
			", " + views.Thousands(anonymous) + " anonymous)"
	}
	if own {
		s += ", including your own"
	}
	return s
}

// endedSummary is the result message of ending sessions; asked is how
// many were named one by one (0 for a filter).
func (h *Handler) endedSummary(ctx context.Context, res models.SessionsEnded, asked int) string {
	name := ""
	if res.UserID != 0 {
		if u, err := h.store.UserByID(ctx, res.UserID); err == nil {
			name = u.Username
		}
	}
	if res.Sessions == 0 {
		if asked == 1 {
			return "That session had already ended: nothing to do."
		}
		return "The selected sessions had all ended already: nothing to do."
	}
	s := "Ended " + describe(res.Sessions, res.Users, res.Anonymous, name, res.Includes) + "."
	if gone := int64(asked) - res.Sessions; asked > 0 && gone > 0 {
		s += " " + views.CountOf(gone, "other had", "others had") + " already ended."
	}
	return s
}

// finishEnding records an ending in the audit trail and the dashboard's
// counts. It reports whether the viewer's own session went, in which
// case it has answered already (with the login page).
func (h *Handler) finishEnding(c *fiber.Ctx, a action, res models.SessionsEnded) (uint64, bool, error) {
	h.stats.subtract(res.Delta)
	id, err := h.record(c, a)
	if err != nil {
		return 0, false, err
	}
	if !res.Includes {
		return id, false, nil
	}
	web.SetFlashCount(c, "own_ended", res.Sessions)
	return id, true, web.Redirect(c, loginAgain)
}

// deleteSession ends one session. Ending is idempotent: a session that is
// gone already is reported as such, never as an error page. htmx's End in
// a row gets nothing for the row (which goes) and, out of band, the result
// message and the list's new count.
func (h *Handler) deleteSession(c *fiber.Ctx) error {
	hash := c.Params("hash")
	if !web.ValidKeyHash(hash) {
		return web.NewError(fiber.StatusNotFound, "There is no session with this id.")
	}
	res, err := h.store.EndSessions(c.UserContext(), models.SessionSelection{Hashes: []string{hash}},
		web.SessionOf(c).SentKeyHash(), h.settings.Current().SessionLimits(), 1)
	if err != nil {
		return err
	}
	summary := h.endedSummary(c.UserContext(), res, 1)
	id, done, err := h.finishEnding(c, action{Name: "end session", TargetType: models.TargetSessions,
		Target: "session " + hash, Rows: res.Sessions, Summary: summary}, res)
	if done || err != nil {
		return err
	}
	n := &notice{Text: summary, AuditID: id, Warning: res.Sessions == 0}
	if web.IsHTMX(c) && strings.HasPrefix(c.Get("HX-Target"), "row-") {
		return h.rowEnded(c, n)
	}
	return h.afterAction(c, n)
}

// rowEndedData is the data of admin_row_ended.
type rowEndedData struct {
	Notice *notice
	Total  listTotal
	// Counted is false when the list's count could not be redone.
	Counted bool
}

// rowEnded answers htmx's End in a row: the result message and the list's
// new count, out of band.
func (h *Handler) rowEnded(c *fiber.Ctx, n *notice) error {
	data := rowEndedData{Notice: n}
	if u, err := url.Parse(backTo(c)); err == nil && u.Path == "/admin/sessions" {
		q := readListQuery(u.Query().Get)
		if f, problem, err := h.filterOf(c, q); err == nil && problem == "" {
			data.Total, err = h.total(c, q, f)
			data.Counted = err == nil
		}
	}
	return web.RenderPartial(c, fiber.StatusOK, "admin_row_ended", data)
}

// afterAction shows an action's result: htmx's table gets the list again
// with the message above it; otherwise the browser goes back to the page
// the form was on, which shows the message.
func (h *Handler) afterAction(c *fiber.Ctx, n *notice) error {
	back := backTo(c)
	if u, err := url.Parse(back); err == nil && u.Path == "/admin/sessions" && web.IsHTMX(c) && c.Get("HX-Target") == "session-table" {
		data, err := h.listData(c, readListQuery(u.Query().Get), back)
		if err != nil {
			return err
		}
		n.Focus = true
		data.TableNotice = n
		return web.RenderPartial(c, fiber.StatusOK, "admin_session_table", data)
	}
	if n.AuditID != 0 {
		setNotice(c, n.AuditID)
	}
	return web.Redirect(c, back)
}

// bulkForm is what the list's bulk action form (or its confirmation) sent.
type bulkForm struct {
	// Hashes are the sessions ticked (and, with "all on this page", the
	// page's), when Matching is not set.
	Hashes []string
	// Matching selects every session the list's filter keeps.
	Matching bool
	// Query is the list's filter, for Matching.
	Query listQuery
	// Back is the list's address.
	Back string
	// Confirmed is set by the confirmation's button.
	Confirmed bool
}

func readBulkForm(c *fiber.Ctx) bulkForm {
	f := bulkForm{Back: backTo(c), Confirmed: c.FormValue("confirmed") == "yes",
		Matching: c.FormValue("all_matching") != "", Query: readListQuery(func(k string) string { return c.FormValue(k) })}
	seen := map[string]bool{}
	add := func(name string) {
		for _, v := range c.Context().PostArgs().PeekMulti(name) {
			if s := string(v); web.ValidKeyHash(s) && !seen[s] && len(f.Hashes) < maxSelected {
				seen[s] = true
				f.Hashes = append(f.Hashes, s)
			}
		}
	}
	add("ids")
	if c.FormValue("all_page") != "" {
		add("page_ids")
	}
	return f
}

// selection is the sessions the form names, or "" and why none.
func (h *Handler) selection(c *fiber.Ctx, f bulkForm) (models.SessionSelection, string, error) {
	if f.Matching {
		filter, problem, err := h.filterOf(c, f.Query)
		if err != nil || problem != "" {
			return models.SessionSelection{}, problem, err
		}
		return models.SessionSelection{Filter: &filter}, "", nil
	}
	if len(f.Hashes) == 0 {
		return models.SessionSelection{}, "No session is selected: tick the sessions to end, or select all on the page.", nil
	}
	return models.SessionSelection{Hashes: f.Hashes}, "", nil
}

// confirmPage is the data of admin/confirm and admin_bulk_confirm.
type confirmPage struct {
	page
	Form bulkForm
	// Question asks for the confirmation; Detail says what follows.
	Question, Detail string
	// Button is the confirm button's label; empty when nothing can be
	// ended, and Question then says why.
	Button string
	// Own warns that the viewer's session is among them.
	Own bool
	// InPanel renders the confirmation for the list's action bar (htmx).
	InPanel bool
}

// endSelected ends the sessions the list's bulk form names: first it
// shows what will end ("End 3 sessions of 2 users, including your own?"),
// in the action bar for htmx or as a page without JavaScript; the
// confirmation's button then ends them and reports the counts.
func (h *Handler) endSelected(c *fiber.Ctx) error {
	form := readBulkForm(c)
	sel, problem, err := h.selection(c, form)
	if err != nil {
		return err
	}
	current := web.SessionOf(c).SentKeyHash()
	if problem != "" || !form.Confirmed {
		return h.confirmEnding(c, form, sel, problem, current)
	}
	res, err := h.store.EndSessions(c.UserContext(), sel, current, h.settings.Current().SessionLimits(), models.DeleteBatch)
	if err != nil {
		return err
	}
	summary := h.endedSummary(c.UserContext(), res, len(form.Hashes))
	target := strings.Join(form.Hashes, " ")
	if form.Matching {
		target = "filter " + form.Query.values().Encode()
		summary = "Ended " + describe(res.Sessions, res.Users, res.Anonymous, "", res.Includes) + " matching " + filterText(form.Query) + "."
		if res.Sessions == 0 {
			summary = "No session matched " + filterText(form.Query) + " any more: nothing to do."
		}
	}
	id, done, err := h.finishEnding(c, action{Name: "end sessions", TargetType: models.TargetSessions, Target: target,
		Rows: res.Sessions, Summary: summary}, res)
	if done || err != nil {
		return err
	}
	return h.afterAction(c, &notice{Text: summary, AuditID: id, Warning: res.Sessions == 0})
}

// filterText describes a list filter for a result message.
func filterText(q listQuery) string {
	var parts []string
	for _, ch := range q.Chips() {
		parts = append(parts, strings.ToLower(ch.Label)+" "+ch.Value)
	}
	if len(parts) == 0 {
		return "no filter"
	}
	return strings.Join(parts, ", ")
}

// confirmEnding shows the confirmation of a bulk action, or why there is
// nothing to confirm.
func (h *Handler) confirmEnding(c *fiber.Ctx, form bulkForm, sel models.SessionSelection, problem, current string) error {
	data := confirmPage{page: h.page(c, "sessions", "End sessions", dashboardCrumb, crumb{"Sessions", "/admin/sessions"}),
		Form: form, InPanel: web.IsHTMX(c) && c.Get("HX-Target") == "bulk-confirm"}
	if problem != "" {
		data.Question = problem
	} else {
		sum, err := h.store.SummarizeSessions(c.UserContext(), sel, current)
		if err != nil {
			return err
		}
		data.Own = sum.Includes
		switch {
		case sum.Sessions == 0 && form.Matching:
			data.Question = "No session matches this filter any more: nothing to end."
		case sum.Sessions == 0:
			data.Question = "The selected sessions have all ended already: nothing to end."
		default:
			data.Question = "End " + describe(sum.Sessions, sum.Users, sum.Anonymous, sum.Username, sum.Includes) + "?"
			data.Detail = "Their browsers will be logged out at their next request."
			if sum.Includes {
				data.Detail = "Their browsers will be logged out at their next request, and so will you, at once."
			}
			data.Button = "End " + views.CountOf(sum.Sessions, "session", "sessions")
		}
	}
	if data.InPanel {
		return web.RenderPartial(c, fiber.StatusOK, "admin_bulk_confirm", data)
	}
	return web.Render(c, fiber.StatusOK, "admin/confirm", data)
}

// logoutEverywhere ends every session of a user.
func (h *Handler) logoutEverywhere(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return web.NewError(fiber.StatusNotFound, "There is no such user.")
	}
	user, err := h.store.UserByID(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return web.NewError(fiber.StatusNotFound, "There is no such user.")
	}
	if err != nil {
		return err
	}
	limits := h.settings.Current().SessionLimits()
	res, err := h.store.EndSessions(c.UserContext(), models.SessionSelection{Filter: &models.SessionFilter{UserID: user.ID, Limits: limits}},
		web.SessionOf(c).SentKeyHash(), limits, models.DeleteBatch)
	if err != nil {
		return err
	}
	summary := "Logged " + user.Username + " out everywhere: " + views.CountOf(res.Sessions, "session", "sessions") + " ended."
	auditID, done, err := h.finishEnding(c, action{Name: "log out everywhere", TargetType: models.TargetUser,
		Target: "user " + user.Username, Rows: res.Sessions, Summary: summary}, res)
	if done || err != nil {
		return err
	}
	return h.afterAction(c, &notice{Text: summary, AuditID: auditID})
}

// deleteExpired deletes every expired session with the cleanup that the
// sweeper and -clearsessions use.
func (h *Handler) deleteExpired(c *fiber.Ctx) error {
	n, err := h.store.DeleteExpiredSessions(c.UserContext(), time.Now(), h.settings.Current().SessionLimits(), models.DeleteBatch, nil)
	if err != nil {
		return err
	}
	// Which days they were created on is not known: the chart is
	// counted again.
	h.stats.subtract(models.StatsDelta{Expired: n})
	h.stats.forget()
	summary := "Deleted " + views.CountOf(n, "expired session", "expired sessions") + "."
	if n == 0 {
		summary = "There were no expired sessions to delete."
	}
	id, err := h.record(c, action{Name: "clear expired sessions", TargetType: models.TargetSessions, Rows: n, Summary: summary})
	if err != nil {
		return err
	}
	return h.afterAction(c, &notice{Text: summary, AuditID: id})
}

// confirmWord must be typed to clear every session.
const confirmWord = "clear"

// deleteAll ends every session, the operator's own too, after the word
// "clear" was typed; a wrong word is shown in the danger card.
func (h *Handler) deleteAll(c *fiber.Ctx) error {
	if strings.TrimSpace(strings.ToLower(c.FormValue("confirm"))) != confirmWord {
		return h.wrongWord(c)
	}
	n, err := h.store.DeleteAllSessions(c.UserContext(), models.DeleteBatch)
	if err != nil {
		return err
	}
	h.stats.clear()
	if _, err := h.record(c, action{Name: "clear all sessions", TargetType: models.TargetSessions, Rows: n,
		Summary: "Ended every session: " + views.CountOf(n, "session", "sessions") + ", including your own."}); err != nil {
		return err
	}
	web.SetFlashCount(c, "all_cleared", n)
	return web.Redirect(c, loginAgain)
}

// wrongMessage is the danger card's error for a wrong confirmation word.
const wrongMessage = "Nothing was cleared: type the word “clear” to confirm that every session, yours included, should end."

// wrongWord shows the clear-all error inside its card: the card alone for
// htmx, the list with it otherwise. Nothing is lost: the list stays.
func (h *Handler) wrongWord(c *fiber.Ctx) error {
	back := backTo(c)
	if web.IsHTMX(c) && c.Get("HX-Target") == "danger-card" {
		data := listPage{page: page{Base: web.BaseOf(c, "Sessions", "admin")}, Back: back, ConfirmError: wrongMessage}
		return web.RenderPartial(c, fiber.StatusUnprocessableEntity, "admin_danger_card", data)
	}
	q := listQuery{Sort: sortOptions[0].Value, From: 1}
	if u, err := url.Parse(back); err == nil && u.Path == "/admin/sessions" {
		q = readListQuery(u.Query().Get)
	}
	data, err := h.listData(c, q, back)
	if err != nil {
		return err
	}
	data.ConfirmError = wrongMessage
	return web.Render(c, fiber.StatusUnprocessableEntity, "admin/sessions", data)
}
