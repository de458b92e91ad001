package admin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rango/models"
	"rango/views"
	"rango/web"
)

// pageSize is how many sessions the list shows at a time.
const pageSize = 50

// sortOption is one way to order the list, as its menu offers it.
type sortOption struct {
	Value, Label string
	Sort         models.SessionSort
}

// sortOptions are the list's orders; the first is the default.
var sortOptions = []sortOption{
	{"seen", "Last seen, newest first", models.SessionSort{Key: models.SortSeen}},
	{"seen-asc", "Last seen, oldest first", models.SessionSort{Key: models.SortSeen, Asc: true}},
	{"created", "Created, newest first", models.SessionSort{Key: models.SortCreated}},
	{"created-asc", "Created, oldest first", models.SessionSort{Key: models.SortCreated, Asc: true}},
	{"expires", "Expires, soonest first", models.SessionSort{Key: models.SortExpires, Asc: true}},
	{"expires-desc", "Expires, latest first", models.SessionSort{Key: models.SortExpires}},
	{"size", "Size, largest first", models.SessionSort{Key: models.SortSize}},
	{"size-asc", "Size, smallest first", models.SessionSort{Key: models.SortSize, Asc: true}},
}

// sortOf returns the option named value, or the default.
func sortOf(value string) sortOption {
	for _, o := range sortOptions {
		if o.Value == value {
			return o
		}
	}
	return sortOptions[0]
}

// dayFormat is how a day filter is written in URLs.
const dayFormat = "2006-01-02"

// listQuery is the list's filters, order and position, read from the URL.
type listQuery struct {
	Status, Who, User, Search, Day, Sort string
	After, Before                        string
	// From is the position of the page's first row (1 for the first page).
	From int
}

// filterKeys are the URL parameters that filter the list, in chip order.
var filterKeys = []string{"status", "who", "user", "q", "day"}

// readListQuery reads and cleans the list's parameters; get returns one
// by name (a request's query, or a form's copy of it).
func readListQuery(get func(string) string) listQuery {
	q := listQuery{
		Status: get("status"), Who: get("who"), User: cleanParam(get("user"), models.MaxUsername),
		Search: cleanParam(get("q"), 100), Day: get("day"), Sort: sortOf(get("sort")).Value,
		After: get("after"), Before: get("before"),
	}
	if q.Status != models.StatusActive && q.Status != models.StatusExpired {
		q.Status = ""
	}
	if q.Who != models.WhoAnonymous && q.Who != models.WhoUsers {
		q.Who = ""
	}
	if d, err := time.Parse(dayFormat, q.Day); err != nil || d.Year() < 2000 || d.Year() > 9999 {
		q.Day = ""
	}
	if parseCursor(q.After) == nil {
		q.After = ""
	}
	if parseCursor(q.Before) == nil {
		q.Before = ""
	}
	q.From, _ = strconv.Atoi(get("n"))
	if q.From < 1 || q.After == "" && q.Before == "" {
		q.From = 1
	}
	return q
}

// get returns a filter parameter by its URL name.
func (q listQuery) get(key string) string {
	switch key {
	case "status":
		return q.Status
	case "who":
		return q.Who
	case "user":
		return q.User
	case "q":
		return q.Search
	case "day":
		return q.Day
	}
	return ""
}

// values encodes the filters and the order (not the position).
func (q listQuery) values() url.Values {
	v := url.Values{}
	for _, k := range filterKeys {
		if s := q.get(k); s != "" {
			v.Set(k, s)
		}
	}
	if q.Sort != sortOptions[0].Value {
		v.Set("sort", q.Sort)
	}
	return v
}

// listURL returns the list's address with these parameters.
func listURL(v url.Values) string {
	if len(v) == 0 {
		return "/admin/sessions"
	}
	return "/admin/sessions?" + v.Encode()
}

// Link returns the list URL for these filters at a cursor, with the
// position of the page's first row.
func (q listQuery) Link(param string, cur *models.SessionCursor, from int) string {
	v := q.values()
	if cur != nil {
		v.Set(param, fmt.Sprintf("%d.%s", cur.Value, cur.Hash))
		v.Set("n", strconv.Itoa(from))
	}
	return listURL(v)
}

// Filtered tells whether any filter is set.
func (q listQuery) Filtered() bool {
	for _, k := range filterKeys {
		if q.get(k) != "" {
			return true
		}
	}
	return false
}

// onlyStatusWho tells whether status and who are the only filters.
func (q listQuery) onlyStatusWho() bool {
	return q.User == "" && q.Search == "" && q.Day == ""
}

// SortLink returns the list ordered by a column: largest first, or the
// other way round when it is already so ordered. Sorting starts again at
// the first page.
func (q listQuery) SortLink(key string) string {
	v := q.values()
	current := sortOf(q.Sort).Sort
	next := models.SessionSort{Key: key, Asc: key == models.SortExpires}
	if current.Key == key {
		next.Asc = !current.Asc
	}
	for _, o := range sortOptions {
		if o.Sort == next {
			v.Set("sort", o.Value)
		}
	}
	if next == sortOptions[0].Sort {
		v.Del("sort")
	}
	return listURL(v)
}

// Params are the filters and the order as form fields, for the hidden
// fields of the bulk action form.
func (q listQuery) Params() map[string]string {
	out := map[string]string{}
	for k, v := range q.values() {
		out[k] = v[0]
	}
	return out
}

// sortHeader is a sortable column's header.
type sortHeader struct{ Label, Href, Aria string }

// Header returns the header of the column sorted by key.
func (q listQuery) Header(key, label string) sortHeader {
	return sortHeader{Label: label, Href: q.SortLink(key), Aria: q.AriaSort(key)}
}

// AriaSort is the aria-sort value of a column header.
func (q listQuery) AriaSort(key string) string {
	s := sortOf(q.Sort).Sort
	switch {
	case s.Key != key:
		return ""
	case s.Asc:
		return "ascending"
	}
	return "descending"
}

// chip is an active filter shown above the list, with a link that
// removes it.
type chip struct {
	Label, Value, Remove string
}

// Chips returns the active filters.
func (q listQuery) Chips() []chip {
	var out []chip
	labels := map[string]string{"status": "Status", "who": "Who", "user": "User", "q": "Search", "day": "Created"}
	for _, k := range filterKeys {
		value := q.get(k)
		if value == "" {
			continue
		}
		v := q.values()
		v.Del(k)
		out = append(out, chip{Label: labels[k], Value: chipValue(k, value), Remove: listURL(v)})
	}
	return out
}

func chipValue(key, value string) string {
	switch {
	case key == "who" && value == models.WhoUsers:
		return "logged in"
	case key == "day":
		d, _ := time.Parse(dayFormat, value)
		return "on " + d.Format("Mon 2 Jan 2006")
	}
	return value
}

// parseCursor reads "value.hash"; anything else is no cursor.
func parseCursor(s string) *models.SessionCursor {
	value, hash, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(value, 10, 64)
	if !ok || err != nil || !web.ValidKeyHash(hash) {
		return nil
	}
	return &models.SessionCursor{Value: n, Hash: hash}
}

// cleanParam keeps a query parameter short and valid text.
func cleanParam(s string, max int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

// listTotal is how many sessions match, as the list's summary says it.
type listTotal struct {
	N int64
	// Exact is false when there are more than N (the count stops there).
	Exact bool
	// About marks a count taken from the dashboard's last count.
	About bool
	// Noun names what is counted: "active", "expired" or "sessions".
	Noun string
}

// Text is "1,234 active", "more than 100,000 sessions", "about 312 sessions".
func (t listTotal) Text() string {
	n := views.Thousands(t.N)
	switch {
	case !t.Exact:
		n = "more than " + n
	case t.About:
		n = "about " + n
	}
	if t.Noun == "sessions" && t.N == 1 && t.Exact {
		return n + " session"
	}
	return n + " " + t.Noun
}
