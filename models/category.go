package models

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
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
// It has no foreign key to its category: the key's check would take a
// shared lock on the category's row, and two likes upgrading theirs to
// the count's update deadlock each other. A like of a category deleted
// meanwhile finds no row to count and is rolled back (changeLike); a
// category's deletion deletes its likes.
type Like struct {
	UserID     uint64    `gorm:"primaryKey;autoIncrement:false"`
	CategoryID uint64    `gorm:"primaryKey;autoIncrement:false;index"`
	CreatedAt  time.Time `gorm:"not null"`
	User       User      `gorm:"constraint:OnDelete:CASCADE"`
}

// likeCategoryKey is the foreign key older versions of Rango had from
// likes to categories.
const likeCategoryKey = "fk_likes_category"

// dropLikeCategoryKey drops likeCategoryKey where an older version made it
// (see Like); a concurrent migrator may have dropped it first.
func (s *Store) dropLikeCategoryKey(ctx context.Context) error {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM information_schema.referential_constraints
		WHERE constraint_schema = DATABASE() AND table_name = 'likes' AND constraint_name = ?`, likeCategoryKey).Row().Scan(&n)
	if err != nil || n == 0 {
		return translate(err, "find "+likeCategoryKey)
	}
	err = s.db.WithContext(ctx).Exec("ALTER TABLE likes DROP FOREIGN KEY " + likeCategoryKey).Error
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1091 { // already gone
		return nil
	}
	return translate(err, "drop "+likeCategoryKey)
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
// prefix, by name; none for an empty prefix (an emptied search box clears
// its list). Unlike the tutorial's suggest view it never falls back to
// other categories: a list of non-matches would hide that nothing matched.
func (s *Store) SuggestCategories(ctx context.Context, prefix string, max int) ([]Category, error) {
	if prefix == "" {
		return nil, nil
	}
	var cats []Category
	err := s.db.WithContext(ctx).Where("name LIKE ?", escapeLike(prefix)+"%").
		Order("name").Limit(max).Find(&cats).Error
	return cats, translate(err, "suggest categories")
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

// changeLike adds or deletes the user's like row and, only when that
// changed a row, moves the category's count by one, in one short
// transaction: the category's row is locked from its UPDATE to the COMMIT
// that follows at once, never across the other statements, so concurrent
// likes of a popular category wait for each other only that long. The
// count the UPDATE writes comes back through LAST_INSERT_ID(expr), with no
// further query: it is the committed count, this like included. Four round
// trips: begin, insert (or delete), update, commit.
func (s *Store) changeLike(ctx context.Context, userID, categoryID uint64, like bool) (int64, error) {
	changeRow, moveCount := "INSERT IGNORE INTO likes (user_id, category_id, created_at) VALUES (?, ?, ?)",
		"UPDATE categories SET likes = LAST_INSERT_ID(likes + 1) WHERE id = ?"
	args := []any{userID, categoryID, time.Now()}
	if !like {
		changeRow, moveCount = "DELETE FROM likes WHERE user_id = ? AND category_id = ?",
			"UPDATE categories SET likes = LAST_INSERT_ID(GREATEST(likes, 1) - 1) WHERE id = ?"
		args = args[:2]
	}
	sqlDB, err := s.SQLDB()
	if err != nil {
		return 0, err
	}
	var likes int64
	changed := false
	err = s.retryConflicts(ctx, func() error {
		tx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		if likes, changed, err = likeInTx(ctx, tx, changeRow, moveCount, args, categoryID); err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		if isForeignKeyMissing(err) {
			return 0, fmt.Errorf("models: like category %d: %w", categoryID, ErrNotFound)
		}
		return 0, translate(err, "like category")
	}
	if !changed { // a double click: nothing moved; show the count as it is
		return s.categoryLikes(ctx, categoryID)
	}
	return likes, nil
}

// likeInTx runs a like's two statements in tx; changed tells whether the
// like row changed (and with it the count, which it returns).
func likeInTx(ctx context.Context, tx *sql.Tx, changeRow, moveCount string, args []any, categoryID uint64) (int64, bool, error) {
	res, err := tx.ExecContext(ctx, changeRow, args...)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, err
	}
	res, err = tx.ExecContext(ctx, moveCount, categoryID)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, fmt.Errorf("models: category %d: %w", categoryID, ErrNotFound)
	}
	likes, err := res.LastInsertId()
	return likes, true, err
}

// categoryLikes reads a category's like count.
func (s *Store) categoryLikes(ctx context.Context, categoryID uint64) (int64, error) {
	var likes []int64
	err := s.db.WithContext(ctx).Model(&Category{}).Where("id = ?", categoryID).Pluck("likes", &likes).Error
	if err != nil {
		return 0, translate(err, "category likes")
	}
	if len(likes) == 0 {
		return 0, fmt.Errorf("models: category %d: %w", categoryID, ErrNotFound)
	}
	return likes[0], nil
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
