package app

import (
	"errors"
	"net/mail"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/passwords"
	"rango/web"
)

// usernamePattern is Django's: letters, digits and @ . + - _.
var usernamePattern = regexp.MustCompile(`^[\p{L}\p{N}@.+\-_]+$`)

// noCookies is shown when the browser sent none of our cookies back.
const noCookies = "Your browser is not sending cookies back to Rango. Please enable cookies to log in: " +
	"Rango needs one to remember that you are logged in."

// accountPage is the data of pages/login and pages/register.
type accountPage struct {
	web.Base
	Next                     string
	Username, Email, Website string
	Errors                   fieldErrors
	Problem                  string
	// OfferKeep shows the login form's "Keep me signed in" box: not when
	// the site makes every session end with the browser. Keep is its state.
	OfferKeep, Keep bool
}

// setTestCookie is the tutorial's set_test_cookie: the next request tells
// whether the browser keeps cookies.
func setTestCookie(c *fiber.Ctx, secure bool) {
	c.Cookie(&fiber.Cookie{Name: web.TestCookie, Value: "worked", Path: "/", HTTPOnly: true, Secure: secure, SameSite: "Lax"})
}

// testCookieWorked is the tutorial's test_cookie_worked.
func testCookieWorked(c *fiber.Ctx) bool {
	return c.Cookies(web.TestCookie) == "worked"
}

func (a *App) accountPage(c *fiber.Ctx, title, nav string) accountPage {
	return accountPage{Base: web.BaseOf(c, title, nav), Next: web.SafeNext(c.FormValue("next", c.Query("next"))), Errors: fieldErrors{},
		OfferKeep: !a.sessions.Policy().ExpireAtBrowserClose, Keep: c.FormValue("keep") == "on"}
}

// persistence is what the login form's "Keep me signed in" box asks for.
func (p accountPage) persistence() web.Persistence {
	if p.Keep {
		return web.KeptSignedIn
	}
	return web.BrowserLength
}

func (a *App) loginForm(c *fiber.Ctx) error {
	setTestCookie(c, a.secure)
	return web.Render(c, fiber.StatusOK, "pages/login", a.accountPage(c, "Log in", "login"))
}

// login checks the credentials within the guessing limits and logs the
// user in under a new session key; the same message answers an unknown
// user and a wrong password, and the limits treat both alike.
func (a *App) login(c *fiber.Ctx) error {
	data := a.accountPage(c, "Log in", "login")
	username := data.Errors.text(c, "username", "The user name", models.MaxUsername, true)
	password := c.FormValue("password")
	if password == "" {
		data.Errors["password"] = "The password is required."
	}
	data.Username = username
	if !testCookieWorked(c) {
		setTestCookie(c, a.secure)
		data.Problem = noCookies
		return web.Render(c, fiber.StatusBadRequest, "pages/login", data)
	}
	if len(data.Errors) > 0 {
		return web.Render(c, fiber.StatusUnprocessableEntity, "pages/login", data)
	}
	ac, err := a.resolveAccount(c.UserContext(), username)
	if err != nil {
		return err
	}
	err = a.checkPassword(c, ac, password)
	if err == nil && !ac.user.IsActive { // told only to who knows the password, after the same work
		err = models.ErrAccountDisabled
	}
	a.recordLogin(c, username, err)
	var limited *limitedError
	switch {
	case errors.As(err, &limited):
		limited.retryAfter(c)
		data.Problem = "Too many failed logins. For your account's safety, wait " + limited.wait() + " and try again."
		return web.Render(c, fiber.StatusTooManyRequests, "pages/login", data)
	case errors.Is(err, models.ErrInvalidCredentials):
		data.Problem = "The user name or the password is not right."
		return web.Render(c, fiber.StatusUnprocessableEntity, "pages/login", data)
	case errors.Is(err, models.ErrAccountDisabled):
		data.Problem = "This account is disabled."
		return web.Render(c, fiber.StatusUnprocessableEntity, "pages/login", data)
	case err != nil:
		return a.limiterDown(c, err)
	}
	user := ac.user
	if err := web.Login(c, web.CurrentUser{ID: user.ID, Username: user.Username, IsStaff: user.IsStaff}, data.persistence()); err != nil {
		return err
	}
	a.devices.issue(c, user.ID)
	web.SetFlash(c, "logged_in")
	return web.Redirect(c, data.Next)
}

// recordLogin keeps a login attempt on an account for the admin's user
// page (the sweeper keeps the newest models.KeptLogins); a failure to
// record is logged, not shown.
func (a *App) recordLogin(c *fiber.Ctx, username string, authErr error) {
	if authErr != nil && !errors.Is(authErr, models.ErrInvalidCredentials) && !errors.Is(authErr, models.ErrAccountDisabled) {
		return // the database failed, not the visitor
	}
	if err := a.store.RecordLogin(c.UserContext(), username, web.ClientIP(c), c.Get(fiber.HeaderUserAgent), authErr == nil); err != nil {
		a.log.Warn("recording a login failed", "err", err.Error())
	}
}

// logout deletes the session and expires its cookie.
func (a *App) logout(c *fiber.Ctx) error {
	if err := web.Logout(c); err != nil {
		return err
	}
	web.SetFlash(c, "logged_out")
	return web.Redirect(c, "/")
}

func (a *App) registerForm(c *fiber.Ctx) error {
	setTestCookie(c, a.secure)
	return web.Render(c, fiber.StatusOK, "pages/register", a.accountPage(c, "Register", "register"))
}

// register creates an account and logs it in.
func (a *App) register(c *fiber.Ctx) error {
	data := a.accountPage(c, "Register", "register")
	errs := data.Errors
	data.Username = errs.text(c, "username", "The user name", models.MaxUsername, true)
	data.Email = errs.text(c, "email", "The email address", models.MaxEmail, false)
	data.Website = errs.text(c, "website", "The website", models.MaxWebsite, false)
	password, confirm := c.FormValue("password"), c.FormValue("password2")
	website := validateAccount(errs, data.Username, data.Email, data.Website, password, confirm)
	if !testCookieWorked(c) {
		setTestCookie(c, a.secure)
		data.Problem = noCookies
		return web.Render(c, fiber.StatusBadRequest, "pages/register", data)
	}
	if len(errs) == 0 {
		// Every attempt that gets as far as the name (and would tell
		// whether it is taken) counts against the address.
		var limited *limitedError
		switch err := a.spend(c.UserContext(), []charge{perRegistration.on(web.ClientIP(c))}); {
		case errors.As(err, &limited):
			limited.retryAfter(c)
			data.Problem = "Too many registrations from your network. Please wait " + limited.wait() + " and try again."
			return web.Render(c, fiber.StatusTooManyRequests, "pages/register", data)
		case err != nil:
			return a.limiterDown(c, err)
		}
		user, err := a.store.CreateUser(c.UserContext(), models.NewUser{
			Username: data.Username, Email: data.Email, Password: password, Website: website})
		switch {
		case errors.Is(err, models.ErrDuplicate):
			errs["username"] = "This user name is taken; please choose another."
		case err != nil:
			return err
		default:
			if err := web.Login(c, web.CurrentUser{ID: user.ID, Username: user.Username}, web.SitePersistence); err != nil {
				return err
			}
			a.devices.issue(c, user.ID)
			web.SetFlash(c, "registered")
			return web.Redirect(c, data.Next)
		}
	}
	return web.Render(c, fiber.StatusUnprocessableEntity, "pages/register", data)
}

// validateAccount checks the register form and returns the website
// normalised (a scheme-less address gets http://).
func validateAccount(errs fieldErrors, username, email, website, password, confirm string) string {
	if errs["username"] == "" && !usernamePattern.MatchString(username) {
		errs["username"] = "Use letters, digits and @ . + - _ only."
	}
	if email != "" && errs["email"] == "" {
		if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
			errs["email"] = "This is not an email address."
		}
	}
	website = errs.webURL("website", "The website", website)
	validatePassword(errs, password, confirm, username, email)
	return website
}

// validatePassword checks a new password for the account (the rules of
// package passwords) and its confirmation.
func validatePassword(errs fieldErrors, password, confirm, username, email string) {
	if problem := passwords.Check(password, username, email); problem != "" {
		errs["password"] = problem
	} else if password != confirm {
		errs["password2"] = "The two passwords differ."
	}
}
