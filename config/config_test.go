package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	cfg, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8000" || cfg.DBWait != 30*time.Second || !cfg.SampleData || !cfg.Migrate || cfg.MetricsAddr != "" ||
		cfg.VisitInterval != 24*time.Hour || cfg.SessionCookieAge != 1209600*time.Second || cfg.SessionGCInterval != time.Minute {
		t.Errorf("defaults: %+v", cfg)
	}
	for _, want := range []string{"parseTime=true", "interpolateParams=true", "collation=utf8mb4_unicode_ci", "/rango"} {
		if !strings.Contains(cfg.DSN, want) {
			t.Errorf("DSN %q lacks %q", cfg.DSN, want)
		}
	}
}

func TestEnvAndFlags(t *testing.T) {
	cfg, err := Load([]string{"-addr", ":9000", "-visit-interval", "90s", "-max-active-requests", "12"}, env(map[string]string{
		"RANGO_ADDR": ":7000", "RANGO_DSN": "u:p@tcp(db:3306)/x?parseTime=false", "RANGO_DB_WAIT": "5",
		"RANGO_SAMPLE_DATA": "false", "RANGO_VISIT_INTERVAL": "60", "RANGO_SECRET_KEY": "s3cret",
		"RANGO_MAX_ACTIVE_REQUESTS": "40",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9000" || cfg.VisitInterval != 90*time.Second || cfg.DBWait != 5*time.Second || cfg.SampleData ||
		cfg.MaxActiveRequests != 12 {
		t.Errorf("got %+v", cfg)
	}
	if !strings.Contains(cfg.DSN, "parseTime=false") && strings.Contains(cfg.DSN, "parseTime=true") {
		t.Errorf("an explicit parseTime was overridden: %s", cfg.DSN)
	}
	if s := cfg.SecretKey.String(); s == "s3cret" {
		t.Error("the secret key prints in clear")
	}
}

func TestCommands(t *testing.T) {
	for args, want := range map[string]Command{
		"-seed": CommandSeed, "-clearsessions": CommandClearSessions, "-createadmin=ann": CommandCreateAdmin, "": CommandServe,
		"-migrate": CommandMigrate,
	} {
		var argv []string
		if args != "" {
			argv = []string{args}
		}
		cfg, err := Load(argv, env(nil), io.Discard)
		if err != nil || cfg.Command != want {
			t.Errorf("%q: command %q, err %v; want %q", args, cfg.Command, err, want)
		}
	}
	if _, err := Load([]string{"-seed", "-clearsessions"}, env(nil), io.Discard); err == nil {
		t.Error("two commands at once must be refused")
	}
	if _, err := Load([]string{"-migrate", "-seed"}, env(nil), io.Discard); err == nil {
		t.Error("-migrate with another command must be refused")
	}
}

func TestMigrateSetting(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want bool
	}{
		{"", nil, true},
		{"false", nil, false},
		{"0", nil, false},
		{"true", nil, true},
		{"false", []string{"-auto-migrate=true"}, true},
		{"", []string{"-auto-migrate=false"}, false},
	} {
		cfg, err := Load(tc.args, env(map[string]string{"RANGO_MIGRATE": tc.env}), io.Discard)
		if err != nil || cfg.Migrate != tc.want {
			t.Errorf("RANGO_MIGRATE=%q %v: Migrate %v, err %v; want %v", tc.env, tc.args, cfg.Migrate, err, tc.want)
		}
	}
	if _, err := Load(nil, env(map[string]string{"RANGO_MIGRATE": "later"}), io.Discard); err == nil {
		t.Error("RANGO_MIGRATE=later: no error")
	}
}

func TestInvalid(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"bad wait":        {"RANGO_DB_WAIT": "soon"},
		"bad bool":        {"RANGO_SAMPLE_DATA": "maybe"},
		"bad dsn":         {"RANGO_DSN": "not a dsn"},
		"no database":     {"RANGO_DSN": "root@tcp(127.0.0.1:3306)/"},
		"cookie age low":  {"RANGO_SESSION_COOKIE_AGE": "10"},
		"bad metrics":     {"RANGO_METRICS_ADDR": "9100"},
		"metrics on site": {"RANGO_METRICS_ADDR": "127.0.0.1:8000"},
		"active words":    {"RANGO_MAX_ACTIVE_REQUESTS": "many"},
		"active negative": {"RANGO_MAX_ACTIVE_REQUESTS": "-1"},
	} {
		if _, err := Load(nil, env(e), io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDSNGivenEmbeddedAndDefaultAddr(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantDSN string // a part of the normalised DSN, or all of it for embedded
		given   bool
	}{
		{"default", nil, nil, "tcp(127.0.0.1:3306)/rango", false},
		{"env", nil, map[string]string{"RANGO_DSN": "u@tcp(db:3306)/x"}, "tcp(db:3306)/x", true},
		{"flag", []string{"-dsn", "u@tcp(db:3306)/x"}, nil, "tcp(db:3306)/x", true},
		{"flag equal to the default", []string{"-dsn", "root@tcp(127.0.0.1:3306)/rango"}, nil, "tcp(127.0.0.1:3306)/rango", true},
		{"embedded flag", []string{"-dsn", "embedded"}, nil, DSNEmbedded, true},
		{"embedded env", nil, map[string]string{"RANGO_DSN": "embedded"}, DSNEmbedded, true},
		{"default addr", nil, map[string]string{"RANGO_DEFAULT_ADDR": "127.0.0.1:1"}, "tcp(127.0.0.1:1)/rango", false},
		{"dsn beats default addr", nil, map[string]string{"RANGO_DEFAULT_ADDR": "127.0.0.1:1", "RANGO_DSN": "u@tcp(db:3306)/x"}, "tcp(db:3306)/x", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.args, env(tc.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantDSN == DSNEmbedded && cfg.DSN != DSNEmbedded || !strings.Contains(cfg.DSN, tc.wantDSN) {
				t.Errorf("DSN %q, want %q", cfg.DSN, tc.wantDSN)
			}
			if cfg.DSNGiven != tc.given {
				t.Errorf("DSNGiven %v, want %v", cfg.DSNGiven, tc.given)
			}
		})
	}
}
