package assets

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Handler serves the files; mount it with app.Use(Mount, ...). It answers
// GET and HEAD; an unknown name is a 404, and other methods go on to the
// next handler.
func (a *Assets) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return c.Next()
		}
		f, current := a.lookup(strings.TrimPrefix(c.Path(), prefix))
		if f == nil {
			return fiber.ErrNotFound
		}
		if current {
			c.Set(fiber.HeaderCacheControl, cacheImmutable)
		} else {
			c.Set(fiber.HeaderCacheControl, cacheRevalidate)
		}
		encoding, body := f.negotiate(c.Get(fiber.HeaderAcceptEncoding))
		if f.compress {
			c.Vary(fiber.HeaderAcceptEncoding)
		}
		c.Set(fiber.HeaderETag, f.etag(encoding))
		if f.matches(c.Get(fiber.HeaderIfNoneMatch)) {
			return c.SendStatus(fiber.StatusNotModified)
		}
		c.Set(fiber.HeaderContentType, f.contentType)
		if encoding != "" {
			c.Set(fiber.HeaderContentEncoding, encoding)
		}
		return c.Send(body)
	}
}

// negotiate picks the smallest encoding the client accepts: brotli, gzip,
// or the file as it is.
func (f *file) negotiate(acceptEncoding string) (string, []byte) {
	if !f.compress || acceptEncoding == "" {
		return "", f.body
	}
	gz, br := f.encodings()
	accepted := acceptedEncodings(acceptEncoding)
	switch {
	case br != nil && accepted["br"]:
		return "br", br
	case gz != nil && accepted["gzip"]:
		return "gzip", gz
	}
	return "", f.body
}

// acceptedEncodings reads an Accept-Encoding header: the codings it names,
// except those refused with a zero quality ("br;q=0").
func acceptedEncodings(header string) map[string]bool {
	out := map[string]bool{}
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(strings.TrimSpace(q), 64); err != nil || v <= 0 {
				continue
			}
		}
		out[name] = true
	}
	return out
}

// etag is the file's entity tag in one encoding: each encoding is its own
// representation (RFC 9110, 8.8.3), all derived from the content's hash.
func (f *file) etag(encoding string) string {
	if encoding == "" {
		return `"` + f.hash + `"`
	}
	return `"` + f.hash + "-" + encoding + `"`
}

// matches tells whether an If-None-Match header names the current content
// in any encoding: the copy the browser holds is then still good.
func (f *file) matches(ifNoneMatch string) bool {
	if ifNoneMatch == "" {
		return false
	}
	for tag := range strings.SplitSeq(ifNoneMatch, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == f.etag("") || tag == f.etag("br") || tag == f.etag("gzip") {
			return true
		}
	}
	return false
}
