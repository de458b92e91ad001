package admin

import (
	"context"
	"sync"
	"time"

	"rango/models"
)

// statsAge is how old the dashboard's counts may be before a view asks for
// new ones. Counting a million sessions takes seconds, so the dashboard
// shows the last counts at once and counts again in the background.
const statsAge = 30 * time.Second

// snapshot is the dashboard's counts and when they were made.
type snapshot struct {
	Stats models.SessionStats
	At    time.Time
}

// statsCache holds the latest counts and counts anew in the background.
type statsCache struct {
	store  *models.Store
	log    interface{ Warn(string, ...any) }
	limits func() models.SessionLimits

	mu       sync.Mutex
	last     *snapshot
	counting bool
}

// get returns the latest counts (nil before the first count is done) and
// starts a new count when they are missing or older than statsAge.
func (c *statsCache) get() *snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if (c.last == nil || time.Since(c.last.At) > statsAge) && !c.counting {
		c.counting = true
		go c.count()
	}
	return c.last
}

func (c *statsCache) count() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now()
	stats, err := c.store.Stats(ctx, now, chartDays, c.limits())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counting = false
	if err != nil {
		c.log.Warn("counting sessions for the dashboard failed", "err", err.Error())
		return
	}
	c.last = &snapshot{Stats: stats, At: now}
}

// forget drops the counts after an action changed them, so that the next
// view counts again.
func (c *statsCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil {
		c.last.At = time.Time{}
	}
}
