// Package settings keeps Rango's runtime settings, named after Django's
// where Django has them: the session cookie age, whether sessions end when
// the browser closes, whether every request saves the session, the visit
// interval, and OWASP's idle timeout and absolute lifetime of a session;
// and Rango's own: how long the server keeps a browser-length session.
// They live in the database, so they survive restarts and every app
// instance shares them; each instance re-reads them every few seconds.
package settings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"rango/models"
)

// Keys of the settings rows.
const (
	KeySessionCookieAge            = "session_cookie_age"
	KeySessionExpireAtBrowserClose = "session_expire_at_browser_close"
	KeySessionSaveEveryRequest     = "session_save_every_request"
	KeyVisitInterval               = "visit_interval"
	KeySessionIdleTimeout          = "session_idle_timeout"
	KeySessionAbsoluteLifetime     = "session_absolute_lifetime"
	KeySessionBrowserLifetime      = "session_browser_lifetime"
)

// Keys lists every setting in the order pages show them.
var Keys = []string{KeySessionCookieAge, KeySessionExpireAtBrowserClose, KeySessionBrowserLifetime,
	KeySessionSaveEveryRequest, KeySessionIdleTimeout, KeySessionAbsoluteLifetime, KeyVisitInterval}

// DefaultBrowserLifetime is the session_browser_lifetime where none is
// stored or configured.
const DefaultBrowserLifetime = 12 * time.Hour

// Bounds of the session cookie age, in seconds.
const (
	MinCookieAge = 60
	MaxCookieAge = 31536000
)

// Values are the settings in force.
type Values struct {
	SessionCookieAge            time.Duration
	SessionExpireAtBrowserClose bool
	SessionSaveEveryRequest     bool
	VisitInterval               time.Duration
	// SessionIdleTimeout ends sessions unused for this long; 0 is off.
	SessionIdleTimeout time.Duration
	// SessionAbsoluteLifetime ends sessions this long after they began,
	// however active; 0 is off.
	SessionAbsoluteLifetime time.Duration
	// SessionBrowserLifetime is how long the server keeps a browser-length
	// session (one whose user did not ask to be kept signed in) after its
	// last activity: its cookie ends when the browser closes, and an
	// abandoned one must not live the whole cookie age on the server.
	SessionBrowserLifetime time.Duration
}

// Range is the whole numbers of seconds a duration setting accepts.
type Range struct {
	Min, Max int64
	// Off allows 0 besides Min to Max: the limit is off.
	Off bool
}

// Ranges are the accepted values of the duration settings.
var Ranges = map[string]Range{
	KeySessionCookieAge:        {Min: MinCookieAge, Max: MaxCookieAge},
	KeyVisitInterval:           {Min: 0, Max: 10 * MaxCookieAge},
	KeySessionIdleTimeout:      {Min: 300, Max: MaxCookieAge, Off: true},
	KeySessionAbsoluteLifetime: {Min: 3600, Max: 10 * MaxCookieAge, Off: true},
	KeySessionBrowserLifetime:  {Min: 300, Max: MaxCookieAge},
}

// Contains tells whether n seconds is in the range.
func (r Range) Contains(n int64) bool {
	return (n >= r.Min && n <= r.Max) || (r.Off && n == 0)
}

// Message says what the range is, for a form.
func (r Range) Message() string {
	if r.Off {
		return fmt.Sprintf("Must be 0 (off) or between %d and %d seconds.", r.Min, r.Max)
	}
	return fmt.Sprintf("Must be between %d and %d seconds.", r.Min, r.Max)
}

// ParseSeconds reads the setting key as typed or stored: a whole number of
// seconds within its range. Otherwise it returns a message saying what is
// wanted; a number too large for a time.Duration is out of range, never
// wrapped round to a small one.
func ParseSeconds(key, s string) (time.Duration, string) {
	r := Ranges[key]
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, r.Message()
	}
	if err != nil {
		if r.Off {
			return 0, "Enter a whole number of seconds (0 turns it off)."
		}
		return 0, "Enter a whole number of seconds."
	}
	if !r.Contains(n) {
		return 0, r.Message()
	}
	return time.Duration(n) * time.Second, ""
}

// durations returns the duration settings of v by key.
func (v *Values) durations() map[string]*time.Duration {
	return map[string]*time.Duration{
		KeySessionCookieAge: &v.SessionCookieAge, KeyVisitInterval: &v.VisitInterval,
		KeySessionIdleTimeout: &v.SessionIdleTimeout, KeySessionAbsoluteLifetime: &v.SessionAbsoluteLifetime,
		KeySessionBrowserLifetime: &v.SessionBrowserLifetime,
	}
}

// withDefaults fills what a caller left zero and must not be: the
// browser-length sessions' lifetime.
func (v Values) withDefaults() Values {
	if v.SessionBrowserLifetime == 0 {
		v.SessionBrowserLifetime = DefaultBrowserLifetime
	}
	return v
}

// Validate checks the values are within their ranges.
func (v Values) Validate() map[string]string {
	errs := map[string]string{}
	for key, d := range v.durations() {
		if r := Ranges[key]; !r.Contains(int64(*d / time.Second)) {
			errs[key] = r.Message()
		}
	}
	return errs
}

// SessionLimits are the limits on sessions these values set.
func (v Values) SessionLimits() models.SessionLimits {
	return models.SessionLimits{CookieAge: v.SessionCookieAge, Idle: v.SessionIdleTimeout, Absolute: v.SessionAbsoluteLifetime}
}

// Rows returns the values as settings rows.
func (v Values) Rows() map[string]string {
	return map[string]string{
		KeySessionCookieAge:            strconv.FormatInt(int64(v.SessionCookieAge/time.Second), 10),
		KeySessionExpireAtBrowserClose: strconv.FormatBool(v.SessionExpireAtBrowserClose),
		KeySessionSaveEveryRequest:     strconv.FormatBool(v.SessionSaveEveryRequest),
		KeyVisitInterval:               strconv.FormatInt(int64(v.VisitInterval/time.Second), 10),
		KeySessionIdleTimeout:          strconv.FormatInt(int64(v.SessionIdleTimeout/time.Second), 10),
		KeySessionAbsoluteLifetime:     strconv.FormatInt(int64(v.SessionAbsoluteLifetime/time.Second), 10),
		KeySessionBrowserLifetime:      strconv.FormatInt(int64(v.SessionBrowserLifetime/time.Second), 10),
	}
}

// fromRows reads stored rows over the defaults; a malformed row keeps the
// default and is reported.
func fromRows(rows map[string]string, defaults Values) (Values, error) {
	v := defaults
	var errs []error
	seconds := func(key string, dst *time.Duration) {
		if s, ok := rows[key]; ok {
			d, problem := ParseSeconds(key, s)
			if problem != "" {
				errs = append(errs, fmt.Errorf("settings: %s: %q: %s", key, s, problem))
				return
			}
			*dst = d
		}
	}
	flag := func(key string, dst *bool) {
		if s, ok := rows[key]; ok {
			b, err := strconv.ParseBool(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("settings: %s: %q is not true or false", key, s))
				return
			}
			*dst = b
		}
	}
	for key, dst := range v.durations() {
		seconds(key, dst)
	}
	flag(KeySessionExpireAtBrowserClose, &v.SessionExpireAtBrowserClose)
	flag(KeySessionSaveEveryRequest, &v.SessionSaveEveryRequest)
	if len(v.Validate()) > 0 {
		errs = append(errs, errors.New("settings: stored values out of bounds, using the defaults"))
		v = defaults
	}
	return v, errors.Join(errs...)
}

// Live holds the current settings and keeps them fresh.
type Live struct {
	store    *models.Store
	defaults Values
	current  atomic.Pointer[Values]
	log      *slog.Logger
}

// NewLive loads the settings once; defaults fill in what is not stored.
func NewLive(ctx context.Context, store *models.Store, defaults Values, log *slog.Logger) (*Live, error) {
	defaults = defaults.withDefaults()
	l := &Live{store: store, defaults: defaults, log: log}
	l.current.Store(&defaults)
	if err := l.Reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Current returns the settings in force.
func (l *Live) Current() Values { return *l.current.Load() }

// Reload reads the stored settings now.
func (l *Live) Reload(ctx context.Context) error {
	rows, err := l.store.Settings(ctx)
	if err != nil {
		return fmt.Errorf("settings: reload: %w", err)
	}
	v, err := fromRows(rows, l.defaults)
	if err != nil {
		l.log.Warn("ignoring bad stored settings", "err", err.Error())
	}
	l.current.Store(&v)
	return nil
}

// Watch re-reads the settings every interval until ctx ends, so that a
// change made on another instance is in force here within that interval.
func (l *Live) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.Reload(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("settings reload failed", "err", err.Error())
			}
		}
	}
}

// Save validates and stores new values, all in one statement, so that no
// instance ever reads half of a change; on a validation error nothing is
// changed and the field errors are returned.
func (l *Live) Save(ctx context.Context, v Values) (map[string]string, error) {
	v = v.withDefaults()
	if errs := v.Validate(); len(errs) > 0 {
		return errs, nil
	}
	if err := l.store.SetSettings(ctx, v.Rows()); err != nil {
		return nil, fmt.Errorf("settings: save: %w", err)
	}
	l.current.Store(&v)
	return nil, nil
}
