package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/passwords"
	"rango/views"
	"rango/web"
)

// usersCrumb leads back to the user list.
var usersCrumb = crumb{"Users", "/admin/users"}

// userListPage is the data of admin/users.
type userListPage struct {
	page
	Search          string
	Staff, Inactive bool
	Rows            []models.UserRow
	Nav             pager
}

func (h *Handler) listUsers(c *fiber.Ctx) error {
	data := userListPage{page: h.page(c, "users", "Users", dashboardCrumb), Search: cleanParam(c.Query("q"), models.MaxEmail),
		Staff: c.Query("staff") != "", Inactive: c.Query("inactive") != ""}
	at, before := position(c)
	rows, prev, next, err := h.store.AdminUsers(c.UserContext(), models.UserQuery{Search: data.Search, Staff: data.Staff,
		Inactive: data.Inactive, Limits: h.settings.Current().SessionLimits()}, at, before, contentPageSize)
	if err != nil {
		return err
	}
	data.Rows = rows
	data.Nav = pagerOf("/admin/users", queryOf("q", data.Search, "staff", flag(data.Staff), "inactive", flag(data.Inactive)), prev, next)
	return web.Render(c, fiber.StatusOK, "admin/users", data)
}

// flag is a true filter's value in a query ("1"), or empty.
func flag(on bool) string {
	if on {
		return "1"
	}
	return ""
}

// loginRow is one recent login attempt as the user page shows it.
type loginRow struct {
	models.LoginRecord
	Device string
}

// userPage is the data of admin/user.
type userPage struct {
	page
	Account  models.User
	Sessions []sessionRow
	Logins   []loginRow
	// LastStaff is set for the last active staff account, which cannot
	// be demoted, deactivated or deleted.
	LastStaff bool
	// Self is set when the staff user looks at their own account.
	Self bool
	// Problem is why an action was refused.
	Problem        string
	PasswordErrors web.FieldErrors
}

func (h *Handler) userByID(c *fiber.Ctx) (models.User, error) {
	return byID(c, "user", "the account may have been deleted.", h.store.UserByID)
}

// userPage gathers what the user page shows.
func (h *Handler) userPage(c *fiber.Ctx, u models.User) (userPage, error) {
	data := userPage{page: h.page(c, "users", u.Username, dashboardCrumb, usersCrumb), Account: u, PasswordErrors: web.FieldErrors{}}
	ctx := c.UserContext()
	sessions, err := h.store.UserSessions(ctx, u.ID, h.settings.Current().SessionLimits())
	if err != nil {
		return data, err
	}
	data.Sessions = h.rows(c, sessions)
	logins, err := h.store.RecentLogins(ctx, u.ID, models.KeptLogins)
	if err != nil {
		return data, err
	}
	for _, l := range logins {
		data.Logins = append(data.Logins, loginRow{LoginRecord: l, Device: web.Device(l.UserAgent)})
	}
	totals, err := h.store.ContentTotals(ctx)
	if err != nil {
		return data, err
	}
	data.LastStaff = u.IsStaff && u.IsActive && totals.Staff == 1
	if me, _ := web.UserOf(c); me != nil {
		data.Self = me.ID == u.ID
	}
	return data, nil
}

func (h *Handler) showUser(c *fiber.Ctx) error {
	u, err := h.userByID(c)
	if err != nil {
		return err
	}
	data, err := h.userPage(c, u)
	if err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "admin/user", data)
}

// lastStaffProblem says why the last staff account keeps its rights.
func lastStaffProblem(u models.User) string {
	return u.Username + " is the last active staff account: make another account staff first, or nobody could run the admin panel."
}

// refuse shows the user page with why an action was refused.
func (h *Handler) refuse(c *fiber.Ctx, u models.User, status int, problem string, passwordErrs web.FieldErrors) error {
	data, err := h.userPage(c, u)
	if err != nil {
		return err
	}
	data.Problem = problem
	if passwordErrs != nil {
		data.PasswordErrors = passwordErrs
	}
	return web.Render(c, status, "admin/user", data)
}

// accountChanged records a change of an account that ended its sessions.
// When the account is the operator's own, they are logged out too and go
// to the login page.
func (h *Handler) accountChanged(c *fiber.Ctx, u models.User, a action, ended int64) error {
	h.stats.forget() // the sessions that ended: counted again soon
	a.TargetType, a.Target, a.Rows = models.TargetUser, "user "+u.Username, ended
	if me, _ := web.UserOf(c); me != nil && me.ID == u.ID {
		if _, err := h.record(c, a); err != nil {
			return err
		}
		web.SetFlashCount(c, "own_ended", ended)
		return web.Redirect(c, loginAgain)
	}
	return h.done(c, a, fmt.Sprintf("/admin/users/%d", u.ID))
}

// endedText says how many sessions of a user a change ended.
func endedText(ended int64) string {
	return views.CountOf(ended, "session", "sessions") + " ended"
}

// setStaff makes a user staff or takes it away; their sessions end, so
// that they log in again with their new rights.
func (h *Handler) setStaff(c *fiber.Ctx) error {
	u, err := h.userByID(c)
	if err != nil {
		return err
	}
	staff := c.FormValue("staff") == "on"
	if !staff {
		ok, err := h.confirmed(c, h.page(c, "users", "Remove staff from "+u.Username, dashboardCrumb, usersCrumb),
			"Remove staff from "+u.Username+"?", "Their sessions end: they log in again without the admin panel.",
			"Remove staff", fmt.Sprintf("/admin/users/%d", u.ID))
		if !ok || err != nil {
			return err
		}
	}
	ended, err := h.store.SetStaff(c.UserContext(), u.ID, staff)
	if errors.Is(err, models.ErrLastStaff) {
		return h.refuse(c, u, fiber.StatusConflict, lastStaffProblem(u), nil)
	}
	if err != nil {
		return err
	}
	a := action{Name: "make staff", Summary: fmt.Sprintf("Made %s staff: %s; they log in again with the new rights.", u.Username, endedText(ended))}
	if !staff {
		a = action{Name: "remove staff", Summary: fmt.Sprintf("Removed staff from %s: %s.", u.Username, endedText(ended))}
	}
	return h.accountChanged(c, u, a, ended)
}

// setActive deactivates a user (who then cannot log in, and whose
// sessions end at once) or reactivates them.
func (h *Handler) setActive(c *fiber.Ctx) error {
	u, err := h.userByID(c)
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "on"
	if !active {
		ok, err := h.confirmed(c, h.page(c, "users", "Deactivate "+u.Username, dashboardCrumb, usersCrumb),
			"Deactivate "+u.Username+"?", "They are logged out everywhere at once and cannot log in until reactivated.",
			"Deactivate", fmt.Sprintf("/admin/users/%d", u.ID))
		if !ok || err != nil {
			return err
		}
	}
	ended, err := h.store.SetActive(c.UserContext(), u.ID, active)
	if errors.Is(err, models.ErrLastStaff) {
		return h.refuse(c, u, fiber.StatusConflict, lastStaffProblem(u), nil)
	}
	if err != nil {
		return err
	}
	a := action{Name: "reactivate user", Summary: fmt.Sprintf("Reactivated %s: they can log in again.", u.Username)}
	if !active {
		a = action{Name: "deactivate user", Summary: fmt.Sprintf("Deactivated %s: %s, and they cannot log in.", u.Username, endedText(ended))}
	}
	return h.accountChanged(c, u, a, ended)
}

// setPassword gives a user a new password; their sessions end.
func (h *Handler) setPassword(c *fiber.Ctx) error {
	u, err := h.userByID(c)
	if err != nil {
		return err
	}
	password, confirm := c.FormValue("password"), c.FormValue("password2")
	errs := web.FieldErrors{}
	// The rules of registration and the password change (package passwords).
	if problem := passwords.Check(password, u.Username, u.Email); problem != "" {
		errs["password"] = problem
	} else if password != confirm {
		errs["password2"] = "The two passwords differ."
	}
	if len(errs) > 0 {
		return h.refuse(c, u, fiber.StatusUnprocessableEntity, "", errs)
	}
	ended, err := h.store.ResetPassword(c.UserContext(), u.ID, password)
	if err != nil {
		return err
	}
	return h.accountChanged(c, u, action{Name: "set password",
		Summary: fmt.Sprintf("Set a new password for %s: %s.", u.Username, endedText(ended))}, ended)
}

// deleteUser deletes an account with its likes; their categories and
// pages stay.
func (h *Handler) deleteUser(c *fiber.Ctx) error {
	u, err := h.userByID(c)
	if err != nil {
		return err
	}
	ok, err := h.confirmed(c, h.page(c, "users", "Delete "+u.Username, dashboardCrumb, usersCrumb),
		"Delete the account "+u.Username+"?", "Their likes and sessions go; the categories and pages they added stay.",
		"Delete "+u.Username, fmt.Sprintf("/admin/users/%d", u.ID))
	if !ok || err != nil {
		return err
	}
	likes, ended, err := h.store.DeleteUser(c.UserContext(), u.ID)
	if errors.Is(err, models.ErrLastStaff) {
		return h.refuse(c, u, fiber.StatusConflict, lastStaffProblem(u), nil)
	}
	if errors.Is(err, models.ErrNotFound) {
		return web.NewError(fiber.StatusNotFound, "There is no such user: the account may have been deleted.")
	}
	if err != nil {
		return err
	}
	h.stats.forget()
	a := action{Name: "delete user", TargetType: models.TargetUser, Target: "user " + u.Username, Rows: 1,
		Summary: fmt.Sprintf("Deleted the account %s: %s and %s went; their categories and pages stay.", u.Username,
			views.CountOf(likes, "like", "likes"), views.CountOf(ended, "session", "sessions"))}
	if me, _ := web.UserOf(c); me != nil && me.ID == u.ID {
		if _, err := h.record(c, a); err != nil {
			return err
		}
		web.SetFlashCount(c, "own_ended", ended)
		return web.Redirect(c, "/")
	}
	return h.done(c, a, "/admin/users")
}
