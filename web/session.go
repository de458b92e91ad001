package web

import (
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
)

// SessionCookie is the name of the session cookie, as in Django.
const SessionCookie = "sessionid"

// SessionPolicy is what the current settings say about new saves.
type SessionPolicy struct {
	// CookieAge is how long a saved session lives.
	CookieAge time.Duration
	// ExpireAtBrowserClose sends the cookie without Max-Age/Expires.
	ExpireAtBrowserClose bool
	// SaveEveryRequest slides the expiry on every request, as Django's
	// SESSION_SAVE_EVERY_REQUEST does.
	SaveEveryRequest bool
}

// Sessions loads and saves server-side sessions through Fiber's session
// middleware. A session is read only when a handler asks for it and written
// only when a handler changed it.
type Sessions struct {
	persistent *session.Store
	browser    *session.Store
	storage    fiber.Storage
	policy     func() SessionPolicy
	log        *slog.Logger
}

// SessionsConfig configures NewSessions.
type SessionsConfig struct {
	// Storage is where session rows live (gofiber/storage/mysql).
	Storage fiber.Storage
	// Policy returns the session settings in force now.
	Policy func() SessionPolicy
	// Secure marks the cookie Secure (behind HTTPS).
	Secure bool
	// Log receives warnings about unreadable sessions.
	Log *slog.Logger
}

// NewSessions builds the session layer.
func NewSessions(cfg SessionsConfig) *Sessions {
	base := session.Config{
		Storage:        cfg.Storage,
		KeyLookup:      "cookie:" + SessionCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   cfg.Secure,
		CookieSameSite: "Lax",
		KeyGenerator:   NewSessionKey,
	}
	browser := base
	browser.CookieSessionOnly = true
	return &Sessions{
		persistent: session.New(base),
		browser:    session.New(browser),
		storage:    cfg.Storage,
		policy:     cfg.Policy,
		log:        cfg.Log,
	}
}

// Policy returns the session settings in force now.
func (m *Sessions) Policy() SessionPolicy { return m.policy() }

// sessionLocal is the fiber.Ctx local that holds the request's *Session.
type sessionLocal struct{}

// Middleware attaches a lazily loaded Session to each request and, after
// the handlers ran, saves it if they changed it.
func (m *Sessions) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		s := &Session{c: c, m: m}
		c.Locals(sessionLocal{}, s)
		err := c.Next()
		if saveErr := s.commit(); saveErr != nil {
			if err == nil {
				return saveErr
			}
			m.log.Error("session save failed after a handler error", "err", saveErr.Error())
		}
		return err
	}
}

// SessionOf returns the request's session; Middleware must have run.
func SessionOf(c *fiber.Ctx) *Session {
	s, ok := c.Locals(sessionLocal{}).(*Session)
	if !ok {
		panic("web: SessionOf called without the session middleware")
	}
	return s
}

// Session is one request's view of its server-side session.
type Session struct {
	c         *fiber.Ctx
	m         *Sessions
	fs        *session.Session
	loaded    bool
	dirty     bool
	destroyed bool
}

// load reads the session from storage on first use.
func (s *Session) load() error {
	if s.loaded {
		return nil
	}
	store := s.m.persistent
	if s.m.policy().ExpireAtBrowserClose {
		store = s.m.browser
	}
	fs, err := store.Get(s.c)
	if err != nil {
		fs, err = s.recover(store, err)
		if err != nil {
			return err
		}
	}
	s.fs = fs
	s.loaded = true
	return nil
}

// recover handles a failed load: a storage error is returned as it is; a
// row that cannot be decoded is logged, deleted and replaced by a new
// empty session.
func (s *Session) recover(store *session.Store, loadErr error) (*session.Session, error) {
	id := s.c.Cookies(SessionCookie)
	if _, err := s.m.storage.Get(id); err != nil {
		return nil, fmt.Errorf("web: load session: %w", err)
	}
	s.m.log.Warn("corrupt session data, starting a new session", "session", KeyHash(id), "err", loadErr.Error())
	if err := s.m.storage.Delete(id); err != nil {
		return nil, fmt.Errorf("web: delete corrupt session: %w", err)
	}
	s.c.Request().Header.DelCookie(SessionCookie)
	fs, err := store.Get(s.c)
	if err != nil {
		return nil, fmt.Errorf("web: new session: %w", err)
	}
	return fs, nil
}

// HasCookie tells whether the browser sent a session cookie at all, so a
// page can skip loading a session that cannot exist.
func (s *Session) HasCookie() bool {
	return s.c.Cookies(SessionCookie) != ""
}

// Get returns a value, or nil when absent.
func (s *Session) Get(key string) (any, error) {
	if !s.HasCookie() && !s.loaded {
		return nil, nil
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s.fs.Get(key), nil
}

// String returns a string value, "" when absent or of another type.
func (s *Session) String(key string) (string, error) {
	v, err := s.Get(key)
	str, _ := v.(string)
	return str, err
}

// Int returns an integer value and whether it was present as one.
func (s *Session) Int(key string) (int64, bool, error) {
	v, err := s.Get(key)
	if err != nil {
		return 0, false, err
	}
	switch n := v.(type) {
	case int:
		return int64(n), true, nil
	case int64:
		return n, true, nil
	case uint64:
		return int64(n), true, nil
	}
	return 0, false, nil
}

// Set stores a value; only basic types (strings, numbers, booleans) may go
// into a session, since it is gob-encoded.
func (s *Session) Set(key string, value any) error {
	if err := s.load(); err != nil {
		return err
	}
	s.fs.Set(key, value)
	s.dirty = true
	return nil
}

// Delete removes a key.
func (s *Session) Delete(key string) error {
	if err := s.load(); err != nil {
		return err
	}
	if s.fs.Get(key) != nil {
		s.fs.Delete(key)
		s.dirty = true
	}
	return nil
}

// Data returns a copy of the session's data, sorted keys included.
func (s *Session) Data() (map[string]any, []string, error) {
	if !s.HasCookie() && !s.loaded {
		return map[string]any{}, nil, nil
	}
	if err := s.load(); err != nil {
		return nil, nil, err
	}
	keys := s.fs.Keys()
	sort.Strings(keys)
	data := make(map[string]any, len(keys))
	for _, k := range keys {
		data[k] = s.fs.Get(k)
	}
	return data, keys, nil
}

// Exists tells whether the session is stored (not fresh).
func (s *Session) Exists() (bool, error) {
	if !s.HasCookie() {
		return false, nil
	}
	if err := s.load(); err != nil {
		return false, err
	}
	return !s.fs.Fresh(), nil
}

// ID returns the session key; it must never be shown or logged in full.
func (s *Session) ID() (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	return s.fs.ID(), nil
}

// Rotate gives the session a new key and deletes the old row, keeping the
// data, as at login. The session is saved at the end of the request.
func (s *Session) Rotate() error {
	if err := s.load(); err != nil {
		return err
	}
	if err := s.fs.Regenerate(); err != nil {
		return fmt.Errorf("web: rotate session: %w", err)
	}
	s.dirty = true
	return nil
}

// Destroy deletes the session row and expires the cookie, as at logout.
func (s *Session) Destroy() error {
	if err := s.load(); err != nil {
		return err
	}
	if err := s.fs.Destroy(); err != nil {
		return fmt.Errorf("web: destroy session: %w", err)
	}
	s.destroyed = true
	return nil
}

// commit saves the session if a handler changed it, or if the settings ask
// for a save on every request and the session exists.
func (s *Session) commit() error {
	if !s.loaded || s.destroyed {
		return nil
	}
	policy := s.m.policy()
	if !s.dirty && !(policy.SaveEveryRequest && !s.fs.Fresh()) {
		return nil
	}
	s.fs.SetExpiry(policy.CookieAge)
	if err := s.fs.Save(); err != nil {
		return fmt.Errorf("web: save session: %w", err)
	}
	s.loaded, s.fs = false, nil
	return nil
}
