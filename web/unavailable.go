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
