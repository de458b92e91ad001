package web

import (
	"slices"
	"testing"
	"time"
)

// Session keys sort (bytewise, as the sessions table's ascii_bin key
// does) by the time they were made, keep their form, and differ in their
// random part even when made in the same millisecond.
func TestSessionKeysSortByTimeMade(t *testing.T) {
	start := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	var keys []string
	for _, d := range []time.Duration{0, time.Millisecond, 63 * time.Millisecond, 64 * time.Millisecond, time.Second,
		time.Hour, 4*time.Hour + 40*time.Minute, 24 * time.Hour, 400 * 24 * time.Hour} {
		keys = append(keys, SessionKeyAt(start.Add(d)))
	}
	// Every value of the last characters, and their carries.
	for ms := 1; ms <= 5000; ms++ {
		keys = append(keys, SessionKeyAt(start.Add(400*24*time.Hour+time.Duration(ms)*time.Millisecond)))
	}
	if !slices.IsSorted(keys) {
		t.Errorf("keys made later do not sort later:\n%q", keys[:12])
	}
	same := []string{SessionKeyAt(start), SessionKeyAt(start)}
	if same[0] == same[1] {
		t.Errorf("two keys made in the same millisecond are equal: %q", same[0])
	}
	if ShortKey(same[0]) == ShortKey(same[1]) {
		t.Errorf("two keys of the same millisecond look the same on pages: %q", ShortKey(same[0]))
	}
	if same[0][:timePrefixLen] != same[1][:timePrefixLen] {
		t.Errorf("keys of the same millisecond have different time prefixes: %q, %q", same[0], same[1])
	}
	for _, k := range append(keys, NewSessionKey()) {
		if !ValidSessionKey(k) {
			t.Errorf("%q is not a valid session key", k)
		}
	}
	if k := NewSessionKey(); k < SessionKeyAt(time.Now().Add(-time.Second)) || k > SessionKeyAt(time.Now().Add(time.Second)) {
		t.Errorf("NewSessionKey %q is not made now", k)
	}
}
