package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewSessionKey returns a new session key: 32 random bytes (256 bits) in
// URL-safe base64, 43 characters.
func NewSessionKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// KeyHash is what logs and the audit trail show instead of a session key:
// the first 16 hex digits of its SHA-256.
func KeyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// ShortKey shows the first characters of a session key, for pages.
func ShortKey(key string) string {
	if len(key) <= 8 {
		return key
	}
	return key[:8] + "…"
}

// sessionKeyLen is the length of every key NewSessionKey makes.
const sessionKeyLen = 43

// ValidSessionKey tells whether s has the form of a key NewSessionKey
// makes (43 characters of URL-safe base64). Anything else that arrives as
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
