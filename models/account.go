package models

import (
	"context"
	"fmt"
)

// UserLikes counts the categories a user likes.
func (s *Store) UserLikes(ctx context.Context, userID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Like{}).Where("user_id = ?", userID).Count(&n).Error
	return n, translate(err, fmt.Sprintf("likes of user %d", userID))
}

// IsLastStaff tells whether the user is the only active staff account,
// which must keep its rights (see ErrLastStaff).
func (s *Store) IsLastStaff(ctx context.Context, userID uint64) (bool, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&User{}).Where("is_staff = ? AND is_active = ?", true, true).Limit(2).Pluck("id", &ids).Error
	if err != nil {
		return false, translate(err, "staff accounts")
	}
	return len(ids) == 1 && ids[0] == userID, nil
}
