package admin

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// contentPageSize is how many categories, pages or users a list shows.
const contentPageSize = 50

// encodeKeyset writes a list position for a URL: the sort value in
// URL-safe base64 (names may hold any character), a dot, the id.
func encodeKeyset(k *models.Keyset) string {
	return base64.RawURLEncoding.EncodeToString([]byte(k.Value)) + "." + strconv.FormatUint(k.ID, 10)
}

// decodeKeyset reads a position written by encodeKeyset; anything else is
// no position.
func decodeKeyset(s string) *models.Keyset {
	value, id, ok := strings.Cut(s, ".")
	raw, err := base64.RawURLEncoding.DecodeString(value)
	n, err2 := strconv.ParseUint(id, 10, 64)
	if !ok || err != nil || err2 != nil || len(raw) > 200 {
		return nil
	}
	return &models.Keyset{Value: string(raw), ID: n}
}

// pager is a list's links to the neighbouring pages.
type pager struct {
	PrevLink, NextLink string
}

// pagerOf links the pages of a list at base with params v.
func pagerOf(base string, v url.Values, prev, next *models.Keyset) pager {
	link := func(param string, k *models.Keyset) string {
		w := url.Values{}
		for key, vals := range v {
			w[key] = vals
		}
		w.Set(param, encodeKeyset(k))
		return base + "?" + w.Encode()
	}
	var p pager
	if prev != nil {
		p.PrevLink = link("before", prev)
	}
	if next != nil {
		p.NextLink = link("after", next)
	}
	return p
}

// queryOf returns the name-value pairs whose value is not empty, as a
// list's query: the filters and the order that its pager links keep.
func queryOf(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.Set(pairs[i], pairs[i+1])
		}
	}
	return v
}

// unlessDefault is value, or empty when it is the default def (which the
// query then leaves out).
func unlessDefault(value, def string) string {
	if value == def {
		return ""
	}
	return value
}

// position reads a list's cursor from the request: after, or before.
func position(c *fiber.Ctx) (*models.Keyset, bool) {
	if k := decodeKeyset(c.Query("before")); k != nil {
		return k, true
	}
	return decodeKeyset(c.Query("after")), false
}

// idParam reads the numeric id in the URL, or answers 404 with what.
func idParam(c *fiber.Ctx, what string) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, web.NewError(fiber.StatusNotFound, "There is no such "+what+".")
	}
	return id, nil
}

// byID finds the thing (a category, a page, a user) whose id is in the
// URL with find, or answers 404: "There is no such <what>" and, when it
// was not found, gone (why it may be missing).
func byID[T any](c *fiber.Ctx, what, gone string, find func(context.Context, uint64) (T, error)) (T, error) {
	id, err := idParam(c, what)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := find(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return v, web.NewError(fiber.StatusNotFound, "There is no such "+what+": "+gone)
	}
	return v, err
}

// formIDs reads the ids a bulk form ticked (at most maxSelected).
func formIDs(c *fiber.Ctx) []uint64 {
	var ids []uint64
	seen := map[uint64]bool{}
	for _, v := range c.Context().PostArgs().PeekMulti("ids") {
		if id, err := strconv.ParseUint(string(v), 10, 64); err == nil && id > 0 && !seen[id] && len(ids) < maxSelected {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// actionConfirmPage is the data of admin/confirm_action: a destructive action
// asked about first, as a page (without JavaScript; with it, the form's
// hx-confirm asks and hx-vals confirms).
type actionConfirmPage struct {
	page
	Question, Detail, Button string
	// Action is where the confirmation posts, with Fields as hidden
	// inputs and confirmed=yes.
	Action string
	Fields []hiddenField
	// Back is where Cancel goes.
	Back string
}

// hiddenField is one hidden input of a confirmation.
type hiddenField struct{ Name, Value string }

// confirmed tells whether the form was confirmed; if not, it has answered
// with the confirmation page, which posts the same fields again.
func (h *Handler) confirmed(c *fiber.Ctx, p page, question, detail, button, back string) (bool, error) {
	if c.FormValue("confirmed") == "yes" {
		return true, nil
	}
	data := actionConfirmPage{page: p, Question: question, Detail: detail, Button: button, Action: c.Path(), Back: back}
	c.Context().PostArgs().VisitAll(func(k, v []byte) {
		if name := string(k); name != web.CSRFField && name != "confirmed" {
			data.Fields = append(data.Fields, hiddenField{name, string(v)})
		}
	})
	return false, web.Render(c, fiber.StatusOK, "admin/confirm_action", data)
}

// done records an admin action, shows its result on the next page and
// sends the browser there.
func (h *Handler) done(c *fiber.Ctx, a action, next string) error {
	id, err := h.record(c, a)
	if err != nil {
		return err
	}
	setNotice(c, id)
	return web.Redirect(c, next)
}
