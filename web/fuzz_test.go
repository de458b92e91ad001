package web

import (
	"bytes"
	"encoding/gob"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/restricted", "//evil.example", "/\\evil", "https://evil.example/", "/a\r\nb", "", "/ok?x=1#y", "\\\\x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := SafeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Errorf("SafeNext(%q) = %q: not a path on this site", next, got)
		}
		if got != "/" && got != next {
			t.Errorf("SafeNext(%q) = %q: changed a safe path", next, got)
		}
	})
}

func FuzzDecodeData(f *testing.F) {
	var good bytes.Buffer
	m := map[string]any{"visits": int64(3), "last_visit": "2026-11-27T10:00:00Z", "_auth_user_id": uint64(7), "_auth_is_staff": true}
	_ = gob.NewEncoder(&good).Encode(&m)
	f.Add(good.Bytes())
	f.Add([]byte{})
	f.Add([]byte("not gob at all"))
	f.Add(good.Bytes()[:good.Len()/2])
	f.Fuzz(func(t *testing.T, raw []byte) {
		data, err := DecodeData(raw)
		if err == nil && data == nil {
			t.Error("no error and no data")
		}
	})
}

func FuzzDevice(f *testing.F) {
	for _, ua := range []string{"", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "curl/8.5.0", "\xff\xfe", strings.Repeat("(", 300)} {
		f.Add(ua)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		if d := Device(ua); d == "" {
			t.Errorf("Device(%q) is empty", ua)
		}
	})
}

func FuzzCSRFToken(f *testing.F) {
	tokens := signedTokens{key: []byte("fuzz key")}
	f.Add(tokens.generate())
	f.Add("forged.token")
	f.Add("")
	f.Add(".")
	f.Fuzz(func(t *testing.T, token string) {
		if tokens.valid(token) && !utf8.ValidString(token) {
			t.Errorf("an invalid string passed as a token: %q", token)
		}
		raw, _ := tokens.Get(token)
		if (raw != nil) != tokens.valid(token) {
			t.Error("Get disagrees with valid")
		}
	})
}
