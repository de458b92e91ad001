package admin

import (
	"context"
	"sync"
	"time"

	"rango/models"
)

// statsAge is how old the dashboard's counts may be before a view asks for
// new ones, at least. Counting a million sessions takes seconds, so the
// dashboard shows the last counts at once and counts again in the
// background; a count that took d is not redone before 10 d has passed,
// so that a dashboard left open (it refreshes every 15 s) keeps the
// database busy a tenth of the time at most.
const statsAge = 30 * time.Second

// snapshot is the dashboard's counts and when they were made.
type snapshot struct {
	Stats models.SessionStats
	At    time.Time
	// Took is how long the count took.
	Took time.Duration
}

// statsCache holds the latest counts and counts anew in the background.
// Actions in the admin take what they ended off the counts at once, so
// the dashboard is right before the next count.
type statsCache struct {
	store  *models.Store
	log    interface{ Warn(string, ...any) }
	limits func() models.SessionLimits

	mu       sync.Mutex
	last     *snapshot
	counting bool
	stale    bool // an action changed the counts in a way not known
	// pending are the deltas of actions taken while a count runs: its
	// consistent read may predate them.
	pending []models.StatsDelta
	// discard drops the running count: every session was deleted since
	// it began.
	discard bool
}

// get returns the latest counts (nil before the first count is done) and
// starts a new count when they are missing or old.
func (c *statsCache) get() *snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counting {
		return c.last
	}
	if c.last == nil || c.stale || time.Since(c.last.At) > max(statsAge, 10*c.last.Took) {
		c.counting = true
		go c.count()
	}
	return c.last
}

// latest returns the latest counts, old or not, and starts the first
// count when there are none yet.
func (c *statsCache) latest() *snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil && !c.counting {
		c.counting = true
		go c.count()
	}
	return c.last
}

func (c *statsCache) count() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	stats, err := c.store.Stats(ctx, start, chartDays, c.limits())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counting = false
	if err != nil {
		c.log.Warn("counting sessions for the dashboard failed", "err", err.Error())
		return
	}
	if c.discard {
		c.discard, c.stale, c.pending = false, true, nil
		return
	}
	for _, d := range c.pending {
		stats = stats.Minus(d)
	}
	// A count that may have seen an action twice is followed by another.
	c.stale = len(c.pending) > 0
	c.pending = nil
	c.last = &snapshot{Stats: stats, At: start, Took: time.Since(start)}
}

// subtract takes sessions an action ended off the counts.
func (c *statsCache) subtract(d models.StatsDelta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counting {
		c.pending = append(c.pending, d)
	}
	if c.last != nil {
		next := *c.last
		next.Stats = next.Stats.Minus(d)
		c.last = &next
	}
}

// clear sets the counts to zero, after every session was deleted.
func (c *statsCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil {
		next := *c.last
		next.Stats = models.SessionStats{PerDay: make([]models.DayCount, len(c.last.Stats.PerDay))}
		for i, d := range c.last.Stats.PerDay {
			next.Stats.PerDay[i] = models.DayCount{Day: d.Day}
		}
		c.last = &next
	}
	c.stale = true
	c.discard = c.counting
}

// forget marks the counts as changed in a way not known, so that the next
// view counts again (and shows the old counts until then).
func (c *statsCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stale = true
}
