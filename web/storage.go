package web

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
)

// contextStorage is a fiber.Storage that also takes contexts, as
// gofiber/storage/mysql does.
type contextStorage interface {
	fiber.Storage
	GetWithContext(ctx context.Context, key string) ([]byte, error)
	SetWithContext(ctx context.Context, key string, val []byte, exp time.Duration) error
	DeleteWithContext(ctx context.Context, key string) error
}

// BoundedStorage wraps a fiber.Storage that can take a context (as
// gofiber/storage/mysql does) so that each call gives up after timeout:
// Fiber's session middleware calls the storage without a context.
type BoundedStorage struct {
	Storage contextStorage
	Timeout time.Duration
	// Retry, if set, runs each write again while it conflicts with a
	// concurrent one (models.Store.RetryConflicts), within the timeout.
	Retry func(context.Context, func(context.Context) error) error
}

// write runs a write within the timeout, retried if Retry is set.
func (b BoundedStorage) write(f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.Timeout)
	defer cancel()
	if b.Retry == nil {
		return f(ctx)
	}
	return b.Retry(ctx, f)
}

// Get reads a key.
func (b BoundedStorage) Get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), b.Timeout)
	defer cancel()
	return b.Storage.GetWithContext(ctx, key)
}

// Set writes a key.
func (b BoundedStorage) Set(key string, val []byte, exp time.Duration) error {
	return b.write(func(ctx context.Context) error { return b.Storage.SetWithContext(ctx, key, val, exp) })
}

// Delete deletes a key.
func (b BoundedStorage) Delete(key string) error {
	return b.write(func(ctx context.Context) error { return b.Storage.DeleteWithContext(ctx, key) })
}

// Reset deletes every key.
func (b BoundedStorage) Reset() error { return b.Storage.Reset() }

// Close is a no-op: the storage shares the application's pool, which main
// closes; gofiber/storage/mysql's Close would close that pool.
func (b BoundedStorage) Close() error { return nil }

// SessionStorage is the storage Fiber's session middleware reads through:
// a read of our own that also fetches the session's timestamps and
// enforces the limits (models.SessionLimits), so that a session past its
// expiry or a limit loads as no session at all and is deleted then, and
// gofiber/storage/mysql for deletes. Every
// call takes the request's context: a read waits (for a pooled connection
// included) only as long as the request may, never a deadline of its own.
type SessionStorage struct {
	// Storage is gofiber/storage/mysql on the sessions table.
	Storage contextStorage
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
