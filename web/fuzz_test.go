package web

import (
	"bytes"
	"encoding/gob"
	"net/url"
	"strings"
	"testing"
)

// browserTarget resolves next against https://rango.example/ the way a
// browser reads a Location or HX-Redirect (WHATWG URL parsing): leading and
// trailing C0 controls and spaces are stripped, tabs and newlines removed
// anywhere, and a backslash is a slash.
func browserTarget(next string) (*url.URL, error) {
	next = strings.TrimFunc(next, func(r rune) bool { return r <= ' ' })
	next = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(next)
	ref, err := url.Parse(next)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse("https://rango.example/")
	return base.ResolveReference(ref), nil
}

// safeNextSeeds are redirect targets that browsers, not Go, read as
// another site (or that must otherwise be refused).
var safeNextSeeds = []string{
	"/", "/restricted", "//evil.example", "/\\evil", "https://evil.example/", "/a\r\nb", "", "/ok?x=1#y", "\\\\x",
	"\t", "\n", "\r", "%09", "/\t/", "/%5c", "\\", "/\t/evil.example/", "/%09/evil.example/", " /evil", "/\x00/evil",
	"/\u00a0/evil", "/\u2028/evil", "\x7f", "/%2F/evil.example", "/ok\xff",
}

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/", "/"},
		{"/restricted", "/restricted"},
		{"/category/python?x=1#top", "/category/python?x=1#top"},
		{"/search?q=a%20b", "/search?q=a%20b"},
		{"", "/"},
		{"//evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"/\t/evil.example/", "/"},
		{"/\n/evil.example/", "/"},
		{"/\r/evil.example/", "/"},
		{"/ /evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"\\\\evil.example/", "/"},
		{"/%09/evil.example/", "/"},
		{"/%5c/evil.example/", "/"},
		{"/%2F/evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"restricted", "/"},
		{"/ok\xff", "/"},
	} {
		if got := SafeNext(tc.next); got != tc.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range safeNextSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := SafeNext(next)
		if got != "/" && got != next {
			t.Fatalf("SafeNext(%q) = %q: changed a safe path", next, got)
		}
		target, err := browserTarget(got)
		if err != nil || target.Scheme != "https" || target.Host != "rango.example" {
			t.Errorf("SafeNext(%q) = %q, which a browser loads as %v (%v): not this site", next, got, target, err)
		}
		if strings.ContainsAny(got, "\\\t\r\n ") || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
			t.Fatalf("SafeNext(%q) = %q: not a plain path", next, got)
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
	other := signedTokens{key: []byte("another key")}
	f.Add(tokens.generate())
	f.Add(other.generate())
	f.Add("forged.token")
	f.Add("")
	f.Add(".")
	f.Fuzz(func(t *testing.T, token string) {
		valid := tokens.valid(token)
		nonce, _, _ := strings.Cut(token, ".")
		// Only what this key signed passes: a nonce, a dot, its signature.
		if valid && token != nonce+"."+tokens.sign(nonce) {
			t.Errorf("a token this key did not sign passed: %q", token)
		}
		// Forgeries fail: signed with another key, or with its signature changed.
		if forged := nonce + "." + other.sign(nonce); tokens.valid(forged) {
			t.Errorf("a token signed with another key passed: %q", forged)
		}
		if valid {
			sig := []byte(token[len(nonce)+1:])
			sig[len(sig)-1] ^= 1
			if tampered := nonce + "." + string(sig); tokens.valid(tampered) {
				t.Errorf("a token with a changed signature passed: %q", tampered)
			}
		}
		if genuine := nonce + "." + tokens.sign(nonce); len(genuine) <= 100 && !tokens.valid(genuine) {
			t.Errorf("a token this key signed was refused: %q", genuine)
		}
		raw, _ := tokens.Get(token)
		if (raw != nil) != valid {
			t.Error("Get disagrees with valid")
		}
	})
}

func TestValidKeyHash(t *testing.T) {
	if h := KeyHash(NewSessionKey()); !ValidKeyHash(h) {
		t.Errorf("ValidKeyHash(%q) = false for a real hash", h)
	}
	for _, s := range []string{"", "0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF", "0123456789abcdeg", "0123456789abcde\n", "0123456789abcdé"} {
		if ValidKeyHash(s) {
			t.Errorf("ValidKeyHash(%q) = true", s)
		}
	}
}
