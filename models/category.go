package models

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// MaxCategoryName is the longest category name accepted.
const MaxCategoryName = 128

// Category is a topic that groups useful pages.
type Category struct {
	ID        uint64    `gorm:"primaryKey"`
	Name      string    `gorm:"size:128;not null;uniqueIndex"`
	Slug      string    `gorm:"size:160;not null;uniqueIndex"`
	Views     int64     `gorm:"not null;default:0"`
	Likes     int64     `gorm:"not null;default:0;index"`
	CreatedAt time.Time `gorm:"not null"`
}

// Like records that a user likes a category; one per user and category.
type Like struct {
	UserID     uint64    `gorm:"primaryKey;autoIncrement:false"`
	CategoryID uint64    `gorm:"primaryKey;autoIncrement:false;index"`
	CreatedAt  time.Time `gorm:"not null"`
	User       User      `gorm:"constraint:OnDelete:CASCADE"`
	Category   Category  `gorm:"constraint:OnDelete:CASCADE"`
}

// Slugify derives a URL slug from a category name: lower-case ASCII letters
// and digits joined by hyphens. A name with none of those gets a slug made
// from its hash, so every name has one.
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
			continue
		}
		hyphen = true
	}
	slug := b.String()
	if len(slug) > 150 {
		slug = strings.TrimRight(slug[:150], "-")
	}
	if slug == "" {
		sum := sha1.Sum([]byte(name))
		slug = "c-" + hex.EncodeToString(sum[:5])
	}
	return slug
}

// TopCategories returns the n most liked categories.
func (s *Store) TopCategories(ctx context.Context, n int) ([]Category, error) {
	var cats []Category
	err := s.db.WithContext(ctx).Order("likes DESC, name").Limit(n).Find(&cats).Error
	return cats, translate(err, "top categories")
}

// CountCategories returns how many categories there are.
func (s *Store) CountCategories(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Category{}).Count(&n).Error
	return n, translate(err, "count categories")
}

// CategoryBySlug finds a category by its slug.
func (s *Store) CategoryBySlug(ctx context.Context, slug string) (Category, error) {
	var cat Category
	err := s.db.WithContext(ctx).Where("slug = ?", slug).Take(&cat).Error
	return cat, translate(err, "category "+slug)
}

// AllCategories lists every category by name, for choosing one.
func (s *Store) AllCategories(ctx context.Context) ([]Category, error) {
	var cats []Category
	err := s.db.WithContext(ctx).Order("name").Find(&cats).Error
	return cats, translate(err, "all categories")
}

// CreateCategory adds a category; a name or slug already taken gives
// ErrDuplicate.
func (s *Store) CreateCategory(ctx context.Context, name string) (Category, error) {
	var cat Category
	err := s.retryConflicts(ctx, func() error {
		cat = Category{Name: name, Slug: Slugify(name)}
		return s.db.WithContext(ctx).Create(&cat).Error
	})
	return cat, translate(err, "create category")
}

// SuggestCategories returns up to max categories whose name starts with
// prefix, or the most liked ones when prefix is empty or matches nothing,
// as the tutorial's suggest view does.
func (s *Store) SuggestCategories(ctx context.Context, prefix string, max int) ([]Category, error) {
	var cats []Category
	if prefix != "" {
		err := s.db.WithContext(ctx).Where("name LIKE ?", escapeLike(prefix)+"%").
			Order("name").Limit(max).Find(&cats).Error
		if err != nil || len(cats) > 0 {
			return cats, translate(err, "suggest categories")
		}
	}
	return s.TopCategories(ctx, max)
}

// escapeLike escapes LIKE's wildcards so the user's text matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// LikeCategory records that user likes the category and returns the new
// like count. Liking twice counts once.
func (s *Store) LikeCategory(ctx context.Context, userID, categoryID uint64) (int64, error) {
	return s.changeLike(ctx, userID, categoryID, true)
}

// UnlikeCategory takes a user's like back and returns the new count.
func (s *Store) UnlikeCategory(ctx context.Context, userID, categoryID uint64) (int64, error) {
	return s.changeLike(ctx, userID, categoryID, false)
}

func (s *Store) changeLike(ctx context.Context, userID, categoryID uint64, like bool) (int64, error) {
	var likes int64
	err := s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var cat Category
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "likes").
				Where("id = ?", categoryID).Take(&cat).Error; err != nil {
				return err
			}
			var res *gorm.DB
			delta := 1
			if like {
				res = tx.Clauses(clause.Insert{Modifier: "IGNORE"}).Create(&Like{UserID: userID, CategoryID: categoryID})
			} else {
				res = tx.Where("user_id = ? AND category_id = ?", userID, categoryID).Delete(&Like{})
				delta = -1
			}
			if res.Error != nil {
				return res.Error
			}
			likes = cat.Likes
			if res.RowsAffected == 0 {
				return nil
			}
			likes += int64(delta)
			if likes < 0 {
				likes = 0
			}
			return tx.Model(&Category{}).Where("id = ?", categoryID).Update("likes", likes).Error
		})
	})
	return likes, translate(err, "like category")
}

// HasLiked tells whether the user likes the category.
func (s *Store) HasLiked(ctx context.Context, userID, categoryID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Like{}).
		Where("user_id = ? AND category_id = ?", userID, categoryID).Count(&n).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return false, translate(err, "has liked")
	}
	return n > 0, nil
}
