// Package views holds Rango's html/template files, embedded into the
// binary: layouts (the whole document, or the htmx shell), pages, and
// partials that htmx swaps in on their own.
package views

import (
	"embed"
	"fmt"
	"html/template"
	"time"
)

// FS holds the templates, named by path without the .html extension.
//
//go:embed layouts pages partials
var FS embed.FS

// Funcs are the template functions the views use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"since":    Since,
		"until":    Until,
		"datetime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") },
		"seconds":  func(d time.Duration) int64 { return int64(d / time.Second) },
		"human":    HumanDuration,
	}
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

// HumanDuration writes d in its largest whole unit: "3 days", "1 minute".
func HumanDuration(d time.Duration) string {
	units := []struct {
		name string
		size time.Duration
	}{{"year", 365 * 24 * time.Hour}, {"week", 7 * 24 * time.Hour}, {"day", 24 * time.Hour},
		{"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}}
	for _, u := range units {
		if n := int64(d / u.size); n >= 1 {
			if n == 1 {
				return "1 " + u.name
			}
			return fmt.Sprintf("%d %ss", n, u.name)
		}
	}
	return "0 seconds"
}
