// Package assets serves Rango's static files (package public) under
// /static/ for a light front end: content-hashed URLs that browsers keep
// for a year without asking again, gzip and brotli compressed once per
// process at the best levels, and an ETag that answers 304 Not Modified.
//
// Templates never write a /static/ path by hand: they call the template
// function "static" with the file's name in public/, e.g.
//
//	<link rel="stylesheet" href="{{static "css/rango.css"}}">
//
// which writes /static/css/rango.3f2a1b9c0d4e.css. The hash changes with
// the content, so a new version of a file gets a new URL and the browser's
// year-long copy of the old one is never served by mistake. An unknown
// name fails the render, so a typo shows up in the first test that renders
// the page.
package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Mount is the URL path the files are served under: mount Handler there
// with app.Use(assets.Mount, ...).
const Mount = "/static"

// prefix starts every file's URL.
const prefix = Mount + "/"

// hashLen is how many hex digits of the SHA-256 of a file go into its URL.
const hashLen = 12

// Cache-Control values: a hashed URL never changes its content; a plain
// URL (or one with an outdated hash) may, so the browser asks each time,
// and the ETag turns the answer into a 304 when nothing changed.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "public, no-cache"
)

// file is one static file with its compressed forms, made on first use.
type file struct {
	name        string // path in the file system, e.g. "css/rango.css"
	hashed      string // the same with the content hash, e.g. "css/rango.3f2a1b9c0d4e.css"
	hash        string
	contentType string
	body        []byte

	once     sync.Once
	gz, br   []byte // nil when compressing does not make the file smaller
	compress bool
}

// Assets are the static files, indexed by plain and by hashed name.
type Assets struct {
	byName   map[string]*file
	byHashed map[string]*file
}

// New reads every file of fsys and hashes it.
func New(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*file{}, byHashed: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".go") {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &file{name: name, hash: hex.EncodeToString(sum[:])[:hashLen], body: body}
		f.hashed = withHash(name, f.hash)
		f.contentType, f.compress = contentType(name, body)
		a.byName[name], a.byHashed[f.hashed] = f, f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assets: read static files: %w", err)
	}
	return a, nil
}

// URL returns the content-hashed URL of the static file name (a path in
// package public, such as "vendor/htmx.min.js"). It is the templates'
// "static" function; an unknown name is an error, which fails the render.
func (a *Assets) URL(name string) (string, error) {
	f, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("assets: no static file %q", name)
	}
	return prefix + f.hashed, nil
}

// withHash puts the hash before the name's extension:
// "vendor/bootstrap.min.css" becomes "vendor/bootstrap.min.<hash>.css".
func withHash(name, hash string) string {
	ext := path.Ext(name)
	if ext == "" {
		return name + "." + hash
	}
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// hashedName matches a name with a hash in it, to find the plain name of
// a URL from an earlier (or later) version of the site.
var hashedName = regexp.MustCompile(`^(.*)\.[0-9a-f]{12}(\.[^./]+)?$`)

// lookup finds the file a request path names, and whether the path
// carries the file's current hash (so that it may be cached for ever).
func (a *Assets) lookup(name string) (*file, bool) {
	if f, ok := a.byHashed[name]; ok {
		return f, true
	}
	if f, ok := a.byName[name]; ok {
		return f, false
	}
	// A hash from another version: while instances of two versions run
	// side by side, a page from one may ask another for its files. Serve
	// what there is, but do not let the browser keep it under that URL.
	if m := hashedName.FindStringSubmatch(name); m != nil {
		if f, ok := a.byName[m[1]+m[2]]; ok {
			return f, false
		}
	}
	return nil, false
}

// contentType names a file's media type and tells whether compressing it
// is worth trying (text is; PNG, WOFF2 and the like are compressed already).
func contentType(name string, body []byte) (string, bool) {
	t := mime.TypeByExtension(path.Ext(name))
	if t == "" {
		t = http.DetectContentType(body)
	}
	compress := strings.HasPrefix(t, "text/") || strings.HasPrefix(t, "image/svg") ||
		strings.Contains(t, "javascript") || strings.Contains(t, "json")
	return t, compress
}

// encodings compresses the file once, at the best levels: the work is
// done on the first request for the file and serves every later one.
func (f *file) encodings() (gz, br []byte) {
	f.once.Do(func() {
		if !f.compress {
			return
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // the level is valid
		_, _ = w.Write(f.body)                                // writes to a bytes.Buffer do not fail
		_ = w.Close()
		if b.Len() < len(f.body) {
			f.gz = bytes.Clone(b.Bytes())
		}
		b.Reset()
		bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
		_, _ = bw.Write(f.body)
		_ = bw.Close()
		if b.Len() < len(f.body) {
			f.br = bytes.Clone(b.Bytes())
		}
	})
	return f.gz, f.br
}
