package views_test

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"rango/public"
	"rango/views"
)

// hookClasses are classes that no stylesheet styles on purpose: the tests
// find elements by them.
var hookClasses = map[string]bool{
	"like-count": true, // the like count's number, read by the tests
}

// classSelector finds the class names a stylesheet's selectors use.
var classSelector = regexp.MustCompile(`\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)`)

// templateAction is a {{…}} action inside an attribute.
var templateAction = regexp.MustCompile(`\{\{.*?\}\}`)

// TestEveryClassIsStyled fails when a template uses a class that no
// stylesheet in public/ has. Bootstrap is purged at vendoring time
// (tools/vendor/vendor.sh runs PurgeCSS against the templates), so a
// Bootstrap class that no template used before is missing until the
// script runs again: this test says so, without needing npm.
func TestEveryClassIsStyled(t *testing.T) {
	styled := map[string]bool{}
	err := fs.WalkDir(public.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".css" {
			return err
		}
		b, err := fs.ReadFile(public.FS, name)
		if err != nil {
			return err
		}
		for _, m := range classSelector.FindAllStringSubmatch(string(b), -1) {
			styled[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !styled["btn"] || !styled["rango-hero"] {
		t.Fatal("the stylesheets were not read")
	}
	err = fs.WalkDir(views.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".html" {
			return err
		}
		b, err := fs.ReadFile(views.FS, name)
		if err != nil {
			return err
		}
		for _, value := range classAttributes(string(b)) {
			for _, class := range strings.Fields(templateAction.ReplaceAllString(value, " ")) {
				if !styled[class] && !hookClasses[class] {
					t.Errorf("%s: class %q is in no stylesheet of public/. A Bootstrap class? Run tools/vendor/vendor.sh (PurgeCSS kept only the classes used before). A class to find elements by? Add it to hookClasses.", name, class)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// classAttributes returns the values of the class attributes in a
// template, whose {{…}} actions may hold quotes.
func classAttributes(s string) []string {
	var out []string
	for {
		i := strings.Index(s, ` class="`)
		if i < 0 {
			return out
		}
		s = s[i+len(` class="`):]
		end, depth := 0, 0
		for end < len(s) {
			switch {
			case strings.HasPrefix(s[end:], "{{"):
				depth++
				end += 2
				continue
			case strings.HasPrefix(s[end:], "}}"):
				depth--
				end += 2
				continue
			case s[end] == '"' && depth == 0:
			default:
				end++
				continue
			}
			break
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}
