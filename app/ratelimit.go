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
	const tooMany = "Too many failed logins. For your account's safety, wait 15 minutes and try again."
	return []fiber.Handler{
		a.failureLimiter(loginAttemptsPerIP, tooMany, func(c *fiber.Ctx) string { return "login-ip:" + web.ClientIP(c) }),
		a.failureLimiter(loginAttemptsPerUser, tooMany, func(c *fiber.Ctx) string {
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
	return a.failureLimiter(loginAttemptsPerUser,
		"Too many wrong passwords. For your account's safety, wait 15 minutes and try again.",
		func(c *fiber.Ctx) string {
			u, _ := web.UserOf(c)
			if u == nil {
				return "confirm-ip:" + web.ClientIP(c)
			}
			return fmt.Sprintf("confirm-user:%d", u.ID)
		})
}

// failureLimiter is Fiber's limiter counting failed requests (status 400
// and up) per key over loginWindow, with the counts in the database so
// that they hold across instances; past max it answers 429 with message.
func (a *App) failureLimiter(max int, message string, key func(*fiber.Ctx) string) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:                    max,
		Expiration:             loginWindow,
		KeyGenerator:           key,
		Storage:                a.limits,
		SkipSuccessfulRequests: true,
		LimitReached: func(c *fiber.Ctx) error {
			return web.NewError(fiber.StatusTooManyRequests, message)
		},
	})
}
