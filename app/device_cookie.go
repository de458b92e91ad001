package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// deviceCookieAge is how long a browser stays known after a login.
const deviceCookieAge = 365 * 24 * time.Hour

// devices issues and checks OWASP's device cookies: after a successful
// login the browser gets a cookie naming the user, signed with a key
// derived from the site's secret. Wrong passwords typed in a browser that
// holds one for the user count against that browser's own budget, not the
// account's, so a stranger's guesses cannot lock the owner out of the
// browsers they use.
type devices struct {
	key    []byte
	name   string
	secure bool
}

func newDevices(secret string, secure bool) devices {
	d := devices{key: DeriveKey(secret, "device-cookies"), name: web.DeviceCookie, secure: secure}
	if secure {
		d.name = web.SecureDeviceCookie
	}
	return d
}

// sign returns the signature of a cookie's user id and nonce.
func (d devices) sign(payload string) string {
	mac := hmac.New(sha256.New, d.key)
	mac.Write([]byte("rango-device:" + payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:24])
}

// issue gives the browser a device cookie for the user: "id.nonce.sig".
func (d devices) issue(c *fiber.Ctx, userID uint64) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("app: no randomness: " + err.Error())
	}
	payload := strconv.FormatUint(userID, 10) + "." + base64.RawURLEncoding.EncodeToString(b)
	c.Cookie(&fiber.Cookie{Name: d.name, Value: payload + "." + d.sign(payload), Path: "/",
		MaxAge: int(deviceCookieAge / time.Second), Expires: time.Now().Add(deviceCookieAge),
		HTTPOnly: true, Secure: d.secure, SameSite: "Lax"})
}

// trusted returns the browser's device id (the cookie's nonce) if it holds
// a validly signed device cookie for the user; user 0 has none.
func (d devices) trusted(c *fiber.Ctx, userID uint64) (string, bool) {
	value := c.Cookies(d.name)
	if userID == 0 || value == "" || len(value) > 200 {
		return "", false
	}
	i := strings.LastIndexByte(value, '.')
	if i < 0 || !hmac.Equal([]byte(value[i+1:]), []byte(d.sign(value[:i]))) {
		return "", false
	}
	id, nonce, ok := strings.Cut(value[:i], ".")
	if !ok || id != strconv.FormatUint(userID, 10) {
		return "", false
	}
	return nonce, true
}
