package web

import (
	"context"
	"errors"
	"time"

	"rango/models"
)

// sessionDeleter deletes a stored session within a context, as
// gofiber/storage/mysql does.
type sessionDeleter interface {
	DeleteWithContext(ctx context.Context, key string) error
}

// SessionStorage is the storage Fiber's session middleware reads through:
// a read of our own that also fetches the session's timestamps and
// enforces the limits (models.SessionLimits), so that a session past its
// expiry or a limit loads as no session at all and is deleted then, and
// gofiber/storage/mysql for deletes. Every
// call takes the request's context: a read waits (for a pooled connection
// included) only as long as the request may, never a deadline of its own.
type SessionStorage struct {
	// Storage is gofiber/storage/mysql on the sessions table.
	Storage sessionDeleter
	// Store reads sessions with their timestamps.
	Store *models.Store
	// Limits returns the limits in force (nil: none but the expiry).
	Limits func() models.SessionLimits
}

// StorageError is a failure of the session storage (the database), as
// opposed to a stored session that cannot be decoded: the first is
// reported (503 while the database is away); only the second may be
// replaced by a new session.
type StorageError struct{ Err error }

func (e *StorageError) Error() string { return "web: session storage: " + e.Err.Error() }

// Unwrap returns the database's error.
func (e *StorageError) Unwrap() error { return e.Err }

// GetWithContext returns a live session's data, or nil.
func (s SessionStorage) GetWithContext(ctx context.Context, key string) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	row, found, err := s.Store.LoadSession(ctx, key)
	if err != nil {
		return nil, &StorageError{err}
	}
	if !found {
		return nil, nil
	}
	if s.limits().Ended(row.Expiry, row.CreatedAt, row.LastSeen, time.Now()) {
		// Ended now, so that lowering a limit back does not revive it,
		// with the reason recorded for the browser (Session.Ended).
		if err := s.Store.EndSession(ctx, key, models.EndedTimedOut); err != nil {
			return nil, &StorageError{err}
		}
		return nil, nil
	}
	return row.Data, nil
}

// DeleteWithContext deletes a session (logout, login's new key), run
// again while it conflicts with a concurrent write of the row, as on a
// Galera cluster a burst of the same browser's requests on another node
// makes it.
func (s SessionStorage) DeleteWithContext(ctx context.Context, key string) error {
	return s.Store.RetryConflicts(ctx, func(ctx context.Context) error { return s.Storage.DeleteWithContext(ctx, key) })
}

func (s SessionStorage) limits() models.SessionLimits {
	if s.Limits == nil {
		return models.SessionLimits{}
	}
	return s.Limits()
}

// requestStorage is the fiber.Storage one request's session load reads
// through: SessionStorage bound to the request's context. Fiber's session
// middleware calls only Get on it.
type requestStorage struct {
	ctx     context.Context
	storage SessionBackend
}

func (r requestStorage) Get(key string) ([]byte, error) { return r.storage.GetWithContext(r.ctx, key) }

func (r requestStorage) Set(string, []byte, time.Duration) error {
	return errors.New("web: sessions are written by Sessions, not through Fiber")
}

func (r requestStorage) Delete(key string) error { return r.storage.DeleteWithContext(r.ctx, key) }

func (r requestStorage) Reset() error { return errors.New("web: sessions are not reset through Fiber") }

func (r requestStorage) Close() error { return nil }
