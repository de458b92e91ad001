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

// Values of SessionFilter.Status and SessionFilter.Who.
const (
	StatusActive  = "active"
	StatusExpired = "expired"
	WhoAnonymous  = "anonymous"
	WhoUsers      = "users"
)

// SessionFilter narrows the admin's session list.
type SessionFilter struct {
	// Status is "", StatusActive or StatusExpired.
	Status string
	// Who is "", WhoAnonymous or WhoUsers (logged in).
	Who string
	// UserID keeps one user's sessions when not 0.
	UserID uint64
	// Search matches the start of an IP address when it looks like one
	// (digits, dots, colons), otherwise the start of a user name.
	Search string
	// Day keeps the sessions created on this UTC day, when not zero.
	Day time.Time
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

// Sort keys of the admin's session list.
const (
	SortSeen    = "seen"
	SortCreated = "created"
	SortExpires = "expires"
	SortSize    = "size"
)

// SessionSort orders the admin's session list by a key, then by hash.
type SessionSort struct {
	// Key is SortSeen, SortCreated, SortExpires or SortSize.
	Key string
	// Asc puts the smallest first; the default is largest (newest) first.
	Asc bool
}

// column is the SQL the sort key reads.
func (o SessionSort) column() string {
	switch o.Key {
	case SortCreated:
		return "s.created_at"
	case SortExpires:
		return "s.e"
	case SortSize:
		return "LENGTH(s.v)"
	}
	return "s.last_seen"
}

// Value returns a session's sort key, which a cursor holds.
func (o SessionSort) Value(s SessionInfo) int64 {
	switch o.Key {
	case SortCreated:
		return s.CreatedAt
	case SortExpires:
		return s.Expiry
	case SortSize:
		return int64(s.Size)
	}
	return s.LastSeen
}

// SessionCursor is a keyset position in the list: the sort key and the
// hash of the session next to it.
type SessionCursor struct {
	Value int64
	Hash  string
}

// SessionPage is one page of the admin's session list.
type SessionPage struct {
	Sessions []SessionInfo
	// Prev and Next are the cursors of the neighbouring pages, nil at the ends.
	Prev, Next *SessionCursor
}

const sessionListColumns = "s.k, s.kh, s.user_id, COALESCE(u.username, '') AS username, s.ip, s.user_agent, " +
	"s.created_at, s.last_seen, s.e, LENGTH(s.v) AS size, s.v"

// listColumns are sessionListColumns and whether each session has ended.
func (f SessionFilter) listColumns(now time.Time) (string, []any) {
	ended, args := f.Limits.endedSQL("s", now)
	return sessionListColumns + ", " + ended + " AS ended", args
}

func (f SessionFilter) apply(q *gorm.DB, now time.Time) *gorm.DB {
	ended, args := f.Limits.endedSQL("s", now)
	switch f.Status {
	case StatusActive:
		q = q.Where("NOT "+ended, args...)
	case StatusExpired:
		q = q.Where(ended, args...)
	}
	switch f.Who {
	case WhoAnonymous:
		q = q.Where("s.user_id IS NULL")
	case WhoUsers:
		q = q.Where("s.user_id IS NOT NULL")
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
	if !f.Day.IsZero() {
		start := f.Day.UTC().Truncate(24 * time.Hour).Unix()
		q = q.Where("s.created_at >= ? AND s.created_at < ?", start, start+86400)
	}
	return q
}

// index picks the index a search reads: the IP or user index when the
// matches are few (counted, up to sparseMatches, on that index alone), none
// otherwise. It returns the count too, exact when the index was picked.
func (s *Store) index(ctx context.Context, f SessionFilter) (string, int64, error) {
	var name, where string
	var arg any
	switch {
	case f.Search != "" && ipLike(f.Search):
		name, where, arg = "sessions_ip_seen", "ip LIKE ?", escapeLike(f.Search)+"%"
	case f.Search != "":
		name, where, arg = "sessions_user_seen", "user_id IN (SELECT id FROM users WHERE username LIKE ?)", escapeLike(f.Search)+"%"
	default:
		return "", 0, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM (SELECT 1 FROM sessions FORCE INDEX ("+name+") WHERE "+where+" LIMIT ?) AS m",
		arg, sparseMatches).Row().Scan(&n)
	if err != nil {
		return "", 0, translate(err, "count matches")
	}
	if n >= sparseMatches {
		return "", n, nil
	}
	return name, n, nil
}

// sessionPlan is how a filtered, sorted read of the sessions goes.
type sessionPlan struct {
	// table is the FROM clause, with an index hint when one is needed.
	table string
	// narrow is set when an index keeps only the matches (few of them).
	narrow bool
	// probe asks for a first query that finds where a page of the sort
	// ends along an index on the sort key alone, so that the page's query
	// sorts a bounded range; see ListSessions.
	probe bool
	// searchCount is the number of search matches the plan counted, when
	// it counted them and they were fewer than sparseMatches.
	searchCount int64
}

// plan picks the indexes for a filter and a sort. Every index on sessions
// costs each insert and each delete (the cleanup's speed), so the sorts
// that have none here (created, size) and the created-day filter read the
// whole table when no other filter narrows it, rather than adding one.
func (s *Store) plan(ctx context.Context, f SessionFilter, o SessionSort) (sessionPlan, error) {
	if f.UserID != 0 {
		return sessionPlan{table: "sessions AS s FORCE INDEX (sessions_user_seen)", narrow: true}, nil
	}
	idx, n, err := s.index(ctx, f)
	if err != nil {
		return sessionPlan{}, err
	}
	if idx != "" {
		return sessionPlan{table: "sessions AS s FORCE INDEX (" + idx + ")", narrow: true, searchCount: n}, nil
	}
	switch {
	case o.Key == SortExpires:
		// sessions_e is (e) alone: the probe bounds the range to a page,
		// which then sorts by (e, kh) in memory.
		return sessionPlan{table: "sessions AS s FORCE INDEX (sessions_e)", probe: true}, nil
	case o.Key == SortCreated || o.Key == SortSize || !f.Day.IsZero():
		// No index has these: one scan of the table. Walking an index by
		// activity and looking each row up, which the optimizer may pick
		// for a LIMIT, takes ten times longer.
		return sessionPlan{table: "sessions AS s USE INDEX ()"}, nil
	}
	return sessionPlan{table: "sessions AS s"}, nil
}

// ListSessions returns up to limit sessions after (or, with before, ahead
// of) the cursor, in the sort's order.
func (s *Store) ListSessions(ctx context.Context, f SessionFilter, o SessionSort, at *SessionCursor, before bool, limit int) (SessionPage, error) {
	now := time.Now()
	p, err := s.plan(ctx, f, o)
	if err != nil {
		return SessionPage{}, err
	}
	col := o.column()
	desc := !o.Asc != before // the direction this read walks in
	cmp, dir, bound := ">", " ASC", " <= ?"
	if desc {
		cmp, dir, bound = "<", " DESC", " >= ?"
	}
	where := func(q *gorm.DB) *gorm.DB {
		q = f.apply(q, now)
		if at != nil {
			q = q.Where("("+col+" "+cmp+" ? OR ("+col+" = ? AND s.kh "+cmp+" ?))", at.Value, at.Value, at.Hash)
		}
		return q
	}
	cols, args := f.listColumns(now)
	q := where(s.db.WithContext(ctx).Table(p.table).Select(cols, args...).Joins("LEFT JOIN users u ON u.id = s.user_id"))
	if p.probe {
		// The sort key of the row after this page, read along the index;
		// the page lies between the cursor and it.
		var edge []int64
		err := where(s.db.WithContext(ctx).Table(p.table)).Select(col).Order(col + dir).Offset(limit).Limit(1).Scan(&edge).Error
		if err != nil {
			return SessionPage{}, translate(err, "list sessions")
		}
		if len(edge) == 1 {
			q = q.Where(col+bound, edge[0])
		}
	}
	var rows []SessionInfo
	if err := q.Order(col + dir + ", s.kh" + dir).Limit(limit + 1).Scan(&rows).Error; err != nil {
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
		page.Prev = &SessionCursor{o.Value(first), first.Hash}
	}
	if (!before && more) || before {
		page.Next = &SessionCursor{o.Value(last), last.Hash}
	}
	return page, nil
}

// CountSessions counts the sessions the filter keeps, up to max: exact is
// false when there are more than max. Counting stops there, so that the
// count of a broad filter over a million sessions stays short.
func (s *Store) CountSessions(ctx context.Context, f SessionFilter, max int64) (n int64, exact bool, err error) {
	p, err := s.plan(ctx, f, SessionSort{Key: SortSeen})
	if err != nil {
		return 0, false, err
	}
	if p.searchCount > 0 && f == (SessionFilter{Search: f.Search}) && p.searchCount <= max {
		return p.searchCount, true, nil // the plan counted these already
	}
	if f == (SessionFilter{Status: StatusExpired, Limits: f.Limits}) && f.Limits.Absolute == 0 {
		return s.countEnded(ctx, time.Now(), f.Limits.idleLimit(), max)
	}
	if !p.narrow && f.Status != "" && f.Who != "" {
		// No index has both the expiry and the user: reading the table
		// until max+1 match beats walking one index and looking each
		// row up (10 s against 0.5 s at a million rows).
		p.table = "sessions AS s USE INDEX ()"
	}
	sub := f.apply(s.db.WithContext(ctx).Table(p.table).Select("1"), time.Now()).Limit(int(max + 1))
	if err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM (?) AS m", sub).Row().Scan(&n); err != nil {
		return 0, false, translate(err, "count sessions")
	}
	if n > max {
		return max, false, nil
	}
	return n, true, nil
}

// countEnded counts the sessions that have ended at now (past their expiry,
// or unused for longer than idle when that is set), up to max, along the
// expiry and activity indexes: an index-only read of each condition, and
// the union of the two only when neither passes max. Given the two
// conditions' OR, the optimizer reads the whole table instead (1.28 s at a
// million sessions, BENCHMARKS.md).
func (s *Store) countEnded(ctx context.Context, now time.Time, idle time.Duration, max int64) (int64, bool, error) {
	type condition struct {
		rows string
		arg  int64
	}
	conds := []condition{{"SELECT k FROM sessions FORCE INDEX (sessions_e) WHERE e != 0 AND e <= ?", now.Unix()}}
	if idle > 0 {
		conds = append(conds, condition{"SELECT k FROM sessions FORCE INDEX (sessions_last_seen) WHERE last_seen > 0 AND last_seen < ?",
			now.Add(-idle).Unix()})
	}
	db := s.db.WithContext(ctx)
	var n int64
	var union []string
	var args []any
	for _, c := range conds {
		if err := db.Raw("SELECT COUNT(*) FROM ("+c.rows+" LIMIT ?) AS m", c.arg, max+1).Row().Scan(&n); err != nil {
			return 0, false, translate(err, "count ended sessions")
		}
		if n > max {
			return max, false, nil
		}
		union, args = append(union, "("+c.rows+")"), append(args, c.arg)
	}
	if len(union) > 1 {
		if err := db.Raw("SELECT COUNT(*) FROM ("+strings.Join(union, " UNION ")+") AS m", args...).Row().Scan(&n); err != nil {
			return 0, false, translate(err, "count ended sessions")
		}
	}
	if n > max {
		return max, false, nil
	}
	return n, true, nil
}

// SessionByHash returns one session with its data; limits decide whether
// it has ended.
func (s *Store) SessionByHash(ctx context.Context, hash string, limits SessionLimits) (SessionInfo, error) {
	var rows []SessionInfo
	cols, args := SessionFilter{Limits: limits}.listColumns(time.Now())
	err := s.db.WithContext(ctx).Table("sessions AS s").Select(cols, args...).
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
	page, err := s.ListSessions(ctx, SessionFilter{Status: StatusActive, UserID: userID, Limits: limits}, SessionSort{Key: SortSeen}, nil, false, 200)
	return page.Sessions, err
}

// DeleteSessionsByHash deletes the sessions with these hashes, whoever
// they belong to, as ended by an admin (EndedByAdmin). For a user ending
// their own sessions, use DeleteUserSessionsByHash.
func (s *Store) DeleteSessionsByHash(ctx context.Context, hashes []string) (int64, error) {
	if len(hashes) == 0 {
		return 0, nil
	}
	var n int64
	err := s.retryConflicts(ctx, func() (err error) {
		n, err = endSessions(s.db.WithContext(ctx), EndedByAdmin, "kh IN ?", []any{hashes}, "", 0)
		return err
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
	err := s.retryConflicts(ctx, func() (err error) {
		n, err = endSessions(s.db.WithContext(ctx), EndedSignedOut, "kh IN ? AND user_id = ?", []any{hashes, userID}, "", 0)
		return err
	})
	return n, translate(err, "delete user sessions")
}

// DeleteUserSessions deletes every session of a user except the one with
// the hash keep (none if keep is ""), recording reason (models.Ended*) so
// that their browsers are told why.
func (s *Store) DeleteUserSessions(ctx context.Context, userID uint64, keep, reason string) (int64, error) {
	var n int64
	err := s.retryConflicts(ctx, func() (err error) {
		n, err = endSessions(s.db.WithContext(ctx), reason, "user_id = ? AND kh != ?", []any{userID, keep}, "", 0)
		return err
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

// UsersByPrefix returns up to max users whose name starts with prefix, for
// the admin's user filter.
func (s *Store) UsersByPrefix(ctx context.Context, prefix string, max int) ([]User, error) {
	var users []User
	err := s.db.WithContext(ctx).Where("username LIKE ?", escapeLike(strings.TrimSpace(prefix))+"%").
		Order("username").Limit(max).Find(&users).Error
	return users, translate(err, "users")
}
