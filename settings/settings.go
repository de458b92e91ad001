// Package settings keeps Rango's runtime settings, named after Django's:
// the session cookie age, whether sessions end when the browser closes,
// whether every request saves the session, and the visit interval. They
// live in the database, so they survive restarts and every app instance
// shares them; each instance re-reads them every few seconds.
package settings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
)

// Keys lists every setting in the order pages show them.
var Keys = []string{KeySessionCookieAge, KeySessionExpireAtBrowserClose, KeySessionSaveEveryRequest,
	KeySessionIdleTimeout, KeySessionAbsoluteLifetime, KeyVisitInterval}

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
}

// Validate checks the values are within their bounds.
func (v Values) Validate() map[string]string {
	errs := map[string]string{}
	if s := v.SessionCookieAge / time.Second; s < MinCookieAge || s > MaxCookieAge {
		errs[KeySessionCookieAge] = fmt.Sprintf("Must be between %d and %d seconds.", MinCookieAge, MaxCookieAge)
	}
	if v.VisitInterval < 0 || v.VisitInterval > 10*365*24*time.Hour {
		errs[KeyVisitInterval] = "Must be between 0 and 315360000 seconds."
	}
	if s := v.SessionIdleTimeout / time.Second; s != 0 && (s < 300 || s > MaxCookieAge) {
		errs[KeySessionIdleTimeout] = fmt.Sprintf("Must be 0 (off) or between 300 and %d seconds.", MaxCookieAge)
	}
	if s := v.SessionAbsoluteLifetime / time.Second; s != 0 && (s < 3600 || s > 10*MaxCookieAge) {
		errs[KeySessionAbsoluteLifetime] = fmt.Sprintf("Must be 0 (off) or between 3600 and %d seconds.", 10*MaxCookieAge)
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
	}
}

// fromRows reads stored rows over the defaults; a malformed row keeps the
// default and is reported.
func fromRows(rows map[string]string, defaults Values) (Values, error) {
	v := defaults
	var errs []error
	seconds := func(key string, dst *time.Duration) {
		if s, ok := rows[key]; ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("settings: %s: %q is not a number", key, s))
				return
			}
			*dst = time.Duration(n) * time.Second
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
	seconds(KeySessionCookieAge, &v.SessionCookieAge)
	seconds(KeyVisitInterval, &v.VisitInterval)
	seconds(KeySessionIdleTimeout, &v.SessionIdleTimeout)
	seconds(KeySessionAbsoluteLifetime, &v.SessionAbsoluteLifetime)
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
	if errs := v.Validate(); len(errs) > 0 {
		return errs, nil
	}
	if err := l.store.SetSettings(ctx, v.Rows()); err != nil {
		return nil, fmt.Errorf("settings: save: %w", err)
	}
	l.current.Store(&v)
	return nil, nil
}
