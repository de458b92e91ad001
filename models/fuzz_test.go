package models

import (
	"regexp"
	"testing"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Python", "Other Frameworks", "C++", "  spaced  out  ", "日本語", "Go <Lang> & Friends", "---", "", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug := Slugify(name)
		if !slugPattern.MatchString(slug) || len(slug) > 160 {
			t.Errorf("Slugify(%q) = %q: not a clean slug", name, slug)
		}
		if Slugify(name) != slug {
			t.Error("Slugify is not deterministic")
		}
	})
}

func FuzzEscapeLike(f *testing.F) {
	for _, s := range []string{"P", "%", "_", `\`, `a%b_c\d`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		esc := escapeLike(s)
		for i := 0; i < len(esc); i++ {
			if esc[i] == '\\' {
				i++
				continue
			}
			if esc[i] == '%' || esc[i] == '_' {
				t.Errorf("escapeLike(%q) = %q leaves a wildcard", s, esc)
			}
		}
	})
}
