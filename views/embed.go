// Package views holds Rango's html/template files, embedded into the
// binary: layouts (the whole document, or the htmx shell), pages, and
// partials that htmx swaps in on their own.
package views

import (
	"embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// FS holds the templates, named by path without the .html extension.
//
//go:embed layouts pages partials admin
var FS embed.FS

// Funcs are the template functions the views use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"since":     Since,
		"until":     Until,
		"datetime":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") },
		"shortdate": func(t time.Time) string { return t.UTC().Format("2 Jan 15:04") },
		"seconds":   func(d time.Duration) int64 { return int64(d / time.Second) },
		"human":     HumanDuration,
		"thousands": Thousands,
		"fieldError": func(id string, errs map[string]string) FieldError {
			return FieldError{ID: id, Message: errs[id]}
		},
	}
}

// FieldError is a form field's error message with the field's id, for the
// input_error template: (fieldError "name" .Errors) picks the message of
// the field with id and name "name" from a page's error map.
type FieldError struct {
	ID, Message string
}

// Since says how long ago t was, in the largest whole unit.
func Since(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	if d < 0 {
		return "in " + HumanDuration(-d)
	}
	if d < time.Minute {
		return "just now"
	}
	return HumanDuration(d) + " ago"
}

// Until says how long until t.
func Until(t time.Time) string {
	d := time.Until(t)
	if d <= 0 {
		return "expired " + HumanDuration(-d) + " ago"
	}
	return "in " + HumanDuration(d)
}

// HumanDuration writes d in at most two adjacent units, as Django's
// timesince does: "2 weeks", "1 week, 6 days", "3 hours, 5 minutes".
// It rounds to the nearest minute first, so a cookie that will expire in
// 13 days 23 hours 59 minutes and 40 seconds reads "2 weeks".
func HumanDuration(d time.Duration) string {
	if d >= time.Minute {
		d = d.Round(time.Minute)
	}
	units := []struct {
		name string
		size time.Duration
	}{{"year", 365 * 24 * time.Hour}, {"week", 7 * 24 * time.Hour}, {"day", 24 * time.Hour},
		{"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}}
	for i, u := range units {
		n := int64(d / u.size)
		if n < 1 {
			continue
		}
		out := plural(n, u.name)
		if i+1 < len(units) && u.size > time.Minute {
			if m := int64((d % u.size) / units[i+1].size); m > 0 {
				out += ", " + plural(m, units[i+1].name)
			}
		}
		return out
	}
	return "0 seconds"
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// CountOf writes a count with thousands separators and the noun that goes
// with it: "1 session", "1,234 sessions".
func CountOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// Thousands writes n with commas between groups of three digits.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}
