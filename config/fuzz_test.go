package config

import (
	"strings"
	"testing"
)

func FuzzNormalizeDSN(f *testing.F) {
	for _, s := range []string{"root@tcp(127.0.0.1:3306)/rango", "u:p@tcp(db:3306)/x?parseTime=false", "not a dsn", "/", "@/", "root@unix(/tmp/sock)/db?charset=latin1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		out, err := NormalizeDSN(dsn)
		if err != nil {
			return
		}
		for _, opt := range []string{"interpolateParams", "parseTime"} {
			if !strings.Contains(dsn, opt+"=") && !strings.Contains(out, opt+"=true") {
				t.Errorf("NormalizeDSN(%q) = %q does not turn on %s", dsn, out, opt)
			}
		}
	})
}
