package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"rango/models"
	"rango/web"
)

// Password guessing limits (OWASP's "account lockout" with device
// cookies). Wrong passwords count against the client's address, against
// the account from that address, and against the account from anywhere; a
// browser that logged in as the user before (it holds a device cookie)
// counts against its own budget only, so that someone guessing elsewhere
// cannot lock the owner out. Login, the password change and the password
// confirmation share the budgets of an account.
var (
	perAddress        = budget{"address", 50, 15 * time.Minute}
	perAccountAddress = budget{"account-address", 10, 15 * time.Minute}
	perAccount        = budget{"account", 100, time.Hour}
	perDevice         = budget{"device", 10, 15 * time.Minute}
	// perRegistration limits sign-ups that reach the user name check
	// (which tells whether a name is taken) from one address.
	perRegistration = budget{"register", 10, time.Hour}
)

// budget is how many counted requests one key may make in a window.
type budget struct {
	kind   string
	max    int64
	window time.Duration
}

// charge is one key charged against its budget.
type charge struct {
	budget
	key string
}

// on returns a charge of the budget against the thing named by parts.
func (b budget) on(parts ...string) charge {
	return charge{budget: b, key: b.kind + ":" + strings.Join(parts, ":")}
}

// limitedError is a request refused because a budget is spent.
type limitedError struct{ Window time.Duration }

func (e *limitedError) Error() string { return "app: rate limited for " + e.Window.String() }

// wait says how long to wait, for a message.
func (e *limitedError) wait() string {
	if e.Window >= time.Hour {
		return "an hour"
	}
	return fmt.Sprintf("%d minutes", int(e.Window/time.Minute))
}

// retryAfter sets Retry-After to the window of the spent budget.
func (e *limitedError) retryAfter(c *fiber.Ctx) {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(e.Window/time.Second)))
}

// limiterDown is the answer when the counts cannot be read: the request is
// refused, never let through uncounted.
func (a *App) limiterDown(c *fiber.Ctx, err error) error {
	a.log.Warn("rate limit unavailable, request refused", "path", c.Path(), "err", err.Error())
	return web.NewError(fiber.StatusServiceUnavailable, "Rango cannot check this request against its limits right now "+
		"(its database is not answering). Nothing was changed. Please try again in a few seconds.")
}

// spend counts the request against each charge. If any budget is spent it
// takes every count back (a refused request tried nothing) and returns a
// *limitedError. A database error also refuses the request: the limits
// fail closed. Counting first and taking back on success keeps concurrent
// guesses from slipping past the limit together.
func (a *App) spend(ctx context.Context, charges []charge) error {
	for i, ch := range charges {
		n, err := a.store.AddHit(ctx, ch.key, ch.window)
		if err != nil {
			a.refund(ctx, charges[:i])
			return err
		}
		if n > ch.max {
			a.refund(ctx, charges[:i+1])
			return &limitedError{Window: ch.window}
		}
	}
	return nil
}

// refund takes back the counts of a request that turned out not to count.
func (a *App) refund(ctx context.Context, charges []charge) {
	for _, ch := range charges {
		if err := a.store.RemoveHit(ctx, ch.key); err != nil {
			a.log.Warn("rate limit: taking back a count failed", "err", err.Error())
		}
	}
}

// account names who a password is being tried for: the user the name
// resolves to in the database (whatever form of the name was typed: the
// users table compares names by utf8mb4_unicode_ci, so "ｂｏｂ" and
// "bo\u0301b" are bob), or, for a name with no account, its normalised
// form, so that unknown names are limited alike and do not stand out.
type account struct {
	user models.User // the zero User when the name has no account
	name string
}

// key is the account's part of a limiter key.
func (ac account) key() string {
	if ac.user.ID != 0 {
		return "user:" + strconv.FormatUint(ac.user.ID, 10)
	}
	return "name:" + normalName(ac.name)
}

// normalName is a user name in NFKC with its case folded (Unicode's
// NFKC_Casefold, roughly), so that forms of one name count as one.
func normalName(name string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(strings.TrimSpace(name))))
}

// resolveAccount finds the account a typed user name stands for.
func (a *App) resolveAccount(ctx context.Context, name string) (account, error) {
	u, err := a.store.UserByName(ctx, name)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return account{}, err
	}
	return account{user: u, name: name}, nil
}

// guessCharges are the budgets a password tried for the account from this
// browser is counted against.
func (a *App) guessCharges(c *fiber.Ctx, ac account) []charge {
	if device, ok := a.devices.trusted(c, ac.user.ID); ok {
		return []charge{perDevice.on(device)}
	}
	ip := web.ClientIP(c)
	return []charge{perAddress.on(ip), perAccountAddress.on(ac.key(), ip), perAccount.on(ac.key())}
}

// checkPassword tries a password for the account within its budgets. It
// returns nil for the right password (taking the counts back),
// models.ErrInvalidCredentials for a wrong one (counted), a *limitedError
// when a budget is spent (the password was not tried), or another error
// when the counts cannot be kept.
func (a *App) checkPassword(c *fiber.Ctx, ac account, password string) error {
	ctx := c.UserContext()
	charges := a.guessCharges(c, ac)
	if err := a.spend(ctx, charges); err != nil {
		return err
	}
	if err := models.CheckPassword(ac.user, password); err != nil {
		return err
	}
	a.refund(ctx, charges)
	return nil
}
