package web

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// FieldErrors maps a form field's name to the message shown next to it.
// The site's forms and the admin's check their fields with the same rules
// and words.
type FieldErrors map[string]string

// Text reads a form field, trimmed, and checks it: present if required, at
// most max characters, valid UTF-8 without control characters. Problems
// are recorded in errs under the field's name.
func (errs FieldErrors) Text(c *fiber.Ctx, name, label string, max int, required bool) string {
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
	case strings.ContainsFunc(v, IsControl):
		errs[name] = label + " cannot contain control characters."
	}
	return v
}

// IsControl tells whether r is an ASCII control character, which no form
// field may contain.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

// WebURL checks that v is a web address and returns it normalised. As the
// tutorial's PageForm.clean does, an address without a scheme
// ("www.example.com", "example.com/x", "localhost:8000") gets http://;
// other schemes (javascript:, data:, mailto:, ftp:) are refused, and so is
// a host that is not a domain name with a dot, localhost or an IP address
// (Django's URLField wants the same).
func (errs FieldErrors) WebURL(name, label, v string) string {
	if v == "" || errs[name] != "" {
		return v
	}
	normal, ok := normalizeWebURL(v)
	if !ok {
		errs[name] = label + " must be a web address, such as www.example.com or https://example.com/page."
		return v
	}
	return normal
}

// schemePrefix matches what RFC 3986 allows before the first colon as a
// scheme. "example.com:8080" matches too; hostPort tells them apart.
var schemePrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$`)

// portThenPath is what follows host: in an address without a scheme.
var portThenPath = regexp.MustCompile(`^[0-9]{1,5}([/?#].*)?$`)

func normalizeWebURL(v string) (string, bool) {
	if m := schemePrefix.FindStringSubmatch(v); m != nil {
		scheme := strings.ToLower(m[1])
		switch {
		case scheme == "http" || scheme == "https":
		case (strings.Contains(scheme, ".") || scheme == "localhost") && portThenPath.MatchString(m[2]):
			v = "http://" + v // host:port, no scheme
		default:
			return "", false
		}
	} else if strings.HasPrefix(v, "//") {
		v = "http:" + v
	} else {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !webHost(u.Hostname()) {
		return "", false
	}
	return v, true
}

// webHost tells whether h can name a web server: a domain name with at
// least two labels, localhost, or an IP address.
func webHost(h string) bool {
	if h == "localhost" || net.ParseIP(h) != nil {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

// CategoryTaken is the error for a category name that is taken.
const CategoryTaken = "A category with this name (or one that differs only in case or punctuation) already exists."
