package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"rango/web"
)

// Login attempt limits: failed attempts count; a successful login does not.
const (
	loginAttemptsPerIP   = 50
	loginAttemptsPerUser = 10
	loginWindow          = 15 * time.Minute
)

// loginLimiters limit failed logins per client IP and per user name, with
// the counts in the database so that they hold across instances.
func (a *App) loginLimiters() []fiber.Handler {
	limit := func(max int, key func(*fiber.Ctx) string) fiber.Handler {
		return limiter.New(limiter.Config{
			Max:                    max,
			Expiration:             loginWindow,
			KeyGenerator:           key,
			Storage:                a.limits,
			SkipSuccessfulRequests: true,
			LimitReached: func(c *fiber.Ctx) error {
				return web.NewError(fiber.StatusTooManyRequests,
					"Too many failed logins. For your account's safety, wait 15 minutes and try again.")
			},
		})
	}
	return []fiber.Handler{
		limit(loginAttemptsPerIP, func(c *fiber.Ctx) string { return "login-ip:" + web.ClientIP(c) }),
		limit(loginAttemptsPerUser, func(c *fiber.Ctx) string {
			name := strings.ToLower(strings.TrimSpace(c.FormValue("username")))
			if len(name) > 150 {
				name = name[:150]
			}
			return "login-user:" + name
		}),
	}
}

// confirmLimiter limits wrong password confirmations per user, so that a
// stolen session cannot be used to guess the password.
func (a *App) confirmLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:                    loginAttemptsPerUser,
		Expiration:             loginWindow,
		Storage:                a.limits,
		SkipSuccessfulRequests: true,
		KeyGenerator: func(c *fiber.Ctx) string {
			u, _ := web.UserOf(c)
			if u == nil {
				return "confirm-ip:" + web.ClientIP(c)
			}
			return fmt.Sprintf("confirm-user:%d", u.ID)
		},
		LimitReached: func(c *fiber.Ctx) error {
			return web.NewError(fiber.StatusTooManyRequests,
				"Too many wrong passwords. For your account's safety, wait 15 minutes and try again.")
		},
	})
}
