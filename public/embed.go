// Package public holds Rango's static files (CSS, JavaScript, images), embedded into the binary.
package public

import "embed"

// FS holds the vendored third-party assets (vendor/), Rango's own
// stylesheets (css/) and scripts (js/), with paths relative to this
// directory, e.g. "vendor/bootstrap.min.css" or "css/rango.css".
//
//go:embed vendor css js img
var FS embed.FS
