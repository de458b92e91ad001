package web

import (
	"bytes"
	"html/template"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// shellTemplates stand in for the site's shell: they show every field of
// a Base, the way the real shell may.
var shellTemplates = template.Must(template.New("").Parse(`
{{define "page_top"}}<title>{{.Title}}</title><body hx-headers='{"X-CSRF-Token": "{{.CSRFToken}}"}'>
nav={{.Nav}} consent={{.Consent}} show={{.ShowConsent}} wide={{.Wide}} frag={{.Fragment}} flash={{.Flash}}
{{with .User}}user={{.ID}}/{{.Username}}/{{.IsStaff}}{{end}}
{{if .ShowConsent}}<input name="next" value="{{.Path}}">{{end}}
<input name="_csrf" value="{{.CSRFToken}}">{{end}}`))

func executeShell(w io.Writer, name string, data any) error {
	return shellTemplates.ExecuteTemplate(w, name, data)
}

// TestShellsRenderAsTheTemplateDoes: the cached shell is what rendering
// the template gives, for each visitor's own token, and a change of any
// field the shell shows is not answered from another layout's entry.
func TestShellsRenderAsTheTemplateDoes(t *testing.T) {
	shells := NewShells(executeShell)
	ann := &CurrentUser{ID: 7, Username: "ann <&>", IsStaff: true}
	bases := []Base{
		{Title: "Home", Nav: "home", Consent: "accepted", CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", CSRFToken: "tok2.sig"},
		{Title: "About", Nav: "about", Consent: "accepted", CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", Consent: "rejected", CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", ShowConsent: true, Path: "/?a=1&b=<2>", CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", ShowConsent: true, Path: "/about", CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", Wide: true, CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", Fragment: true, CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", User: ann, CSRFToken: "tok3.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", User: &CurrentUser{ID: 8, Username: "bob"}, CSRFToken: "tok3.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", Flash: "Logged in.", CSRFToken: "tok1.sig"},
		{Title: "Home", Nav: "home", Consent: "accepted", CSRFToken: `odd"token'<`},
		{Title: "Home", Nav: "home", Consent: "accepted"},
	}
	for round := range 2 { // the second round comes from the cache
		for i, b := range bases {
			var want bytes.Buffer
			if err := executeShell(&want, "page_top", b); err != nil {
				t.Fatal(err)
			}
			got, err := shells.Render("page_top", b)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want.String() {
				t.Errorf("round %d, layout %d: the shell is\n%s\nwant\n%s", round, i, got, want.String())
			}
		}
	}
}

// TestShellKeyCoversBase fails when Base gains a field: the shell may show
// it, so shellKey and layoutOf must carry it (or Render must not cache
// layouts that have it, as with Flash).
func TestShellKeyCoversBase(t *testing.T) {
	known := []string{"Title", "Nav", "User", "CSRFToken", "Consent", "ShowConsent", "Flash", "Path", "Wide", "Fragment"}
	for f := range reflect.TypeFor[Base]().Fields() {
		if !slices.Contains(known, f.Name) {
			t.Errorf("Base has a field %s that the shell cache does not know", f.Name)
		}
	}
	if s := NewShells(executeShell); !strings.HasPrefix(s.placeholder, "csrf-placeholder-") || !plainToken(s.placeholder) {
		t.Errorf("placeholder %q would be escaped", s.placeholder)
	}
}
