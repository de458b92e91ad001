package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// ActiveRequests bounds how many requests this instance works on at once
// to n; the others wait for a turn first come, first served, until their
// deadline (then 503 ErrSiteBusy).
//
// On a busy instance this is what keeps slow answers rare. Without the
// bound every request in flight competes for the CPU at each step, and a
// request that makes several database round trips queues behind all of
// them once per trip; with it, a request waits in line once and then runs
// among few, so its time depends little on what else is in flight.
// A request takes its turn after its client's (ClientLimits), so requests
// queued behind their own browser's hold no turn of the instance.
func ActiveRequests(n int) fiber.Handler {
	return activeRequests(newKeyedSemaphore(n))
}

func activeRequests(turns *keyedSemaphore) fiber.Handler {
	return func(c *fiber.Ctx) error {
		release, err := turns.acquire(c.UserContext(), "")
		if err != nil {
			return fmt.Errorf("%w (%w)", ErrSiteBusy, c.UserContext().Err())
		}
		defer release()
		return c.Next()
	}
}
