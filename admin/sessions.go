package admin

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// countCap is up to where the list counts its matches exactly; beyond, it
// says "more than 100,000", so that counting stays short at a million.
const countCap = 100000

// sessionRow is one session as the list shows it.
type sessionRow struct {
	models.SessionInfo
	ShortKey string
	Device   string
	Current  bool
	// BrowserLength tells that the session's cookie ends with the browser,
	// by the user's choice at login or the site's setting; Chosen tells
	// that it was the user's choice.
	BrowserLength, Chosen bool
}

// listPage is the data of admin/sessions and its admin_session_table.
type listPage struct {
	page
	Query    listQuery
	Sorts    []sortOption
	Rows     []sessionRow
	Total    listTotal
	From, To int
	PrevLink string
	NextLink string
	// Back is this list's address, where forms on it come back to.
	Back string
	// Problem is why the list is empty (an unknown user name).
	Problem string
	// ConfirmError is the clear-all form's error, shown in its card.
	ConfirmError string
	// TableNotice is the result of a bulk action, shown above the table
	// when htmx swaps the table alone.
	TableNotice *notice
}

// Matching tells whether the filter matches more sessions than the page
// shows, so that "select all matching" has more to select.
func (p listPage) Matching() bool { return !p.Total.Exact || p.Total.N > int64(len(p.Rows)) }

func (h *Handler) listSessions(c *fiber.Ctx) error {
	q := readListQuery(func(k string) string { return c.Query(k) })
	data, err := h.listData(c, q, c.OriginalURL())
	if err != nil {
		return err
	}
	if web.IsHTMX(c) && c.Get("HX-Target") == "session-table" {
		return web.RenderPartial(c, fiber.StatusOK, "admin_session_table", data)
	}
	return web.Render(c, fiber.StatusOK, "admin/sessions", data)
}

// filterOf turns the list's parameters into a store filter; problem says
// why nothing can match (an unknown user name).
func (h *Handler) filterOf(c *fiber.Ctx, q listQuery) (f models.SessionFilter, problem string, err error) {
	f = models.SessionFilter{Status: q.Status, Who: q.Who, Search: q.Search, Limits: h.settings.Current().SessionLimits()}
	if q.Day != "" {
		f.Day, _ = time.Parse(dayFormat, q.Day)
	}
	if q.User != "" {
		u, err := h.store.UserByName(c.UserContext(), q.User)
		switch {
		case errors.Is(err, models.ErrNotFound):
			return f, fmt.Sprintf("There is no user called “%s”.", q.User), nil
		case err != nil:
			return f, "", err
		}
		f.UserID = u.ID
	}
	return f, "", nil
}

// listData reads one page of the list; back is the list's address.
func (h *Handler) listData(c *fiber.Ctx, q listQuery, back string) (listPage, error) {
	data := listPage{page: h.page(c, "sessions", "Sessions", dashboardCrumb), Query: q, Back: back, Sorts: sortOptions,
		Total: listTotal{Noun: nounOf(q), Exact: true}}
	f, problem, err := h.filterOf(c, q)
	if err != nil || problem != "" {
		data.Problem = problem
		return data, err
	}
	cursor, before := parseCursor(q.After), false
	if b := parseCursor(q.Before); b != nil {
		cursor, before = b, true
	}
	pg, err := h.store.ListSessions(c.UserContext(), f, sortOf(q.Sort).Sort, cursor, before, pageSize)
	if err != nil {
		return data, err
	}
	data.Rows = h.rows(c, pg.Sessions)
	data.From = q.From
	if pg.Prev == nil {
		data.From = 1
	}
	data.To = data.From + len(data.Rows) - 1
	if pg.Prev != nil {
		data.PrevLink = q.Link("before", pg.Prev, max(1, data.From-pageSize))
	}
	if pg.Next != nil {
		data.NextLink = q.Link("after", pg.Next, data.To+1)
	}
	data.Total, err = h.total(c, q, f)
	return data, err
}

// nounOf names what the list's summary counts.
func nounOf(q listQuery) string {
	if q.Status != "" {
		return q.Status
	}
	return "sessions"
}

// total counts the sessions the filter keeps. When the dashboard's last
// count already shows a status filter far past countCap, or for a day of
// its chart, it answers from that count instead of counting again.
func (h *Handler) total(c *fiber.Ctx, q listQuery, f models.SessionFilter) (listTotal, error) {
	t := listTotal{Noun: nounOf(q), Exact: true}
	snap := h.stats.latest() // the next view of a big list uses these
	if snap != nil && q.onlyStatusWho() {
		// Half as much again as the cap: the count may be 30 s old.
		if known, ok := snapshotCount(snap.Stats, q); ok && known > countCap*3/2 {
			t.N, t.Exact = countCap, false
			return t, nil
		}
	}
	if snap != nil && q.Day != "" && q.Status == "" && q.Who == "" && q.User == "" && q.Search == "" {
		for _, d := range snap.Stats.PerDay {
			if d.Day.Format(dayFormat) == q.Day {
				t.N, t.About = d.Count, true
				return t, nil
			}
		}
	}
	n, exact, err := h.store.CountSessions(c.UserContext(), f, countCap)
	t.N, t.Exact = n, exact
	return t, err
}

// snapshotCount is the dashboard's count for a filter of status and who
// only, when it has one.
func snapshotCount(st models.SessionStats, q listQuery) (int64, bool) {
	switch {
	case q.Status == "" && q.Who == "":
		return st.Active + st.Expired, true
	case q.Status == models.StatusActive && q.Who == "":
		return st.Active, true
	case q.Status == models.StatusExpired && q.Who == "":
		return st.Expired, true
	case q.Status == models.StatusActive && q.Who == models.WhoAnonymous:
		return st.Anonymous, true
	case q.Status == models.StatusActive && q.Who == models.WhoUsers:
		return st.LoggedIn, true
	}
	return 0, false
}

// rows dresses sessions for display, marking the viewer's own.
func (h *Handler) rows(c *fiber.Ctx, list []models.SessionInfo) []sessionRow {
	current := web.SessionOf(c).SentKeyHash()
	out := make([]sessionRow, len(list))
	siteWide := h.settings.Current().SessionExpireAtBrowserClose
	for i, s := range list {
		out[i] = sessionRow{SessionInfo: s, ShortKey: web.ShortKey(s.Key), Device: web.Device(s.UserAgent), Current: s.Hash == current}
		if data, err := web.DecodeData(s.Data); err == nil {
			out[i].Chosen = web.ChoseBrowserLength(data)
		}
		out[i].BrowserLength = siteWide || out[i].Chosen
	}
	return out
}

// dataRow is one decoded key of a session's data.
type dataRow struct {
	Key, Value, Type string
	Masked           bool
}

// sensitive are parts of key names whose values are never shown.
var sensitive = []string{"csrf", "token", "secret", "password", "passwd", "auth_hash", "nonce", "key"}

func isSensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// decodeData decodes a session's gob map into sorted rows.
func decodeData(raw []byte) ([]dataRow, error) {
	data, err := web.DecodeData(raw)
	if err != nil {
		return nil, err
	}
	rows := make([]dataRow, 0, len(data))
	for k, v := range data {
		row := dataRow{Key: k, Type: fmt.Sprintf("%T", v), Value: fmt.Sprint(v)}
		if isSensitive(k) {
			row.Value, row.Masked = "••••••••", true
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
	return rows, nil
}

// sessionPage is the data of admin/session.
type sessionPage struct {
	page
	Session         sessionRow
	Data            []dataRow
	DecodeError     string
	CookieAge       time.Duration
	BrowserLifetime time.Duration
}

func (h *Handler) sessionByHash(c *fiber.Ctx) (models.SessionInfo, error) {
	hash := c.Params("hash")
	if !web.ValidKeyHash(hash) {
		return models.SessionInfo{}, web.NewError(fiber.StatusNotFound, "There is no session with this id.")
	}
	s, err := h.store.SessionByHash(c.UserContext(), hash, h.settings.Current().SessionLimits())
	if errors.Is(err, models.ErrNotFound) {
		return s, web.NewError(fiber.StatusNotFound, "There is no session with this id: it has ended or was cleared.")
	}
	return s, err
}

func (h *Handler) showSession(c *fiber.Ctx) error {
	s, err := h.sessionByHash(c)
	if err != nil {
		return err
	}
	row := h.rows(c, []models.SessionInfo{s})[0]
	cur := h.settings.Current()
	data := sessionPage{page: h.page(c, "sessions", "Session "+row.ShortKey, dashboardCrumb, crumb{"Sessions", "/admin/sessions"}),
		Session: row, CookieAge: cur.SessionCookieAge, BrowserLifetime: cur.SessionBrowserLifetime}
	if data.Data, err = decodeData(s.Data); err != nil {
		data.DecodeError = "This session's data cannot be decoded; the site treats it as an empty session."
	}
	return web.Render(c, fiber.StatusOK, "admin/session", data)
}
