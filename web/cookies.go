package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/views"
)

// Cookie names of the strictly necessary cookies, which need no consent.
// The device cookie, which tells that a browser logged in as a user
// before, has the __Host- prefix behind HTTPS, as the session's has.
const (
	ConsentCookie      = "cookie_consent"
	FlashCookie        = "flash"
	TestCookie         = "testcookie"
	DeviceCookie       = "device"
	SecureDeviceCookie = "__Host-device"
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
	// With a count (SetFlashCount): %s is the number, written out.
	"all_cleared":     "Every session was ended (%s), yours too: log in again to go on.",
	"own_ended":       "You ended %s, including your own: log in again to go on.",
	"account_deleted": "Your account was deleted, and with it your likes and your sessions on every device.",
	// Why the session the browser held was ended (models.Ended*).
	endedFlash + models.EndedSignedOut:       "You were signed out: you ended this session from another device.",
	endedFlash + models.EndedByAdmin:         "You were signed out: an administrator ended your session.",
	endedFlash + models.EndedPasswordChanged: "You were signed out: your password was changed. Log in with the new one.",
	endedFlash + models.EndedTimedOut:        "You were signed out: your session timed out.",
	endedFlash + models.EndedAccountDeleted:  "You were signed out: your account was deleted.",
}

// SetFlash shows a message on the next page this browser loads.
func SetFlash(c *fiber.Ctx, code string) {
	c.Cookie(&fiber.Cookie{Name: FlashCookie, Value: code, Path: "/", MaxAge: 60, HTTPOnly: true, SameSite: "Lax"})
}

// SetFlashCount shows a message with a count in it ("1,234 sessions") on
// the next page; the cookie holds the code and the number only.
func SetFlashCount(c *fiber.Ctx, code string, n int64) {
	SetFlash(c, code+"."+strconv.FormatInt(n, 10))
}

// TakeFlash returns the pending message, if any, and clears it.
func TakeFlash(c *fiber.Ctx) string {
	value := c.Cookies(FlashCookie)
	if value == "" {
		return ""
	}
	if len(c.Response().Header.PeekCookie(FlashCookie)) == 0 {
		c.Cookie(&fiber.Cookie{Name: FlashCookie, Path: "/", Expires: time.Unix(1, 0), MaxAge: -1, HTTPOnly: true, SameSite: "Lax"})
	}
	code, count, counted := strings.Cut(value, ".")
	msg := flashMessages[code]
	n, err := strconv.ParseInt(count, 10, 64)
	if counted != strings.Contains(msg, "%s") || (counted && (err != nil || n < 0)) {
		return "" // a code that takes no number with one, or the reverse
	}
	if counted {
		msg = fmt.Sprintf(msg, views.CountOf(n, "session", "sessions"))
	}
	return msg
}

// FlashMessage returns the text of a flash code, for a message shown at
// once rather than on the next page.
func FlashMessage(code string) string {
	return flashMessages[code]
}
