package app

import (
	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// Routes registers the site's pages. Private pages, which show what is
// particular to a visitor or an account, go out with Cache-Control:
// no-store (web.NoStore); the admin panel's group has it too.
func (a *App) Routes(r fiber.Router) {
	private := web.NoStore
	r.Use(web.NoStoreUnder("/account"))

	r.Get("/", a.index)
	r.Get("/about", a.about)
	r.Get("/search", a.search)
	r.Get("/goto", a.gotoPage)
	r.Get("/cookies", private, a.cookies)
	r.Get("/consent", private, a.consentSettings)
	r.Post("/consent", a.consent)

	r.Get("/category/:slug", a.showCategory)
	r.Get("/add_category", private, web.RequireLogin, a.addCategoryForm)
	r.Post("/add_category", web.RequireLogin, a.addCategory)
	r.Get("/category/:slug/add_page", private, web.RequireLogin, a.addPageForm)
	r.Post("/category/:slug/add_page", web.RequireLogin, a.addPage)
	r.Post("/category/:slug/like", web.RequireLogin, a.likeCategory)
	r.Post("/category/:slug/unlike", web.RequireLogin, a.unlikeCategory)

	r.Get("/register", private, a.registerForm)
	r.Post("/register", a.register)
	r.Post("/password-strength", a.passwordStrength)
	r.Get("/login", private, a.loginForm)
	r.Post("/login", a.login)
	r.Post("/logout", a.logout)
	r.Get("/restricted", private, web.RequireLogin, a.restricted)
	r.Get("/account/sessions", web.RequireLogin, a.accountSessions)
	r.Get("/account/password", web.RequireLogin, a.passwordForm)
	r.Post("/account/password", web.RequireLogin, a.changePassword)
	r.Post("/account/sessions/end-others", web.RequireLogin, a.endOtherSessions)
	r.Post("/account/sessions/:hash/end", web.RequireLogin, a.endAccountSession)
	r.Get("/account/delete", web.RequireLogin, a.deleteAccountForm)
	r.Post("/account/delete", web.RequireLogin, a.deleteAccount)
}
