package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
)

// health registers /livez (the process answers) and /readyz (and its
// database can serve: it answers and, on a Galera cluster, the node is
// Synced in the primary component), for load balancers and orchestrators.
// They come before the session and CSRF layers: probes carry no cookies.
func health(r fiber.Router, store *models.Store) {
	r.Get("/livez", func(c *fiber.Ctx) error {
		return c.SendString("ok")
	})
	r.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), time.Second)
		defer cancel()
		if err := store.Ready(ctx); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
		}
		return c.SendString("ok")
	})
}
