package admin

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// pageSize is how many sessions the list shows at a time.
const pageSize = 50

// hashPattern is what a session hash in a URL looks like.
var hashPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// sessionRow is one session as the list shows it.
type sessionRow struct {
	models.SessionInfo
	ShortKey string
	Device   string
	Current  bool
}

// listQuery is the list's filters and position, read from the URL.
type listQuery struct {
	Status, User, Search string
	After, Before        string
	Problem              string
}

// values encodes the filters (not the position) for links.
func (q listQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "user": q.User, "q": q.Search} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Link returns the list URL for these filters at a cursor.
func (q listQuery) Link(param string, cur *models.SessionCursor) string {
	v := q.values()
	if cur != nil {
		v.Set(param, fmt.Sprintf("%d.%s", cur.LastSeen, cur.Hash))
	}
	if len(v) == 0 {
		return "/admin/sessions"
	}
	return "/admin/sessions?" + v.Encode()
}

// parseCursor reads "lastseen.hash"; anything else is no cursor.
func parseCursor(s string) *models.SessionCursor {
	seen, hash, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(seen, 10, 64)
	if !ok || err != nil || !hashPattern.MatchString(hash) {
		return nil
	}
	return &models.SessionCursor{LastSeen: n, Hash: hash}
}

// cleanParam keeps a query parameter short and valid text.
func cleanParam(s string, max int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

// listPage is the data of admin/sessions.
type listPage struct {
	base
	Query    listQuery
	Rows     []sessionRow
	PrevLink string
	NextLink string
	Back     string
}

func (h *Handler) listSessions(c *fiber.Ctx) error {
	q := listQuery{
		Status: c.Query("status"), User: cleanParam(c.Query("user"), models.MaxUsername),
		Search: cleanParam(c.Query("q"), 100), After: c.Query("after"), Before: c.Query("before"),
	}
	if q.Status != "active" && q.Status != "expired" {
		q.Status = ""
	}
	filter := models.SessionFilter{Status: q.Status, Search: q.Search, Limits: h.settings.Current().SessionLimits()}
	if q.User != "" {
		u, err := h.store.UserByName(c.UserContext(), q.User)
		switch {
		case errors.Is(err, models.ErrNotFound):
			q.Problem = fmt.Sprintf("There is no user called %q.", q.User)
		case err != nil:
			return err
		default:
			filter.UserID = u.ID
		}
	}
	data := listPage{base: adminBase(c, "Admin: sessions", "sessions"), Query: q}
	if q.Problem == "" {
		cursor, before := parseCursor(q.After), false
		if b := parseCursor(q.Before); b != nil {
			cursor, before = b, true
		}
		page, err := h.store.ListSessions(c.UserContext(), filter, cursor, before, pageSize)
		if err != nil {
			return err
		}
		data.Rows = h.rows(c, page.Sessions)
		if page.Prev != nil {
			data.PrevLink = q.Link("before", page.Prev)
		}
		if page.Next != nil {
			data.NextLink = q.Link("after", page.Next)
		}
	}
	data.Back = string(c.Request().URI().RequestURI())
	if web.IsHTMX(c) && c.Get("HX-Target") == "session-table" {
		return web.RenderPartial(c, fiber.StatusOK, "admin_session_table", data)
	}
	return web.Render(c, fiber.StatusOK, "admin/sessions", data)
}

// rows dresses sessions for display, marking the viewer's own.
func (h *Handler) rows(c *fiber.Ctx, list []models.SessionInfo) []sessionRow {
	current := web.SessionOf(c).SentKeyHash()
	out := make([]sessionRow, len(list))
	for i, s := range list {
		out[i] = sessionRow{SessionInfo: s, ShortKey: web.ShortKey(s.Key), Device: web.Device(s.UserAgent), Current: s.Hash == current}
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
	base
	Session     sessionRow
	Data        []dataRow
	DecodeError string
	CookieAge   time.Duration
	BrowserEnd  bool
}

func (h *Handler) sessionByHash(c *fiber.Ctx) (models.SessionInfo, error) {
	hash := c.Params("hash")
	if !hashPattern.MatchString(hash) {
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
	cur := h.settings.Current()
	data := sessionPage{base: adminBase(c, "Admin: session "+s.Hash, "sessions"), Session: h.rows(c, []models.SessionInfo{s})[0],
		CookieAge: cur.SessionCookieAge, BrowserEnd: cur.SessionExpireAtBrowserClose}
	if data.Data, err = decodeData(s.Data); err != nil {
		data.DecodeError = "This session's data cannot be decoded; the site treats it as an empty session."
	}
	return web.Render(c, fiber.StatusOK, "admin/session", data)
}

// backTo returns the list URL a form came from, or the plain list.
func backTo(c *fiber.Ctx) string {
	back := web.SafeNext(c.FormValue("back"))
	if !strings.HasPrefix(back, "/admin/") {
		return "/admin/sessions"
	}
	return back
}

func (h *Handler) deleteSession(c *fiber.Ctx) error {
	s, err := h.sessionByHash(c)
	if err != nil {
		return err
	}
	n, err := h.store.DeleteSessionsByHash(c.UserContext(), []string{s.Hash}, 0)
	if err != nil {
		return err
	}
	if err := h.record(c, "end session", "session "+s.Hash, n); err != nil {
		return err
	}
	if web.IsHTMX(c) && c.Get("HX-Target") != "" && strings.HasPrefix(c.Get("HX-Target"), "row-") {
		return c.Status(fiber.StatusOK).SendString("") // the row disappears
	}
	web.SetFlash(c, "session_ended")
	return web.Redirect(c, backTo(c))
}

func (h *Handler) deleteSelected(c *fiber.Ctx) error {
	var hashes []string
	for _, v := range c.Context().PostArgs().PeekMulti("ids") {
		if s := string(v); hashPattern.MatchString(s) && len(hashes) < 500 {
			hashes = append(hashes, s)
		}
	}
	if len(hashes) == 0 {
		web.SetFlash(c, "none_selected")
		return web.Redirect(c, backTo(c))
	}
	n, err := h.store.DeleteSessionsByHash(c.UserContext(), hashes, 0)
	if err != nil {
		return err
	}
	if err := h.record(c, "end selected sessions", strings.Join(hashes, " "), n); err != nil {
		return err
	}
	web.SetFlash(c, "sessions_ended")
	return web.Redirect(c, backTo(c))
}

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
	n, err := h.store.DeleteUserSessions(c.UserContext(), user.ID, "")
	if err != nil {
		return err
	}
	if err := h.record(c, "log out everywhere", "user "+user.Username, n); err != nil {
		return err
	}
	web.SetFlash(c, "sessions_ended")
	return web.Redirect(c, backTo(c))
}

func (h *Handler) deleteExpired(c *fiber.Ctx) error {
	n, err := h.store.DeleteExpiredSessions(c.UserContext(), time.Now(), h.settings.Current().SessionLimits(), 1000, nil)
	if err != nil {
		return err
	}
	if err := h.record(c, "clear expired sessions", "", n); err != nil {
		return err
	}
	web.SetFlash(c, "expired_cleared")
	return web.Redirect(c, backTo(c))
}

// confirmWord must be typed to clear every session.
const confirmWord = "clear"

func (h *Handler) deleteAll(c *fiber.Ctx) error {
	if strings.TrimSpace(strings.ToLower(c.FormValue("confirm"))) != confirmWord {
		return web.NewError(fiber.StatusUnprocessableEntity,
			"Nothing was cleared: type the word “clear” in the box to confirm that every session, yours included, should end.")
	}
	n, err := h.store.DeleteAllSessions(c.UserContext(), 1000)
	if err != nil {
		return err
	}
	if err := h.record(c, "clear all sessions", "", n); err != nil {
		return err
	}
	return web.Redirect(c, "/login?next=%2Fadmin%2F")
}
