package settings

import (
	"testing"
	"time"
)

func TestStoredValuesOutOfRangeKeepTheDefaults(t *testing.T) {
	defaults := Values{SessionCookieAge: 1209600 * time.Second, VisitInterval: 24 * time.Hour, SessionBrowserLifetime: DefaultBrowserLifetime}
	for key, stored := range map[string]string{
		KeySessionCookieAge:        "18446744134", // 60 s once multiplied into a time.Duration
		KeyVisitInterval:           "18446744073709551616",
		KeySessionIdleTimeout:      "-300",
		KeySessionAbsoluteLifetime: "59",
	} {
		v, err := fromRows(map[string]string{key: stored}, defaults)
		if err == nil || v != defaults {
			t.Errorf("stored %s=%s: loaded %+v (%v), want the defaults and an error", key, stored, v, err)
		}
	}
	v, err := fromRows(map[string]string{KeySessionCookieAge: "3600", KeySessionIdleTimeout: "0"}, defaults)
	if err != nil || v.SessionCookieAge != time.Hour {
		t.Errorf("stored 3600: loaded %+v (%v)", v, err)
	}
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		key, s  string
		want    time.Duration
		problem string
	}{
		{KeySessionCookieAge, "3600", time.Hour, ""},
		{KeySessionCookieAge, " 60 ", time.Minute, ""},
		{KeySessionCookieAge, "18446744134", 0, "Must be between 60 and 31536000 seconds."},
		{KeySessionCookieAge, "9223372036854775808", 0, "Must be between 60 and 31536000 seconds."},
		{KeySessionCookieAge, "two weeks", 0, "Enter a whole number of seconds."},
		{KeySessionIdleTimeout, "0", 0, ""},
		{KeySessionIdleTimeout, "299", 0, "Must be 0 (off) or between 300 and 31536000 seconds."},
		{KeyVisitInterval, "0", 0, ""},
	} {
		got, problem := ParseSeconds(tc.key, tc.s)
		if got != tc.want || problem != tc.problem {
			t.Errorf("ParseSeconds(%s, %q) = %v, %q; want %v, %q", tc.key, tc.s, got, problem, tc.want, tc.problem)
		}
	}
}
