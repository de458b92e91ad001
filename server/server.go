// Package server assembles Rango from its parts: the database store, the
// runtime settings, the session storage and layer, the site and the admin
// panel. main uses it to serve; the tests use it to run the real thing.
package server

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	mysqlstorage "github.com/gofiber/storage/mysql/v2"

	"rango/admin"
	"rango/app"
	"rango/config"
	"rango/metrics"
	"rango/models"
	"rango/settings"
	"rango/web"
)

// Server is an assembled Rango instance.
type Server struct {
	// Fiber is the HTTP application.
	Fiber *fiber.App
	// Store is the database store.
	Store *models.Store
	// Settings are the live runtime settings.
	Settings *settings.Live
	// Sessions is the session layer.
	Sessions *web.Sessions
	// Metrics are the instance's Prometheus metrics, nil when the
	// configuration has no metrics address.
	Metrics *metrics.Metrics

	cancel context.CancelFunc
}

// New builds a server on an open, migrated store. It loads the sample data
// into an empty database if the configuration asks for it.
func New(ctx context.Context, cfg config.Config, store *models.Store, log *slog.Logger) (*Server, error) {
	if cfg.SampleData {
		if err := LoadSampleIfEmpty(ctx, store); err != nil {
			return nil, err
		}
	}
	secret := string(cfg.SecretKey)
	if secret == "" {
		var err error
		if secret, err = store.EnsureSecretKey(ctx); err != nil {
			return nil, fmt.Errorf("server: secret key: %w", err)
		}
	}
	live, err := settings.NewLive(ctx, store, settings.Values{
		SessionCookieAge: cfg.SessionCookieAge,
		VisitInterval:    cfg.VisitInterval,
	}, log)
	if err != nil {
		return nil, err
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		return nil, err
	}
	// The table exists (models.Migrate made it), so New only checks it;
	// it must get the already-open pool: on its own it would open one with
	// a one-second connection lifetime, and panic if the database is down.
	storage, err := newStorage(mysqlstorage.Config{Db: sqlDB, Table: "sessions", GCInterval: storageGCOff})
	if err != nil {
		return nil, err
	}
	// The rate limiters count in rate_limits themselves (an atomic upsert,
	// see models.AddHit); the storage only sweeps the expired counts.
	if _, err := newStorage(mysqlstorage.Config{Db: sqlDB, Table: "rate_limits", GCInterval: cfg.SessionGCInterval}); err != nil {
		return nil, err
	}
	proxies, err := web.NewProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	sessions := web.NewSessions(web.SessionsConfig{
		Storage: web.SessionStorage{Storage: storage, Store: store,
			Limits: func() models.SessionLimits { return live.Current().SessionLimits() }},
		Store:  store,
		Secure: cfg.SecureCookies,
		Log:    log,
		Policy: func() web.SessionPolicy {
			v := live.Current()
			return web.SessionPolicy{CookieAge: v.SessionCookieAge, ExpireAtBrowserClose: v.SessionExpireAtBrowserClose,
				SaveEveryRequest: v.SessionSaveEveryRequest, BrowserLifetime: v.SessionBrowserLifetime}
		},
	})
	deps := app.Deps{Log: log, Store: store, Sessions: sessions, Settings: live, SecretKey: secret,
		SecureCookies: cfg.SecureCookies, Proxies: proxies,
		PageCacheTTL: cfg.PageCacheTTL, PageTimeout: cfg.PageTimeout,
		Turns: web.NewTurns(cmp.Or(cfg.MaxActiveRequests, app.DefaultMaxActiveRequests()))}
	var m *metrics.Metrics
	if cfg.MetricsAddr != "" {
		if m, err = metrics.New(store); err != nil {
			return nil, err
		}
		deps.Metrics = m.Middleware()
		if err := m.WatchTurns(deps.Turns); err != nil {
			return nil, err
		}
	}
	f, _, err := app.New(deps)
	if err != nil {
		return nil, err
	}
	admin.New(admin.Deps{Log: log, Store: store, Settings: live}).Register(f.Group("/admin", web.NoStore, web.RequireStaff(store)))
	watchCtx, cancel := context.WithCancel(context.Background())
	go live.Watch(watchCtx, cfg.SettingsRefresh)
	go sweep(watchCtx, store, live, cfg.SessionGCInterval, log)
	return &Server{Fiber: f, Store: store, Settings: live, Sessions: sessions, Metrics: m, cancel: cancel}, nil
}

// newStorage is mysqlstorage.New, which panics when the database fails
// (down for a moment, or a Galera node that lost its quorum), with the
// panic turned into an error: start-up then exits with a message.
func newStorage(cfg mysqlstorage.Config) (st *mysqlstorage.Storage, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("server: %s storage: %v", cfg.Table, r)
		}
	}()
	return mysqlstorage.New(cfg), nil
}

// Close stops the background work and the HTTP server (waiting up to
// timeout for requests in flight). It leaves the store open.
func (s *Server) Close(timeout time.Duration) error {
	s.cancel()
	if err := s.Fiber.ShutdownWithTimeout(timeout); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// LoadSampleIfEmpty loads the tutorial's sample data into a database that
// has no categories; instances starting at once load it once.
func LoadSampleIfEmpty(ctx context.Context, store *models.Store) error {
	n, err := store.CountCategories(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return store.LoadSampleData(ctx)
}
