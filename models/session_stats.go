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

// Stats counts sessions for the dashboard: active and expired, anonymous
// and logged-in active ones, and new sessions per day over days days. It
// reads the whole table once; the dashboard runs it in the background.
func (s *Store) Stats(ctx context.Context, now time.Time, days int) (SessionStats, error) {
	var st SessionStats
	n := now.Unix()
	var rows []struct {
		Day                        int64
		Active, Expired, Anonymous int64
		Created                    int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT FLOOR(created_at / 86400) AS day,
		COALESCE(SUM(e > ? OR e = 0), 0) AS active,
		COALESCE(SUM(e != 0 AND e <= ?), 0) AS expired,
		COALESCE(SUM((e > ? OR e = 0) AND user_id IS NULL), 0) AS anonymous,
		COUNT(*) AS created
		FROM sessions GROUP BY day`, n, n, n).Scan(&rows).Error
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

// Lifetimes are the session limits besides the expiry; 0 turns one off.
type Lifetimes struct {
	Idle, Absolute time.Duration
}

// dead is the SQL condition, with its arguments, of a session past the
// limits at now, as the session layer applies them (web.SessionStorage).
// A cut-off of 0 matches nothing: a time stamp is never below it.
func (l Lifetimes) dead(now time.Time) (string, []any) {
	var idleCut, absCut int64
	if l.Idle > 0 {
		idleCut = now.Add(-l.Idle).Unix()
	}
	if l.Absolute > 0 {
		absCut = now.Add(-l.Absolute).Unix()
	}
	return "((last_seen > 0 AND last_seen < ?) OR (created_at > 0 AND created_at < ?))", []any{idleCut, absCut}
}

// LifetimeImpact counts the sessions alive under the limits from and past
// the limits to at now: the sessions a change of limits would end. It
// reads the table once (no index covers it): seconds at a million rows,
// for a settings change, not a page view.
func (s *Store) LifetimeImpact(ctx context.Context, now time.Time, from, to Lifetimes) (byIdle, byAbsolute, total int64, err error) {
	oldDead, oldArgs := from.dead(now)
	newDead, newArgs := to.dead(now)
	idleOnly, idleArgs := Lifetimes{Idle: to.Idle}.dead(now)
	absOnly, absArgs := Lifetimes{Absolute: to.Absolute}.dead(now)
	args := append(append(append(append([]any{}, idleArgs...), absArgs...), newArgs...), now.Unix())
	args = append(args, oldArgs...)
	row := s.db.WithContext(ctx).Raw("SELECT COALESCE(SUM("+idleOnly+"), 0), COALESCE(SUM("+absOnly+"), 0), "+
		"COALESCE(SUM("+newDead+"), 0) FROM sessions USE INDEX () WHERE (e > ? OR e = 0) AND NOT "+oldDead, args...).Row()
	if err := row.Scan(&byIdle, &byAbsolute, &total); err != nil {
		return 0, 0, 0, translate(err, "lifetime impact")
	}
	return byIdle, byAbsolute, total, nil
}
