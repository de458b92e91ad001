package web

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSecretsComeFromCryptoRand guards SECURITY.md's "approved randomness"
// (ASVS 3.2.4), which no test of the values could tell: the files that
// make session keys, CSRF nonces, device cookies and the secret key import
// crypto/rand and not math/rand (which other code uses for jitter).
func TestSecretsComeFromCryptoRand(t *testing.T) {
	makers := map[string]bool{"web/keys.go": true, "web/csrf.go": true, "app/device_cookie.go": true, "models/setting.go": true}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		crypto := false
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			crypto = crypto || p == "crypto/rand"
			if strings.HasPrefix(p, "math/rand") && makers[rel] {
				t.Errorf("%s makes secrets and imports %s: secrets must come from crypto/rand", rel, p)
			}
		}
		if makers[rel] && !crypto {
			t.Errorf("%s makes secrets but does not import crypto/rand", rel)
		}
		delete(makers, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range makers {
		t.Errorf("%s is gone: update the list of files that make secrets", rel)
	}
}
