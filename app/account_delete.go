package app

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// deleteAccountPage is the data of pages/account_delete.
type deleteAccountPage struct {
	web.Base
	// Likes and Sessions are what goes with the account.
	Likes, Sessions int64
	// LastStaff tells that the account is the last active staff account,
	// which cannot delete itself.
	LastStaff bool
	Problem   string
}

// deleteAccountData gathers what the page says goes with the account.
func (a *App) deleteAccountData(c *fiber.Ctx, user *web.CurrentUser) (deleteAccountPage, error) {
	data := deleteAccountPage{Base: web.BaseOf(c, "Delete your account", "account")}
	ctx := c.UserContext()
	var err error
	if data.Likes, err = a.store.UserLikes(ctx, user.ID); err != nil {
		return data, err
	}
	sessions, err := a.store.UserSessions(ctx, user.ID, a.settings.Current().SessionLimits())
	if err != nil {
		return data, err
	}
	data.Sessions = int64(len(sessions))
	data.LastStaff, err = a.store.IsLastStaff(ctx, user.ID)
	return data, err
}

func (a *App) deleteAccountForm(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	data, err := a.deleteAccountData(c, user)
	if err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "pages/account_delete", data)
}

// deleteAccount deletes the logged-in user's account once they give their
// password (within the login's guessing limits): in one transaction the
// account, its likes (their categories' counts go down), its login records
// and its sessions on every device; the categories and pages it added stay.
// The last active staff account cannot delete itself.
func (a *App) deleteAccount(c *fiber.Ctx) error {
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	data, err := a.deleteAccountData(c, user)
	if err != nil {
		return err
	}
	if data.LastStaff {
		return web.Render(c, fiber.StatusConflict, "pages/account_delete", data)
	}
	status := fiber.StatusUnprocessableEntity
	password := c.FormValue("password")
	if password == "" {
		data.Problem = "Enter your password to delete your account."
	} else if problem, limited, err := a.confirmPassword(c, user, password); err != nil {
		return err
	} else if problem != "" {
		data.Problem = problem
		if limited {
			status = fiber.StatusTooManyRequests
		}
	}
	if data.Problem != "" {
		return web.Render(c, status, "pages/account_delete", data)
	}
	likes, sessions, err := a.store.DeleteUser(c.UserContext(), user.ID)
	if errors.Is(err, models.ErrLastStaff) { // made staff's last meanwhile
		data.LastStaff = true
		return web.Render(c, fiber.StatusConflict, "pages/account_delete", data)
	}
	if err != nil {
		return err
	}
	_, err = a.store.AddAudit(c.UserContext(), models.AuditEntry{ActorID: user.ID, ActorName: user.Username,
		Action: "delete own account", TargetType: models.TargetUser, Target: "user " + user.Username, Rows: sessions,
		Summary: fmt.Sprintf("%s deleted their account: %d likes and %d sessions went with it.", user.Username, likes, sessions),
		IP:      web.ClientIP(c)})
	if err != nil {
		return err
	}
	if err := web.Logout(c); err != nil {
		return err
	}
	a.cache.forget()
	web.SetFlash(c, "account_deleted")
	return web.Redirect(c, "/")
}
