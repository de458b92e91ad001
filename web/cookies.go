package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Cookie names of the strictly necessary cookies, which need no consent.
const (
	ConsentCookie = "cookie_consent"
	FlashCookie   = "flash"
	TestCookie    = "testcookie"
)

// Consent choices stored in ConsentCookie.
const (
	ConsentAccepted = "accepted"
	ConsentRejected = "rejected"
)

// ConsentOf returns the visitor's cookie choice, or "" if none was made.
func ConsentOf(c *fiber.Ctx) string {
	switch v := c.Cookies(ConsentCookie); v {
	case ConsentAccepted, ConsentRejected:
		return v
	}
	return ""
}

// flashMessages are the only texts a flash cookie can show: the cookie
// holds a code, so nobody can make the site display words of their own.
var flashMessages = map[string]string{
	"registered":       "Welcome to Rango! Your account is ready and you are logged in.",
	"logged_in":        "You are logged in.",
	"logged_out":       "You are logged out.",
	"cat_added":        "The category was added.",
	"page_added":       "The page was added.",
	"consent_yes":      "Thanks: Rango will keep its visit counter in your browser too.",
	"consent_no":       "Understood: Rango sets only the cookies it cannot work without.",
	"session_ended":    "The session was ended.",
	"sessions_ended":   "The sessions were ended.",
	"others_ended":     "All your other sessions were ended: those browsers are logged out.",
	"none_selected":    "No session was selected, so none was ended.",
	"expired_cleared":  "The expired sessions were deleted.",
	"settings_saved":   "The settings were saved. They apply to new sessions now and to each existing session at its next save.",
	"password_changed": "Your password was changed.",
}

// SetFlash shows a message on the next page this browser loads.
func SetFlash(c *fiber.Ctx, code string) {
	c.Cookie(&fiber.Cookie{Name: FlashCookie, Value: code, Path: "/", MaxAge: 60, HTTPOnly: true, SameSite: "Lax"})
}

// TakeFlash returns the pending message, if any, and clears it.
func TakeFlash(c *fiber.Ctx) string {
	code := c.Cookies(FlashCookie)
	if code == "" {
		return ""
	}
	if len(c.Response().Header.PeekCookie(FlashCookie)) == 0 {
		c.Cookie(&fiber.Cookie{Name: FlashCookie, Path: "/", Expires: time.Unix(1, 0), MaxAge: -1, HTTPOnly: true, SameSite: "Lax"})
	}
	return flashMessages[code]
}

// FlashMessage returns the text of a flash code, for a message shown at
// once rather than on the next page.
func FlashMessage(code string) string {
	return flashMessages[code]
}
