package admin

import "testing"

// TestQueryOf: a list's pager links keep the filters and the order that
// are set, and leave out the empty ones and the default order.
func TestQueryOf(t *testing.T) {
	for _, tc := range []struct {
		pairs []string
		want  string
	}{
		{[]string{"q", "py", "sort", unlessDefault("likes", "name")}, "q=py&sort=likes"},
		{[]string{"q", "", "sort", unlessDefault("name", "name")}, ""},
		{[]string{"q", "a b&c", "staff", flag(true), "inactive", flag(false)}, "q=a+b%26c&staff=1"},
		{[]string{"category", "7", "sort", unlessDefault("views", "views")}, "category=7"},
	} {
		if got := queryOf(tc.pairs...).Encode(); got != tc.want {
			t.Errorf("queryOf(%q) = %q, want %q", tc.pairs, got, tc.want)
		}
	}
}
