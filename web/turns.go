package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// Turns bounds how many requests an instance works on at once; the others
// wait for a turn first come, first served, until their deadline (then
// 503 ErrSiteBusy).
//
// On a busy instance this is what keeps slow answers rare. Without the
// bound every request in flight competes for the CPU at each step, and a
// request that makes several database round trips queues behind all of
// them once per trip; with it, a request waits in line once and then runs
// among few, so its time depends little on what else is in flight.
type Turns struct {
	sem *keyedSemaphore
}

// NewTurns returns a bound of n requests at once.
func NewTurns(n int) *Turns { return &Turns{sem: newKeyedSemaphore(n)} }

// Middleware takes a turn for each request. It goes after ClientLimits, so
// that requests queued behind their own browser's hold no turn of the
// instance.
func (t *Turns) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		release, err := t.sem.acquire(c.UserContext(), "")
		if err != nil {
			return fmt.Errorf("%w (%w)", ErrSiteBusy, c.UserContext().Err())
		}
		defer release()
		return c.Next()
	}
}

// Counts returns how many requests hold a turn and how many wait for one.
func (t *Turns) Counts() (active, waiting int) { return t.sem.load("") }
