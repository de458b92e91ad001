package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Shells renders the site's shell (the templates page_top and page_bottom
// that every page starts and ends with) once per distinct layout and
// reuses the HTML: a returning visitor's page is mostly shell, and its
// rendering took a quarter of a page view's CPU (BENCHMARKS.md). The
// shell's output is a function of its Base alone; the one value in it
// that differs between visitors with the same layout, the CSRF token, is
// rendered as a placeholder and put in afterwards. Templates call it as
// {{shell "page_top" .Layout}}.
type Shells struct {
	render      func(w io.Writer, name string, data any) error
	placeholder string
	entries     *lru.Cache[shellKey, []string] // the HTML split at the placeholder
}

// shellKey is what a shell's HTML depends on: a Base without its CSRF
// token and with the user by value.
type shellKey struct {
	name                      string
	title, nav, consent, path string
	showConsent, wide, frag   bool
	loggedIn                  bool
	user                      CurrentUser
}

// shellEntries bounds the layouts kept: pages × navigation states × users
// shown by name.
const shellEntries = 2048

// plainToken tells whether a CSRF token has only the characters of
// signedTokens.generate's, which html/template writes unchanged in any
// context of the shell: such a token can stand in for the placeholder
// without escaping.
func plainToken(token string) bool {
	for _, r := range token {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '.', r == '-':
		default:
			return false
		}
	}
	return true
}

// NewShells returns a shell cache that renders with render (the template
// engine's Render).
func NewShells(render func(w io.Writer, name string, data any) error) *Shells {
	entries, err := lru.New[shellKey, []string](shellEntries)
	if err != nil {
		panic(err) // only for a size below 1
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return &Shells{render: render, placeholder: "csrf-placeholder-" + hex.EncodeToString(b), entries: entries}
}

// Render returns the shell template name for the layout b.
func (s *Shells) Render(name string, b Base) (template.HTML, error) {
	if b.Flash != "" || !plainToken(b.CSRFToken) {
		return s.renderNow(name, b) // shown once, or a token to escape
	}
	key := shellKey{name: name, title: b.Title, nav: b.Nav, consent: b.Consent,
		showConsent: b.ShowConsent, wide: b.Wide, frag: b.Fragment, loggedIn: b.User != nil}
	if b.ShowConsent {
		key.path = b.Path // the consent form's way back
	}
	if b.User != nil {
		key.user = *b.User
	}
	parts, ok := s.entries.Get(key)
	if !ok {
		html, err := s.renderNow(name, s.layoutOf(key))
		if err != nil {
			return "", err
		}
		parts = strings.Split(string(html), s.placeholder)
		s.entries.Add(key, parts)
	}
	return template.HTML(strings.Join(parts, b.CSRFToken)), nil
}

// layoutOf is the Base a key stands for, with the placeholder token.
func (s *Shells) layoutOf(k shellKey) Base {
	b := Base{Title: k.title, Nav: k.nav, Consent: k.consent, ShowConsent: k.showConsent, Path: k.path,
		Wide: k.wide, Fragment: k.frag, CSRFToken: s.placeholder}
	if k.loggedIn {
		user := k.user
		b.User = &user
	}
	return b
}

// renderNow renders the shell template name for b.
func (s *Shells) renderNow(name string, b Base) (template.HTML, error) {
	var buf bytes.Buffer
	if err := s.render(&buf, name, b); err != nil {
		return "", fmt.Errorf("web: shell %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil
}
