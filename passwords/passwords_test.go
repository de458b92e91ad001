package passwords

import (
	"strings"
	"testing"
)

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		password, username, email string
		problem                   string // "" if accepted, else a part of the message
	}{
		{"correct horse battery", "alice", "", ""},
		{"short", "alice", "", "at least 8"},
		{strings.Repeat("é", 40), "alice", "", "at most 72 bytes"},
		{"alice", "alice", "", "at least 8"},
		{"alicealice", "alice", "", "user name"},
		{"my ALICE is a horse battery", "alice", "", "user name"},
		{"al battery staple horse", "al", "", ""}, // a two-letter name is refused only as the whole password
		{"password", "alice", "", "is one of the most common"},
		{"new password", "alice", "", "built on one of the most common"},
		{"long enough", "alice", "", "too easy to guess"},
		{"qwertyuiopasdf", "alice", "", "too easy"},
		{"aaaaaaaaaaaa", "alice", "", "Repeats"},
		{"abcdefgh12", "alice", "", "Sequences"},
		{"wonderland1865", "bob", "wonderland1865@example.com", "user name or email"},
	} {
		got := Check(tc.password, tc.username, tc.email)
		if tc.problem == "" && got != "" || tc.problem != "" && !strings.Contains(got, tc.problem) {
			t.Errorf("Check(%q, %q, %q) = %q, want %q", tc.password, tc.username, tc.email, got, tc.problem)
		}
	}
}

func TestLabel(t *testing.T) {
	for password, want := range map[string]string{"short": "too short", "password": "too weak", "alicealice": "not allowed",
		"rango2024": "good", "correct horse battery": "strong"} {
		if l := Rate(password, "alice", "").Label; l != want {
			t.Errorf("label of %q: %q, want %q", password, l, want)
		}
	}
}
