package app

import (
	"github.com/gofiber/fiber/v2"

	"rango/web"
)

// Routes registers the site's pages.
func (a *App) Routes(r fiber.Router) {
	r.Get("/", a.index)
	r.Get("/about", a.about)
	r.Get("/search", a.search)
	r.Get("/goto", a.gotoPage)
	r.Get("/cookies", a.cookies)
	r.Post("/consent", a.consent)

	r.Get("/category/:slug", a.showCategory)
	r.Get("/add_category", web.RequireLogin, a.addCategoryForm)
	r.Post("/add_category", web.RequireLogin, a.addCategory)
	r.Get("/category/:slug/add_page", web.RequireLogin, a.addPageForm)
	r.Post("/category/:slug/add_page", web.RequireLogin, a.addPage)
	r.Post("/category/:slug/like", web.RequireLogin, a.likeCategory)
	r.Post("/category/:slug/unlike", web.RequireLogin, a.unlikeCategory)

	r.Get("/register", a.registerForm)
	r.Post("/register", a.register)
	r.Post("/password-strength", a.passwordStrength)
	r.Get("/login", a.loginForm)
	r.Post("/login", a.login)
	r.Post("/logout", a.logout)
	r.Get("/restricted", web.RequireLogin, a.restricted)
	r.Get("/account/sessions", web.RequireLogin, a.accountSessions)
	r.Get("/account/password", web.RequireLogin, a.passwordForm)
	r.Post("/account/password", web.RequireLogin, a.changePassword)
	r.Post("/account/sessions/end-others", web.RequireLogin, a.endOtherSessions)
	r.Post("/account/sessions/:hash/end", web.RequireLogin, a.endAccountSession)
}
