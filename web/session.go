package web

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"rango/models"
)

// SessionCookie is the name of the session cookie, as in Django; behind
// HTTPS it is SecureSessionCookie, whose __Host- prefix makes browsers
// refuse it unless it is Secure, for the whole host and from HTTPS.
const (
	SessionCookie       = "sessionid"
	SecureSessionCookie = "__Host-sessionid"
)

// touchEvery is how often a session's last-seen time is written at most.
const touchEvery = time.Minute

// touchedSize bounds how many recently touched sessions an instance
// remembers; past it, the oldest are touched again a little early.
const touchedSize = 100000

// SessionPolicy is what the current settings say about sessions.
type SessionPolicy struct {
	// CookieAge is how long a saved session lives.
	CookieAge time.Duration
	// ExpireAtBrowserClose sends the cookie without Max-Age/Expires.
	ExpireAtBrowserClose bool
	// SaveEveryRequest slides the expiry on every request, as Django's
	// SESSION_SAVE_EVERY_REQUEST does.
	SaveEveryRequest bool
	// BrowserLifetime is how long the server keeps a session its user
	// chose not to keep (see Persistence) after its last activity; 0
	// means CookieAge.
	BrowserLifetime time.Duration
}

// Persistence is whether a login's session outlives the browser: the
// "Keep me signed in" box of the login form, recorded in the session.
type Persistence int

// The choices of Persistence.
const (
	// SitePersistence asks nothing: the site's settings decide (a
	// persistent cookie of the cookie age, unless ExpireAtBrowserClose).
	SitePersistence Persistence = iota
	// BrowserLength ends with the browser: the cookie has no Max-Age, and
	// the server keeps the session BrowserLifetime after its last
	// activity.
	BrowserLength
	// KeptSignedIn keeps the session for the cookie age, unless the site
	// forces browser-length sessions (ExpireAtBrowserClose).
	KeptSignedIn
)

// lifetime is how a session with data d lives under the policy: its
// cookie's Max-Age (0: the cookie ends with the browser), how long the
// server keeps it after this save, and whether activity slides that.
func (p SessionPolicy) lifetime(d Data) (maxAge int, server time.Duration, sliding bool) {
	if keep, ok := d[keyKeep].(bool); ok && !keep {
		server = p.BrowserLifetime
		if server <= 0 {
			server = p.CookieAge
		}
		return 0, server, true
	}
	if p.ExpireAtBrowserClose {
		return 0, p.CookieAge, false
	}
	return int(p.CookieAge / time.Second), p.CookieAge, false
}

// BrowserLength tells whether the session's cookie ends with the browser
// (no Max-Age), by the user's choice or the site's settings.
func (s *Session) BrowserLength() (bool, error) {
	if err := s.load(); err != nil {
		return false, err
	}
	maxAge, _, _ := s.m.policy().lifetime(s.data)
	return maxAge == 0, nil
}

// ChoseBrowserLength tells whether the user chose, at login, a session
// that ends with the browser ("Keep me signed in" left unticked).
func ChoseBrowserLength(d Data) bool {
	keep, ok := d[keyKeep].(bool)
	return ok && !keep
}

// Data is a session's data: gob-encoded, so only basic types (strings,
// integers, booleans) go in.
type Data map[string]any

// Change edits session data and reports whether it changed anything.
type Change func(Data) bool

// Sessions is Rango's session layer. Fiber's session middleware (on
// gofiber/storage/mysql) finds the key in the cookie, makes new keys,
// loads and decodes a session, and deletes one. Writes are Rango's own,
// because Fiber's Save writes the whole map it read at the start of the
// request: two requests of one browser at once would overwrite each other.
// Here a request records its changes as functions, and the save re-applies
// them to the row as it is now, under a row lock. A session is read only
// when a handler asks for it and written only when a handler changed it.
type Sessions struct {
	fiber   *session.Store
	name    string
	storage SessionBackend
	store   *models.Store
	writes  *writeQueue
	policy  func() SessionPolicy
	secure  bool
	log     *slog.Logger
	// touched holds the sessions this instance recorded activity for in
	// the last touchEvery; entries expire by themselves, and the size
	// bound keeps memory flat however many sessions pass.
	touched *expirable.LRU[string, struct{}]
}

// SessionBackend reads and deletes stored sessions within a request's
// context: SessionStorage, or a test's wrapper of it.
type SessionBackend interface {
	GetWithContext(ctx context.Context, key string) ([]byte, error)
	DeleteWithContext(ctx context.Context, key string) error
}

// SessionsConfig configures NewSessions.
type SessionsConfig struct {
	// Storage reads and deletes session rows (SessionStorage).
	Storage SessionBackend
	// Store writes sessions with their metadata.
	Store *models.Store
	// Policy returns the session settings in force now.
	Policy func() SessionPolicy
	// Secure marks the cookie Secure (behind HTTPS).
	Secure bool
	// Log receives warnings about unreadable sessions.
	Log *slog.Logger
}

// NewSessions builds the session layer.
func NewSessions(cfg SessionsConfig) *Sessions {
	name := SessionCookie
	if cfg.Secure {
		name = SecureSessionCookie
	}
	return &Sessions{
		name: name,
		fiber: session.New(session.Config{
			// Each load reads through a copy of this store bound to its
			// request's context (see Session.fiberSession).
			Storage:        requestStorage{ctx: context.Background(), storage: cfg.Storage},
			KeyLookup:      "cookie:" + name,
			CookiePath:     "/",
			CookieHTTPOnly: true,
			CookieSecure:   cfg.Secure,
			CookieSameSite: "Lax",
			KeyGenerator:   NewSessionKey,
		}),
		storage: cfg.Storage,
		store:   cfg.Store,
		writes:  newWriteQueue(),
		touched: expirable.NewLRU[string, struct{}](touchedSize, nil, touchEvery),
		policy:  cfg.Policy,
		secure:  cfg.Secure,
		log:     cfg.Log,
	}
}

// ForgetTouches forgets which sessions this instance recorded activity for
// lately, so that each records its next request's; for tests that move a
// session's last-seen time.
func (m *Sessions) ForgetTouches() { m.touched.Purge() }

// CookieName is the session cookie's name.
func (m *Sessions) CookieName() string { return m.name }

// Policy returns the session settings in force now.
func (m *Sessions) Policy() SessionPolicy { return m.policy() }

// sessionLocal is the fiber.Ctx local that holds the request's *Session.
type sessionLocal struct{}

// Middleware attaches a lazily loaded Session to each request and, after
// the handlers ran, saves what they changed.
func (m *Sessions) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if key := c.Cookies(m.name); key != "" && !ValidSessionKey(key) {
			// Not a key Rango makes: no session, and no query for it.
			c.Request().Header.DelCookie(m.name)
		}
		s := &Session{c: c, m: m}
		c.Locals(sessionLocal{}, s)
		err := c.Next()
		defer s.afterRequest()
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
	c       *fiber.Ctx
	m       *Sessions
	loaded  bool
	loadErr error // a failed load, reported again rather than retried
	// ended is why the session the browser presented was ended
	// (models.Ended*), when its key names no session and a record says;
	// endedShown tells that a page showed it.
	ended      string
	endedShown bool
	key        string
	stored     bool // a row existed when the session was loaded
	data       Data
	changes    []Change
	rotated    bool
	destroyed  bool
}

// load reads the session on first use. Without a cookie there is nothing
// to read and no query is made. A failed read is remembered: the request
// reports it wherever it asks for the session again, never as a
// logged-out visitor.
func (s *Session) load() error {
	if s.loaded {
		return nil
	}
	if s.loadErr != nil {
		return s.loadErr
	}
	fs, err := s.fiberSession()
	if err != nil {
		s.loadErr = err
		return err
	}
	s.key, s.stored = fs.ID(), !fs.Fresh()
	s.data = Data{}
	for _, k := range fs.Keys() {
		s.data[k] = fs.Get(k)
	}
	s.loaded = true
	if !s.stored && s.HasCookie() {
		s.ended = s.endedReason()
	}
	return nil
}

// endedReason looks up why the key the browser presented names no
// session: only then, never on a normal page view. A failed look-up is
// no reason: the visitor is anonymous either way.
func (s *Session) endedReason() string {
	reason, err := s.m.store.EndedReason(s.c.UserContext(), KeyHash(s.c.Cookies(s.m.name)))
	if err != nil {
		s.m.log.Warn("looking up an ended session failed", "err", err.Error())
	}
	return reason
}

// EndedMessage returns, once, the message that tells the visitor why the
// session their browser presented was ended ("An administrator ended your
// session"), or "". A page that shows it calls this; otherwise the next
// page shows it.
func (s *Session) EndedMessage() string {
	if s.ended == "" || s.endedShown {
		return ""
	}
	s.endedShown = true
	return flashMessages[endedFlash+s.ended]
}

// endedFlash prefixes the flash codes of the reasons a session ended.
const endedFlash = "ended_"

// afterRequest tidies up a browser whose key names no session: the next
// page says why it was ended if this one did not, and the stale cookie
// goes (unless the request saved a new session), so that the key is
// looked up once.
func (s *Session) afterRequest() {
	if !s.loaded || s.stored || !s.HasCookie() {
		return
	}
	if s.ended != "" && !s.endedShown {
		SetFlash(s.c, endedFlash+s.ended)
	}
	if len(s.c.Response().Header.PeekCookie(s.m.name)) == 0 {
		s.setCookie("", -1)
	}
}

// fiberSession has Fiber's session middleware find the key in the cookie
// and load and decode the session, reading within the request's deadline
// (a shallow copy of the store, bound to this request's context).
func (s *Session) fiberSession() (*session.Session, error) {
	store := *s.m.fiber
	store.Storage = requestStorage{ctx: s.c.UserContext(), storage: s.m.storage}
	fs, err := store.Get(s.c)
	if err != nil {
		return s.recover(&store, err)
	}
	return fs, nil
}

// recover handles a failed load: a storage error is returned as it is (a
// database under strain must not cost anyone their session); a row that
// cannot be decoded is logged, deleted and replaced by a new empty session.
func (s *Session) recover(store *session.Store, loadErr error) (*session.Session, error) {
	var storageErr *StorageError
	if errors.As(loadErr, &storageErr) {
		return nil, fmt.Errorf("web: load session: %w", loadErr)
	}
	id := s.c.Cookies(s.m.name)
	s.m.log.Warn("corrupt session data, starting a new session", "session", KeyHash(id), "err", loadErr.Error())
	if err := s.m.storage.DeleteWithContext(s.c.UserContext(), id); err != nil {
		return nil, fmt.Errorf("web: delete corrupt session: %w", err)
	}
	s.c.Request().Header.DelCookie(s.m.name)
	fs, err := store.Get(s.c)
	if err != nil {
		return nil, fmt.Errorf("web: new session: %w", err)
	}
	return fs, nil
}

// Err returns the error of a failed load, or nil.
func (s *Session) Err() error { return s.loadErr }

// HasCookie tells whether the browser sent a session cookie at all.
func (s *Session) HasCookie() bool {
	return s.c.Cookies(s.m.name) != ""
}

// SentKeyHash returns the hash (see KeyHash) of the session key the
// browser sent, or "" if it sent none; the key may name no stored session.
func (s *Session) SentKeyHash() string {
	if key := s.c.Cookies(s.m.name); key != "" {
		return KeyHash(key)
	}
	return ""
}

// Get returns a value, or nil when absent.
func (s *Session) Get(key string) (any, error) {
	if !s.HasCookie() && !s.loaded {
		return nil, nil
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s.data[key], nil
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
	n, ok := AsInt(v)
	return n, ok, nil
}

// AsInt reads an integer of any of the types gob may give back.
func AsInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case uint64:
		return int64(n), true
	}
	return 0, false
}

// Update applies change to the session now, and again to the stored data
// at the end of the request, under a row lock, so that concurrent requests
// of one browser never undo each other's changes. change must be
// deterministic given the data: it runs twice.
func (s *Session) Update(change Change) error {
	if err := s.load(); err != nil {
		return err
	}
	if change(s.data) {
		s.changes = append(s.changes, change)
	}
	return nil
}

// Set stores a value; only basic types (strings, numbers, booleans) may go
// into a session, since it is gob-encoded.
func (s *Session) Set(key string, value any) error {
	return s.Update(func(d Data) bool {
		if old, ok := d[key]; ok && old == value {
			return false
		}
		d[key] = value
		return true
	})
}

// Delete removes a key.
func (s *Session) Delete(key string) error {
	return s.Update(func(d Data) bool {
		if _, ok := d[key]; !ok {
			return false
		}
		delete(d, key)
		return true
	})
}

// Data returns a copy of the session's data and its sorted keys.
func (s *Session) Data() (Data, []string, error) {
	if !s.HasCookie() && !s.loaded {
		return Data{}, nil, nil
	}
	if err := s.load(); err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, len(s.data))
	out := make(Data, len(s.data))
	for k, v := range s.data {
		keys = append(keys, k)
		out[k] = v
	}
	sort.Strings(keys)
	return out, keys, nil
}

// Exists tells whether the session is stored.
func (s *Session) Exists() (bool, error) {
	if !s.HasCookie() {
		return false, nil
	}
	if err := s.load(); err != nil {
		return false, err
	}
	return s.stored, nil
}

// ID returns the session key; it must never be shown or logged in full.
func (s *Session) ID() (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	return s.key, nil
}

// Rotate gives the session a new key and deletes the old row, keeping the
// data, as at login. The session is saved under the new key at the end of
// the request.
func (s *Session) Rotate() error {
	if err := s.load(); err != nil {
		return err
	}
	if s.stored {
		if err := s.m.storage.DeleteWithContext(s.c.UserContext(), s.key); err != nil {
			return fmt.Errorf("web: rotate session: %w", err)
		}
	}
	s.key, s.stored, s.rotated = NewSessionKey(), false, true
	return nil
}

// Destroy deletes the session row and expires the cookie, as at logout.
func (s *Session) Destroy() error {
	if err := s.load(); err != nil {
		return err
	}
	if err := s.m.storage.DeleteWithContext(s.c.UserContext(), s.key); err != nil {
		return fmt.Errorf("web: destroy session: %w", err)
	}
	s.destroyed, s.data, s.changes = true, Data{}, nil
	s.setCookie("", -1)
	return nil
}

// commit writes the request's changes: a new session is inserted whole
// with its metadata; a stored one gets the changes re-applied under a row
// lock, in a batch with the other writes of the same session pending in
// this instance (see writeQueue). Without changes it only records
// activity, at most once a minute (or on every request when the settings
// say so).
func (s *Session) commit() error {
	if !s.loaded || s.destroyed {
		return nil
	}
	policy := s.m.policy()
	ctx := s.c.UserContext()
	switch {
	case !s.stored && (len(s.changes) > 0 || s.rotated):
		_, life, _ := policy.lifetime(s.data)
		if err := s.insert(ctx, time.Now().Add(life)); err != nil {
			return err
		}
	case s.stored && len(s.changes) > 0:
		err := s.m.submitWrite(ctx, s.key, &sessionWrite{changes: s.changes})
		if errors.Is(err, models.ErrSessionGone) {
			return nil // logged out or cleared meanwhile: it stays gone
		}
		if err != nil {
			return fmt.Errorf("web: save session: %w", err)
		}
	case s.stored:
		return s.touch(ctx, policy)
	default:
		return nil
	}
	s.m.touched.Add(s.key, struct{}{})
	maxAge, _, _ := policy.lifetime(s.data)
	s.setCookie(s.key, maxAge)
	return nil
}

func (s *Session) insert(ctx context.Context, expires time.Time) error {
	raw, err := EncodeData(s.data)
	if err != nil {
		return err
	}
	meta := models.SessionMeta{UserID: userIDOf(s.data), IP: ClientIP(s.c), UserAgent: s.c.Get(fiber.HeaderUserAgent)}
	if err := s.m.store.InsertSession(ctx, s.key, raw, expires, meta); err != nil {
		return fmt.Errorf("web: save new session: %w", err)
	}
	return nil
}

// touch records activity without a data change: with SaveEveryRequest the
// expiry slides on every request, as in Django; a browser-length session's
// expiry slides with its last-seen time; otherwise last_seen is written at
// most once a minute per session and instance. The session is marked as
// touched before the write, so that a burst of its requests writes once.
func (s *Session) touch(ctx context.Context, policy SessionPolicy) error {
	if !policy.SaveEveryRequest {
		if _, recent := s.m.touched.Peek(s.key); recent {
			return nil
		}
		s.m.touched.Add(s.key, struct{}{})
	}
	maxAge, life, sliding := policy.lifetime(s.data)
	w := &sessionWrite{slide: policy.SaveEveryRequest || sliding, expires: time.Now().Add(life)}
	err := s.m.submitWrite(ctx, s.key, w)
	if err != nil && !errors.Is(err, models.ErrSessionGone) {
		s.m.touched.Remove(s.key)
		return fmt.Errorf("web: touch session: %w", err)
	}
	if policy.SaveEveryRequest && err == nil && maxAge > 0 {
		s.setCookie(s.key, maxAge)
	}
	return nil
}

// commitBatch writes a batch of one session's pending writes in one go:
// their data changes re-applied, in the order their requests made them, to
// the row as it is now under its lock; or, for touches alone, the
// last-seen time (and the expiry, if one of them slides it).
func (m *Sessions) commitBatch(ctx context.Context, key string, batch []*sessionWrite) error {
	var changes []Change
	slide := false
	var expires time.Time
	for _, w := range batch {
		changes = append(changes, w.changes...)
		slide = slide || w.slide
		if w.expires.After(expires) {
			expires = w.expires
		}
	}
	if len(changes) == 0 {
		return m.store.TouchSession(ctx, key, touchEvery, expires, slide)
	}
	return m.store.UpdateSession(ctx, key, func(old []byte) (models.SessionUpdate, bool, error) {
		return m.reapply(key, old, changes)
	})
}

// reapply runs changes on the data as stored now; the session's new expiry
// follows from its data and the policy in force.
func (m *Sessions) reapply(key string, old []byte, changes []Change) (models.SessionUpdate, bool, error) {
	data, err := DecodeData(old)
	if err != nil {
		m.log.Warn("corrupt session data replaced on save", "session", KeyHash(key), "err", err.Error())
		data = Data{}
	}
	changed := false
	for _, change := range changes {
		changed = change(data) || changed
	}
	if !changed {
		return models.SessionUpdate{}, false, nil
	}
	raw, err := EncodeData(data)
	_, life, _ := m.policy().lifetime(data)
	return models.SessionUpdate{Data: raw, UserID: userIDOf(data), Expires: time.Now().Add(life)}, true, err
}

// userIDOf returns the logged-in user recorded in session data, or 0.
func userIDOf(d Data) uint64 {
	id, ok := AsInt(d[keyUserID])
	if !ok || id < 0 {
		return 0
	}
	return uint64(id)
}

// setCookie sends the session cookie; maxAge 0 makes it last until the
// browser closes, a negative one deletes it.
func (s *Session) setCookie(value string, maxAge int) {
	ck := &fiber.Cookie{Name: s.m.name, Value: value, Path: "/", HTTPOnly: true, Secure: s.m.secure, SameSite: "Lax"}
	switch {
	case maxAge < 0:
		ck.Expires, ck.MaxAge = time.Unix(1, 0), -1
	case maxAge > 0:
		ck.MaxAge, ck.Expires = maxAge, time.Now().Add(time.Duration(maxAge)*time.Second)
	}
	s.c.Cookie(ck)
}

// DecodeData decodes a stored session as Fiber's session middleware
// encodes it (a gob map). Corrupt bytes give an error, never a panic.
func DecodeData(raw []byte) (data Data, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("web: decode session: %v", r)
		}
	}()
	m := map[string]any{}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&m); err != nil {
		return nil, fmt.Errorf("web: decode session: %w", err)
	}
	return Data(m), nil
}

// EncodeData gob-encodes session data as Fiber's session middleware
// does, so that it loads what Rango writes.
func EncodeData(d Data) ([]byte, error) {
	var buf bytes.Buffer
	m := map[string]any(d)
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		return nil, fmt.Errorf("web: encode session: %w", err)
	}
	return buf.Bytes(), nil
}
