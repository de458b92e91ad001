package admin

import (
	"testing"
	"unicode/utf8"

	"rango/web"
)

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"1764237600.0123456789abcdef", "", ".", "-1.0123456789abcdef", "99999999999999999999.0123456789abcdef", "1.XYZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c := parseCursor(s); c != nil && !web.ValidKeyHash(c.Hash) {
			t.Errorf("parseCursor(%q) accepted hash %q", s, c.Hash)
		}
	})
}

func FuzzCleanParam(f *testing.F) {
	for _, s := range []string{"alice", " 10.0.", "\xff\xfeabc", "' OR 1=1 --", "日本語日本語"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			return
		}
		got := cleanParam(s, max)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max {
			t.Errorf("cleanParam(%q, %d) = %q", s, max, got)
		}
	})
}

func FuzzDecodeData(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x0e\xff\x81\x04\x01\x02\xff\x82\x00\x01\x0c\x01\x10\x00\x00"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rows, err := decodeData(raw)
		if err == nil {
			for _, r := range rows {
				if isSensitive(r.Key) && !r.Masked {
					t.Errorf("sensitive key %q not masked", r.Key)
				}
			}
		}
	})
}
