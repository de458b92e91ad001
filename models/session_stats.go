package models

import (
	"context"
	"time"
)

// DayCount is how many sessions were created on one day (UTC).
type DayCount struct {
	Day   time.Time
	Count int64
}

// SessionStats is the admin dashboard's summary.
type SessionStats struct {
	Active, Expired, Anonymous, LoggedIn int64
	PerDay                               []DayCount
}

// Stats counts sessions for the dashboard: active and expired (ended by
// their expiry or by limits), anonymous and logged-in active ones, and new
// sessions per day over days days. It reads the whole table once; the
// dashboard runs it in the background.
func (s *Store) Stats(ctx context.Context, now time.Time, days int, limits SessionLimits) (SessionStats, error) {
	var st SessionStats
	ended, args := limits.endedSQL("", now)
	var rows []struct {
		Day                        int64
		Active, Expired, Anonymous int64
		Created                    int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT day, SUM(NOT ended) AS active, SUM(ended) AS expired,
		SUM(NOT ended AND user_id IS NULL) AS anonymous, COUNT(*) AS created
		FROM (SELECT FLOOR(created_at / 86400) AS day, user_id, `+ended+` AS ended FROM sessions) AS s
		GROUP BY day`, args...).Scan(&rows).Error
	if err != nil {
		return st, translate(err, "session stats")
	}
	byDay := map[int64]int64{}
	for _, r := range rows {
		st.Active += r.Active
		st.Expired += r.Expired
		st.Anonymous += r.Anonymous
		byDay[r.Day] = r.Created
	}
	st.LoggedIn = st.Active - st.Anonymous
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
	for i := 0; i < days; i++ {
		day := start.AddDate(0, 0, i)
		st.PerDay = append(st.PerDay, DayCount{Day: day, Count: byDay[day.Unix()/86400]})
	}
	return st, nil
}

// StatsDelta is how a change to the sessions moved the dashboard's counts:
// what to subtract from them.
type StatsDelta struct {
	Active, Expired, Anonymous int64
	// Created counts the sessions by the UTC day they were created on,
	// keyed by Unix day (seconds / 86400).
	Created map[int64]int64
}

// Minus returns the counts with the delta taken off.
func (st SessionStats) Minus(d StatsDelta) SessionStats {
	out := st
	out.Active = max(0, st.Active-d.Active)
	out.Expired = max(0, st.Expired-d.Expired)
	out.Anonymous = max(0, st.Anonymous-d.Anonymous)
	out.LoggedIn = max(0, out.Active-out.Anonymous)
	out.PerDay = make([]DayCount, len(st.PerDay))
	for i, day := range st.PerDay {
		out.PerDay[i] = DayCount{Day: day.Day, Count: max(0, day.Count-d.Created[day.Day.Unix()/86400])}
	}
	return out
}

// LifetimeImpact counts the sessions alive under the limits from and
// ended under the limits to at now: the sessions a change of limits would
// end. byIdle counts those the new idle limit (the idle timeout, or the
// cookie age if shorter) ends, byAbsolute those the new absolute lifetime
// ends; total counts each once. It reads the table once (no index covers
// it): seconds at a million rows, for a settings change, not a page view.
func (s *Store) LifetimeImpact(ctx context.Context, now time.Time, from, to SessionLimits) (byIdle, byAbsolute, total int64, err error) {
	oldEnded, oldArgs := from.endedSQL("", now)
	newEnded, newArgs := to.endedSQL("", now)
	idleEnded, idleArgs := SessionLimits{CookieAge: to.CookieAge, Idle: to.Idle}.endedSQL("", now)
	absEnded, absArgs := SessionLimits{Absolute: to.Absolute}.endedSQL("", now)
	var args []any
	for _, a := range [][]any{idleArgs, absArgs, newArgs, oldArgs} {
		args = append(args, a...)
	}
	row := s.db.WithContext(ctx).Raw("SELECT COALESCE(SUM("+idleEnded+"), 0), COALESCE(SUM("+absEnded+"), 0), "+
		"COALESCE(SUM("+newEnded+"), 0) FROM sessions USE INDEX () WHERE NOT "+oldEnded, args...).Row()
	if err := row.Scan(&byIdle, &byAbsolute, &total); err != nil {
		return 0, 0, 0, translate(err, "lifetime impact")
	}
	return byIdle, byAbsolute, total, nil
}
