package admin

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rango/views"
)

// unit is a unit of time the settings form offers.
type unit struct {
	Name string
	Size time.Duration
}

// units are the settings form's units, largest first.
var units = []unit{
	{"weeks", 7 * 24 * time.Hour}, {"days", 24 * time.Hour}, {"hours", time.Hour},
	{"minutes", time.Minute}, {"seconds", time.Second},
}

// unitWords are the unit names and abbreviations a duration may be typed
// with: "2w", "90 min", "1 day".
var unitWords = map[string]time.Duration{
	"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "wks": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
}

// maxSeconds bounds what a duration field accepts before range checks.
const maxSeconds = 100 * 365 * 24 * 3600 // a century: time.Duration holds 292 years

// durationPart is one number with its unit, if any: "90m", "2 weeks", "3600".
var durationPart = regexp.MustCompile(`^(\d+)\s*([a-z]*)\s*,?\s*`)

// Why parseDuration cannot give a duration.
var (
	// errUnreadable is text that is not a duration.
	errUnreadable = errors.New("admin: not a duration")
	// errTooLong is a duration past maxSeconds, however many digits: a
	// number out of range, not garbage (and never wrapped round to a
	// small one, as 18446744134 s once became 60 s).
	errTooLong = errors.New("admin: duration out of range")
)

// parseDuration reads a duration typed into the settings form: a number
// in the unit picked next to it ("2" and weeks), a number with its own
// units ("2w", "90m", "1h 30m", "1 day"), or a number of seconds when no
// unit is picked (what forms posted before the unit picker send).
func parseDuration(text, unitName string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(text))
	if s == "" {
		return 0, errUnreadable
	}
	var total time.Duration
	parts := 0
	for s != "" {
		m := durationPart.FindStringSubmatch(s)
		if m == nil {
			return 0, errUnreadable
		}
		size := time.Second
		switch {
		case m[2] != "":
			var ok bool
			if size, ok = unitWords[m[2]]; !ok {
				return 0, errUnreadable
			}
		case len(m[0]) < len(s) || parts > 0:
			return 0, errUnreadable // a bare number only on its own
		default:
			size = unitSize(unitName)
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > maxSeconds/int64(size/time.Second) {
			return 0, errTooLong
		}
		total += time.Duration(n) * size
		if total > maxSeconds*time.Second {
			return 0, errTooLong
		}
		s = s[len(m[0]):]
		parts++
	}
	return total, nil
}

// unitSize is the size of a unit by name; seconds for an unknown one.
func unitSize(name string) time.Duration {
	for _, u := range units {
		if u.Name == name {
			return u.Size
		}
	}
	return time.Second
}

// splitDuration writes d in the largest unit that holds it exactly:
// two weeks is 2 and "weeks", 90 minutes is 90 and "minutes".
func splitDuration(d time.Duration) (int64, string) {
	if d <= 0 {
		return 0, "seconds"
	}
	for _, u := range units {
		if d%u.Size == 0 {
			return int64(d / u.Size), u.Name
		}
	}
	return int64(d / time.Second), "seconds"
}

// humanDuration writes a duration setting for people: "2 weeks", "90
// minutes", "off" for 0 when off is its meaning.
func humanDuration(d time.Duration, zero string) string {
	if d == 0 && zero != "" {
		return zero
	}
	n, name := splitDuration(d)
	return views.CountOf(n, strings.TrimSuffix(name, "s"), name)
}
