package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Timeout bounds the database work of each request to what limit says
// for it: past that its context is done, so a database that hangs gives a
// prompt 503 page instead of a request that never ends.
func Timeout(limit func(*fiber.Ctx) time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), limit(c))
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// BoundedStorage wraps a fiber.Storage that can take a context (as
// gofiber/storage/mysql does) so that each call gives up after timeout:
// Fiber's session middleware calls the storage without a context.
type BoundedStorage struct {
	Storage interface {
		fiber.Storage
		GetWithContext(ctx context.Context, key string) ([]byte, error)
		SetWithContext(ctx context.Context, key string, val []byte, exp time.Duration) error
		DeleteWithContext(ctx context.Context, key string) error
	}
	Timeout time.Duration
}

// Get reads a key.
func (b BoundedStorage) Get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), b.Timeout)
	defer cancel()
	return b.Storage.GetWithContext(ctx, key)
}

// Set writes a key.
func (b BoundedStorage) Set(key string, val []byte, exp time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.Timeout)
	defer cancel()
	return b.Storage.SetWithContext(ctx, key, val, exp)
}

// Delete deletes a key.
func (b BoundedStorage) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.Timeout)
	defer cancel()
	return b.Storage.DeleteWithContext(ctx, key)
}

// Reset deletes every key.
func (b BoundedStorage) Reset() error { return b.Storage.Reset() }

// Close is a no-op: the storage shares the application's pool, which main
// closes; gofiber/storage/mysql's Close would close that pool.
func (b BoundedStorage) Close() error { return nil }
