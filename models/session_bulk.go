package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionSelection names the sessions a bulk action applies to: those
// with these hashes or, when Filter is set, every session it keeps.
type SessionSelection struct {
	Hashes []string
	Filter *SessionFilter
}

// empty tells whether the selection names no session at all.
func (sel SessionSelection) empty() bool { return sel.Filter == nil && len(sel.Hashes) == 0 }

// selector returns what restricts a query to the selection: its table,
// with the index a filter reads, and its conditions.
func (s *Store) selector(ctx context.Context, sel SessionSelection, now time.Time) (func(*gorm.DB) *gorm.DB, error) {
	if sel.Filter == nil {
		return func(db *gorm.DB) *gorm.DB {
			return db.Table("sessions AS s").Where("s.kh IN ?", sel.Hashes)
		}, nil
	}
	f := *sel.Filter
	p, err := s.plan(ctx, f, SessionSort{Key: SortSeen})
	if err != nil {
		return nil, err
	}
	return func(db *gorm.DB) *gorm.DB { return f.apply(db.Table(p.table), now) }, nil
}

// SessionSummary describes a selection of sessions before a bulk action,
// for its confirmation.
type SessionSummary struct {
	Sessions, Users, Anonymous int64
	// Username is the user's name when the logged-in sessions are all
	// one user's.
	Username string
	// Includes tells whether the session with the hash asked about (the
	// viewer's own) is among them.
	Includes bool
}

// SummarizeSessions counts the selected sessions, their distinct users and
// the anonymous ones, and tells whether the session with hash is one.
func (s *Store) SummarizeSessions(ctx context.Context, sel SessionSelection, hash string) (SessionSummary, error) {
	var sum SessionSummary
	if sel.empty() {
		return sum, nil
	}
	from, err := s.selector(ctx, sel, time.Now())
	if err != nil {
		return sum, err
	}
	var row struct {
		Sessions, Users, Anonymous int64
		Username                   string
		Includes                   bool
	}
	err = from(s.db.WithContext(ctx)).Joins("LEFT JOIN users u ON u.id = s.user_id").
		Select(`COUNT(*) AS sessions, COUNT(DISTINCT s.user_id) AS users, COALESCE(SUM(s.user_id IS NULL), 0) AS anonymous,
			COALESCE(MIN(u.username), '') AS username, COALESCE(MAX(s.kh = ?), 0) AS includes`, hash).Scan(&row).Error
	if err != nil {
		return sum, translate(err, "summarize sessions")
	}
	sum = SessionSummary{Sessions: row.Sessions, Users: row.Users, Anonymous: row.Anonymous, Includes: row.Includes}
	if row.Users == 1 {
		sum.Username = row.Username
	}
	return sum, nil
}

// SessionsEnded is what ending a selection of sessions did.
type SessionsEnded struct {
	// Sessions and Users count the sessions ended and their distinct
	// users; Anonymous counts those of no user.
	Sessions, Users, Anonymous int64
	// UserID is the user's id when the logged-in sessions were all one
	// user's.
	UserID uint64
	// Includes tells whether the session with the hash asked about was
	// one of them.
	Includes bool
	// Delta is what the ended sessions took off the dashboard's counts.
	Delta StatsDelta
}

// endedRow is what EndSessions reads of each session it deletes.
type endedRow struct {
	K         string
	Kh        string
	E         int64
	UserID    *uint64
	CreatedAt int64
	LastSeen  int64
}

// EndSessions deletes the selected sessions in batches of batch rows, each
// read and deleted in one transaction so that the counts it returns are
// those of the rows it deleted; each is recorded as ended by an admin
// (EndedByAdmin), so that its browser is told why. Sessions already gone are not counted:
// ending is idempotent. limits tell the active sessions from the ended
// ones, for the dashboard's counts.
func (s *Store) EndSessions(ctx context.Context, sel SessionSelection, hash string, limits SessionLimits, batch int) (SessionsEnded, error) {
	out := SessionsEnded{Delta: StatsDelta{Created: map[int64]int64{}}}
	if sel.empty() {
		return out, nil
	}
	now := time.Now()
	from, err := s.selector(ctx, sel, now)
	if err != nil {
		return out, err
	}
	users := map[uint64]bool{}
	for {
		var rows []endedRow
		err := s.retryConflicts(ctx, func() error {
			rows = nil
			return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				err := from(tx).Select("s.k, s.kh, s.e, s.user_id, s.created_at, s.last_seen").Limit(batch).
					Clauses(clause.Locking{Strength: "UPDATE"}).Scan(&rows).Error
				if err != nil || len(rows) == 0 {
					return err
				}
				keys := make([]string, len(rows))
				for i, r := range rows {
					keys[i] = r.K
				}
				// Recorded, so that the browsers holding them are told why;
				// not the viewer's own: the login page tells them what they did.
				if _, err := endSessions(tx, EndedByAdmin, "k IN ?", []any{keys}, "", 0); err != nil {
					return err
				}
				return tx.Exec("DELETE FROM ended_sessions WHERE kh = ?", hash).Error
			})
		})
		if err != nil {
			return out, translate(err, "end sessions")
		}
		for _, r := range rows {
			out.count(r, limits.Ended(r.E, r.CreatedAt, r.LastSeen, now), hash, users)
		}
		if len(rows) < batch {
			out.Users = int64(len(users))
			for id := range users {
				if len(users) == 1 {
					out.UserID = id
				}
			}
			return out, nil
		}
	}
}

// count adds a deleted session to the totals; ended tells whether it had
// ended already.
func (out *SessionsEnded) count(r endedRow, ended bool, hash string, users map[uint64]bool) {
	out.Sessions++
	out.Includes = out.Includes || r.Kh == hash
	if r.UserID != nil {
		users[*r.UserID] = true
	} else {
		out.Anonymous++
	}
	out.Delta.Created[r.CreatedAt/86400]++
	if ended {
		out.Delta.Expired++
		return
	}
	out.Delta.Active++
	if r.UserID == nil {
		out.Delta.Anonymous++
	}
}
