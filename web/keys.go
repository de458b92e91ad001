package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// NewSessionKey returns a new session key, made now (SessionKeyAt).
func NewSessionKey() string { return SessionKeyAt(time.Now()) }

// SessionKeyAt returns a new session key made at t: 43 characters of
// URL-safe base64's alphabet, the first 8 the time in milliseconds
// (48 bits, in that alphabet sorted as the database compares it, so that
// keys sort by the time they were made), the other 35 26 random bytes
// (208 bits). The time prefix puts a session's row, in the sessions
// table ordered by key, beside those of the sessions made at about the
// same time: new sessions are appended, and the expired ones that a
// cleanup deletes together sit together, a few pages rather than one
// page each (BENCHMARKS.md). It tells only when the key was made, to the
// browser that holds it.
func SessionKeyAt(t time.Time) string {
	b := make([]byte, sessionKeyLen)
	ms := uint64(t.UnixMilli())
	for i := timePrefixLen - 1; i >= 0; i-- {
		b[i] = sortedBase64[ms&63]
		ms >>= 6
	}
	random := make([]byte, 26)
	if _, err := rand.Read(random); err != nil {
		panic("web: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	base64.RawURLEncoding.Encode(b[timePrefixLen:], random)
	return string(b)
}

// sortedBase64 is URL-safe base64's alphabet in byte order, which the
// session key's ascii_bin collation sorts by.
const sortedBase64 = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// timePrefixLen is how many characters of a session key hold the time it
// was made: 8 of 6 bits, milliseconds for the next 8,900 years.
const timePrefixLen = 8

// KeyHash is what logs and the audit trail show instead of a session key:
// the first 16 hex digits of its SHA-256.
func KeyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// ValidKeyHash tells whether s looks like a KeyHash (16 lowercase hex
// digits), as a session id in a URL or form must before any query.
func ValidKeyHash(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ShortKey shows eight characters of a session key, or of another secret
// cookie's value, for pages: of a session key, the eight after its time
// prefix, which keys made at about the same time share; of anything else,
// the first eight.
func ShortKey(key string) string {
	switch {
	case ValidSessionKey(key):
		return key[timePrefixLen:timePrefixLen+8] + "…"
	case len(key) <= 8:
		return key
	}
	return key[:8] + "…"
}

// sessionKeyLen is the length of every key SessionKeyAt makes.
const sessionKeyLen = 43

// ValidSessionKey tells whether s has the form of a key SessionKeyAt
// makes (43 characters of URL-safe base64's alphabet), as keys made
// before the time prefix have too. Anything else that arrives as
// a session cookie is treated as no cookie, before any query.
func ValidSessionKey(s string) bool {
	if len(s) != sessionKeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
