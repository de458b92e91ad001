package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SessionInfo is a stored session as the admin and "your sessions" pages
// show it. Key is the real key: only ever shown shortened.
type SessionInfo struct {
	Key       string  `gorm:"column:k"`
	Hash      string  `gorm:"column:kh"`
	UserID    *uint64 `gorm:"column:user_id"`
	Username  string  `gorm:"column:username"`
	IP        string  `gorm:"column:ip"`
	UserAgent string  `gorm:"column:user_agent"`
	CreatedAt int64   `gorm:"column:created_at"`
	LastSeen  int64   `gorm:"column:last_seen"`
	Expiry    int64   `gorm:"column:e"`
	Size      int     `gorm:"column:size"`
	Data      []byte  `gorm:"column:v"`
	// Ended tells that the session is past its expiry or a limit of
	// SessionLimits when it was read.
	Ended bool      `gorm:"column:ended"`
	Now   time.Time `gorm:"-"`
}

// Created returns when the session began.
func (s SessionInfo) Created() time.Time { return time.Unix(s.CreatedAt, 0) }

// Seen returns when the session was last active.
func (s SessionInfo) Seen() time.Time { return time.Unix(s.LastSeen, 0) }

// Expires returns when the session expires.
func (s SessionInfo) Expires() time.Time { return time.Unix(s.Expiry, 0) }

// Expired tells whether the session has ended: past its expiry, or past
// a limit of SessionLimits when it was read.
func (s SessionInfo) Expired() bool {
	return s.Ended || (s.Expiry != 0 && s.Expiry <= time.Now().Unix())
}

// SessionFilter narrows the admin's session list.
type SessionFilter struct {
	// Status is "", "active" or "expired".
	Status string
	// UserID keeps one user's sessions when not 0.
	UserID uint64
	// Search matches the start of an IP address when it looks like one
	// (digits, dots, colons), otherwise the start of a user name.
	Search string
	// Limits decide, with each session's expiry, which sessions have
	// ended (the "expired" status).
	Limits SessionLimits
}

// ipLike tells whether a search looks like the start of an IP address.
func ipLike(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && r != '.' && r != ':' {
			return false
		}
	}
	return true
}

// sparseMatches is below how many matching sessions a search reads them
// through the IP or user index and sorts them, rather than walking the
// whole table by activity until a page is full. MySQL and MariaDB pick the
// walk whatever the numbers, which takes seconds over a million rows when
// the matches are few.
const sparseMatches = 100000

// SessionCursor is a keyset position in the list, ordered by last activity
// then hash, newest first.
type SessionCursor struct {
	LastSeen int64
	Hash     string
}

// SessionPage is one page of the admin's session list.
type SessionPage struct {
	Sessions []SessionInfo
	// Prev and Next are the cursors of the neighbouring pages, nil at the ends.
	Prev, Next *SessionCursor
}

const sessionListColumns = "s.k, s.kh, s.user_id, COALESCE(u.username, '') AS username, s.ip, s.user_agent, " +
	"s.created_at, s.last_seen, s.e, LENGTH(s.v) AS size"

// listColumns are sessionListColumns and whether each session has ended.
func (f SessionFilter) listColumns(now time.Time) (string, []any) {
	ended, args := f.Limits.endedSQL("s", now)
	return sessionListColumns + ", " + ended + " AS ended", args
}

func (f SessionFilter) apply(q *gorm.DB, now time.Time) *gorm.DB {
	ended, args := f.Limits.endedSQL("s", now)
	switch f.Status {
	case "active":
		q = q.Where("NOT "+ended, args...)
	case "expired":
		q = q.Where(ended, args...)
	}
	if f.UserID != 0 {
		q = q.Where("s.user_id = ?", f.UserID)
	}
	if f.Search != "" {
		like := escapeLike(f.Search) + "%"
		if ipLike(f.Search) {
			q = q.Where("s.ip LIKE ?", like)
		} else {
			q = q.Where("s.user_id IN (SELECT id FROM users WHERE username LIKE ?)", like)
		}
	}
	return q
}

// index picks the index a filtered list reads: the IP or user index when
// the matches are few (counted, up to sparseMatches, on that index alone),
// the activity index otherwise.
func (s *Store) index(ctx context.Context, f SessionFilter) (string, error) {
	var name, where string
	var arg any
	switch {
	case f.Search != "" && ipLike(f.Search):
		name, where, arg = "sessions_ip_seen", "ip LIKE ?", escapeLike(f.Search)+"%"
	case f.Search != "":
		name, where, arg = "sessions_user_seen", "user_id IN (SELECT id FROM users WHERE username LIKE ?)", escapeLike(f.Search)+"%"
	default:
		return "", nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM (SELECT 1 FROM sessions FORCE INDEX ("+name+") WHERE "+where+" LIMIT ?) AS m",
		arg, sparseMatches).Row().Scan(&n)
	if err != nil {
		return "", translate(err, "count matches")
	}
	if n >= sparseMatches {
		return "", nil
	}
	return name, nil
}

// ListSessions returns up to limit sessions after (or, with before, ahead
// of) the cursor, newest activity first.
func (s *Store) ListSessions(ctx context.Context, f SessionFilter, at *SessionCursor, before bool, limit int) (SessionPage, error) {
	now := time.Now()
	table := "sessions AS s"
	if f.UserID != 0 {
		table = "sessions AS s FORCE INDEX (sessions_user_seen)"
	} else if idx, err := s.index(ctx, f); err != nil {
		return SessionPage{}, err
	} else if idx != "" {
		table = "sessions AS s FORCE INDEX (" + idx + ")"
	}
	cols, args := f.listColumns(now)
	q := f.apply(s.db.WithContext(ctx).Table(table).Select(cols, args...).
		Joins("LEFT JOIN users u ON u.id = s.user_id"), now)
	order := "s.last_seen DESC, s.kh DESC"
	if at != nil {
		if before {
			q = q.Where("(s.last_seen > ? OR (s.last_seen = ? AND s.kh > ?))", at.LastSeen, at.LastSeen, at.Hash)
			order = "s.last_seen ASC, s.kh ASC"
		} else {
			q = q.Where("(s.last_seen < ? OR (s.last_seen = ? AND s.kh < ?))", at.LastSeen, at.LastSeen, at.Hash)
		}
	}
	var rows []SessionInfo
	if err := q.Order(order).Limit(limit + 1).Scan(&rows).Error; err != nil {
		return SessionPage{}, translate(err, "list sessions")
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	if before {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	page := SessionPage{Sessions: rows}
	if len(rows) == 0 {
		return page, nil
	}
	first, last := rows[0], rows[len(rows)-1]
	if (before && more) || (!before && at != nil) {
		page.Prev = &SessionCursor{first.LastSeen, first.Hash}
	}
	if (!before && more) || before {
		page.Next = &SessionCursor{last.LastSeen, last.Hash}
	}
	return page, nil
}

// SessionByHash returns one session with its data; limits decide whether
// it has ended.
func (s *Store) SessionByHash(ctx context.Context, hash string, limits SessionLimits) (SessionInfo, error) {
	var rows []SessionInfo
	cols, args := SessionFilter{Limits: limits}.listColumns(time.Now())
	err := s.db.WithContext(ctx).Table("sessions AS s").Select(cols+", s.v", args...).
		Joins("LEFT JOIN users u ON u.id = s.user_id").Where("s.kh = ?", hash).Limit(1).Scan(&rows).Error
	if err != nil {
		return SessionInfo{}, translate(err, "session")
	}
	if len(rows) == 0 {
		return SessionInfo{}, fmt.Errorf("models: session %s: %w", hash, ErrNotFound)
	}
	return rows[0], nil
}

// UserSessions lists a user's live sessions, newest activity first.
func (s *Store) UserSessions(ctx context.Context, userID uint64, limits SessionLimits) ([]SessionInfo, error) {
	page, err := s.ListSessions(ctx, SessionFilter{Status: "active", UserID: userID, Limits: limits}, nil, false, 200)
	return page.Sessions, err
}

// DeleteSessionsByHash deletes the sessions with these hashes, whoever
// they belong to: the admin's action. For a user ending their own
// sessions, use DeleteUserSessionsByHash.
func (s *Store) DeleteSessionsByHash(ctx context.Context, hashes []string) (int64, error) {
	if len(hashes) == 0 {
		return 0, nil
	}
	var n int64
	err := s.retryConflicts(ctx, func() error {
		res := s.db.WithContext(ctx).Exec("DELETE FROM sessions WHERE kh IN ?", hashes)
		n = res.RowsAffected
		return res.Error
	})
	return n, translate(err, "delete sessions")
}

// DeleteUserSessionsByHash deletes those of the sessions with these hashes
// that belong to the user (WHERE kh IN ... AND user_id = ?), so that a user
// ends only their own. A user id of 0 belongs to nobody: nothing is deleted.
func (s *Store) DeleteUserSessionsByHash(ctx context.Context, userID uint64, hashes []string) (int64, error) {
	if len(hashes) == 0 || userID == 0 {
		return 0, nil
	}
	var n int64
	err := s.retryConflicts(ctx, func() error {
		res := s.db.WithContext(ctx).Exec("DELETE FROM sessions WHERE kh IN ? AND user_id = ?", hashes, userID)
		n = res.RowsAffected
		return res.Error
	})
	return n, translate(err, "delete user sessions")
}

// DeleteUserSessions deletes every session of a user except the one with
// the hash keep (none if keep is "").
func (s *Store) DeleteUserSessions(ctx context.Context, userID uint64, keep string) (int64, error) {
	var n int64
	err := s.retryConflicts(ctx, func() error {
		res := s.db.WithContext(ctx).Exec("DELETE FROM sessions WHERE user_id = ? AND kh != ?", userID, keep)
		n = res.RowsAffected
		return res.Error
	})
	return n, translate(err, "delete user sessions")
}

// DeleteBatch is how many rows one DELETE of sessions removes at most, in
// the sweeper, -clearsessions and the admin's bulk actions: small enough
// that no statement holds its locks for long while the site serves.
const DeleteBatch = 1000

// DeleteAllSessions deletes every session, in batches.
func (s *Store) DeleteAllSessions(ctx context.Context, batch int) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.retryConflicts(ctx, func() error {
			res := s.db.WithContext(ctx).Exec("DELETE FROM sessions LIMIT ?", batch)
			n = res.RowsAffected
			return res.Error
		})
		total += n
		if err != nil || n < int64(batch) {
			return total, translate(err, "delete all sessions")
		}
	}
}

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

// UsersByPrefix returns up to max users whose name starts with prefix, for
// the admin's user filter.
func (s *Store) UsersByPrefix(ctx context.Context, prefix string, max int) ([]User, error) {
	var users []User
	err := s.db.WithContext(ctx).Where("username LIKE ?", escapeLike(strings.TrimSpace(prefix))+"%").
		Order("username").Limit(max).Find(&users).Error
	return users, translate(err, "users")
}
