package app

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// fieldErrors maps a form field's name to the message shown next to it.
type fieldErrors map[string]string

// text reads a form field, trimmed, and checks it: present if required, at
// most max characters, valid UTF-8 without control characters. Problems
// are recorded in errs under the field's name.
func (errs fieldErrors) text(c *fiber.Ctx, name, label string, max int, required bool) string {
	raw := c.FormValue(name)
	v := strings.TrimSpace(raw)
	switch {
	case !utf8.ValidString(raw):
		errs[name] = label + " contains bytes that are not valid text (UTF-8)."
		return strings.ToValidUTF8(v, "\uFFFD")
	case required && v == "":
		errs[name] = label + " is required."
	case utf8.RuneCountInString(v) > max:
		errs[name] = fmt.Sprintf("%s can be at most %d characters (this one has %d).", label, max, utf8.RuneCountInString(v))
	case strings.ContainsFunc(v, isControl):
		errs[name] = label + " cannot contain control characters."
	}
	return v
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

// webURL checks that v is an absolute http or https URL.
func (errs fieldErrors) webURL(name, label, v string) {
	if v == "" || errs[name] != "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs[name] = label + " must be a web address starting with http:// or https://."
	}
}
