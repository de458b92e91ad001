package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// LoginRecord is one login attempt on an account: when, from where, with
// what browser, and whether the password was right.
type LoginRecord struct {
	ID        uint64    `gorm:"primaryKey;index:login_records_user,priority:2"`
	UserID    uint64    `gorm:"not null;index:login_records_user,priority:1"`
	At        time.Time `gorm:"not null"`
	IP        string    `gorm:"size:45;not null;default:''"`
	UserAgent string    `gorm:"size:512;not null;default:''"`
	Success   bool      `gorm:"not null"`
}

// KeptLogins is how many login records per user the sweeper keeps.
const KeptLogins = 50

// RecordLogin records a login attempt on the account with this user name
// (none for a name that has no account) and, when it succeeded, the
// account's last login.
func (s *Store) RecordLogin(ctx context.Context, username, ip, userAgent string, success bool) error {
	var ids []uint64
	if err := s.db.WithContext(ctx).Model(&User{}).Where("username = ?", username).Limit(1).Pluck("id", &ids).Error; err != nil {
		return translate(err, "record login")
	}
	if len(ids) == 0 {
		return nil
	}
	now := time.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rec := LoginRecord{UserID: ids[0], At: now, IP: truncate(ip, 45), UserAgent: truncate(userAgent, 512), Success: success}
		if err := tx.Create(&rec).Error; err != nil || !success {
			return err
		}
		return tx.Model(&User{}).Where("id = ?", ids[0]).Update("last_login", now).Error
	})
	return translate(err, "record login")
}

// RecentLogins returns a user's latest login records, newest first.
func (s *Store) RecentLogins(ctx context.Context, userID uint64, limit int) ([]LoginRecord, error) {
	var out []LoginRecord
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, translate(err, "recent logins")
}

// TrimLoginRecords deletes all but the newest keep login records of each
// user, for up to batch users at a time, and returns how many went. It
// reads the (user_id, id) index once to find the users with more, then
// each such user's old records along it.
func (s *Store) TrimLoginRecords(ctx context.Context, keep, batch int) (int64, error) {
	var total int64
	for {
		var users []uint64
		err := s.db.WithContext(ctx).Raw("SELECT user_id FROM login_records GROUP BY user_id HAVING COUNT(*) > ? LIMIT ?", keep, batch).
			Scan(&users).Error
		if err != nil {
			return total, translate(err, "trim login records")
		}
		for _, id := range users {
			res := s.db.WithContext(ctx).Exec(`DELETE FROM login_records WHERE user_id = ? AND id < (SELECT id FROM (
				SELECT id FROM login_records WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?) AS newest)`, id, id, keep-1)
			if res.Error != nil {
				return total, translate(res.Error, "trim login records")
			}
			total += res.RowsAffected
		}
		if len(users) < batch {
			return total, nil
		}
	}
}

// UserRow is a user as the admin's list shows them, with their number of
// live sessions.
type UserRow struct {
	User
	Sessions int64 `gorm:"column:sessions"`
}

// UserQuery selects users for the admin's list.
type UserQuery struct {
	// Search matches a part of the user name or the email address.
	Search string
	// Staff keeps staff accounts; Inactive keeps deactivated ones.
	Staff, Inactive bool
	// Limits decide which sessions are live, for the counts.
	Limits SessionLimits
}

// AdminUsers returns a page of users by user name, after (or, with
// before, ahead of) the position at.
func (s *Store) AdminUsers(ctx context.Context, uq UserQuery, at *Keyset, before bool, limit int) ([]UserRow, *Keyset, *Keyset, error) {
	ended, args := uq.Limits.endedSQL("s", time.Now())
	q := s.db.WithContext(ctx).Table("users").
		Select("users.*, (SELECT COUNT(*) FROM sessions AS s FORCE INDEX (sessions_user_seen) WHERE s.user_id = users.id AND NOT "+ended+") AS sessions", args...)
	if uq.Search != "" {
		like := "%" + escapeLike(uq.Search) + "%"
		q = q.Where("(users.username LIKE ? OR users.email LIKE ?)", like, like)
	}
	if uq.Staff {
		q = q.Where("users.is_staff = ?", true)
	}
	if uq.Inactive {
		q = q.Where("users.is_active = ?", false)
	}
	rows, prev, next, err := keysetPage(q, keysetOrder{column: "users.username"}, "users.id", at, before, limit,
		func(u UserRow) Keyset { return Keyset{Value: u.Username, ID: u.ID} })
	return rows, prev, next, translate(err, "admin users")
}

// ContentTotals are the dashboard's counts of what the site holds.
type ContentTotals struct {
	Categories, Pages, Users, Staff int64
}

// ContentTotals counts the categories, pages, users and active staff.
func (s *Store) ContentTotals(ctx context.Context) (ContentTotals, error) {
	var t ContentTotals
	err := s.db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM categories), (SELECT COUNT(*) FROM pages),
		(SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM users WHERE is_staff = 1 AND is_active = 1)`).Row().
		Scan(&t.Categories, &t.Pages, &t.Users, &t.Staff)
	return t, translate(err, "content totals")
}

// changeAccount changes a user in a transaction that also deletes every
// session of theirs, recorded as ended for reason (models.Ended*), so that
// the change holds from their next request on, on every instance, and
// their browsers are told why. With guard set it refuses, with ErrLastStaff, to
// change the last active staff account. It returns the sessions ended.
func (s *Store) changeAccount(ctx context.Context, id uint64, guard bool, reason string, change func(tx *gorm.DB) error) (int64, error) {
	var ended int64
	err := s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var u User
			if err := tx.Select("id").Take(&u, id).Error; err != nil {
				return err
			}
			if guard {
				// Locking the staff rows makes two such changes at once
				// take turns, so that they cannot leave none between them.
				var staff []uint64
				if err := tx.Raw("SELECT id FROM users WHERE is_staff = 1 AND is_active = 1 FOR UPDATE").Scan(&staff).Error; err != nil {
					return err
				}
				if len(staff) == 1 && slices.Contains(staff, id) {
					return ErrLastStaff
				}
			}
			if err := change(tx); err != nil {
				return err
			}
			var err error
			ended, err = endSessions(tx, reason, "user_id = ?", []any{id}, "", 0)
			return err
		})
	})
	if errors.Is(err, ErrLastStaff) {
		return 0, err
	}
	return ended, translate(err, fmt.Sprintf("change user %d", id))
}

// SetStaff makes a user staff or not; their sessions end, so that they
// log in again with their new rights. The last active staff account
// cannot be demoted.
func (s *Store) SetStaff(ctx context.Context, id uint64, staff bool) (int64, error) {
	return s.changeAccount(ctx, id, !staff, EndedByAdmin, func(tx *gorm.DB) error {
		return tx.Model(&User{}).Where("id = ?", id).Update("is_staff", staff).Error
	})
}

// SetActive deactivates a user (who can then not log in) or reactivates
// them; either way their sessions end. The last active staff account
// cannot be deactivated.
func (s *Store) SetActive(ctx context.Context, id uint64, active bool) (int64, error) {
	return s.changeAccount(ctx, id, !active, EndedByAdmin, func(tx *gorm.DB) error {
		return tx.Model(&User{}).Where("id = ?", id).Update("is_active", active).Error
	})
}

// ResetPassword gives a user a new password and ends their sessions.
func (s *Store) ResetPassword(ctx context.Context, id uint64, password string) (int64, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return 0, fmt.Errorf("models: hash password: %w", err)
	}
	return s.changeAccount(ctx, id, false, EndedPasswordChanged, func(tx *gorm.DB) error {
		return tx.Model(&User{}).Where("id = ?", id).Update("password_hash", string(hash)).Error
	})
}

// DeleteUser deletes a user with their likes (the liked categories' counts
// go down), login records and sessions; the categories and pages they
// added stay. The last active staff account cannot be deleted. It returns
// the likes and the sessions that went.
func (s *Store) DeleteUser(ctx context.Context, id uint64) (likes, sessions int64, err error) {
	sessions, err = s.changeAccount(ctx, id, true, EndedAccountDeleted, func(tx *gorm.DB) error {
		var liked []uint64
		if err := tx.Raw("SELECT category_id FROM likes WHERE user_id = ? FOR UPDATE", id).Scan(&liked).Error; err != nil {
			return err
		}
		likes = int64(len(liked))
		if len(liked) > 0 {
			if err := tx.Exec("UPDATE categories SET likes = likes - 1 WHERE id IN ? AND likes > 0", liked).Error; err != nil {
				return err
			}
		}
		for _, q := range []string{"DELETE FROM likes WHERE user_id = ?", "DELETE FROM login_records WHERE user_id = ?",
			"DELETE FROM users WHERE id = ?"} {
			if err := tx.Exec(q, id).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return likes, sessions, nil
}
