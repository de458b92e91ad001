package models

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"rango/internal/groupcommit"
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
	if isServerError(err, 1091) { // already gone
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

// likeWrite is one user's like or unlike of a category, queued with the
// others of the same category in this instance (package groupcommit);
// likes is the count its batch committed.
type likeWrite struct {
	userID uint64
	like   bool
	likes  int64
}

// changeLike adds or deletes the user's like row and moves the category's
// count with it. The likes of one category are queued in the instance and
// committed in batches (commitLikes): however many users like a popular
// category at once, the instance holds its row lock for one transaction
// at a time, from the count's UPDATE to the COMMIT that follows at once,
// and requests wait their turn in memory rather than on the lock.
func (s *Store) changeLike(ctx context.Context, userID, categoryID uint64, like bool) (int64, error) {
	w := &likeWrite{userID: userID, like: like}
	err := s.likes.Submit(ctx, strconv.FormatUint(categoryID, 10), w, s.commitLikes)
	if errors.Is(err, groupcommit.ErrGaveUp) {
		return 0, fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return w.likes, err
}

// commitLikes writes a batch of likes and unlikes of one category in one
// transaction: each like row inserted (ignored if there) or deleted in the
// order the requests came, then the count moved by the rows that changed,
// its new value coming back through LAST_INSERT_ID(expr) with no further
// query. Every write of the batch gets that committed count. Round trips:
// begin, one statement per like, the count's update, commit.
func (s *Store) commitLikes(ctx context.Context, key string, batch []*likeWrite) error {
	categoryID, err := strconv.ParseUint(key, 10, 64)
	if err != nil {
		return fmt.Errorf("models: like category %q: %w", key, err)
	}
	sqlDB, err := s.SQLDB()
	if err != nil {
		return err
	}
	var likes int64
	err = s.retryConflicts(ctx, func() error {
		tx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		if likes, err = likesInTx(ctx, tx, categoryID, batch); err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return err
		}
		return translate(err, "like category")
	}
	for _, w := range batch {
		w.likes = likes
	}
	return nil
}

// likesInTx applies a batch of likes in tx and returns the new count.
func likesInTx(ctx context.Context, tx *sql.Tx, categoryID uint64, batch []*likeWrite) (int64, error) {
	delta := int64(0)
	now := time.Now()
	for _, w := range batch {
		q, args, step := "DELETE FROM likes WHERE user_id = ? AND category_id = ?", []any{w.userID, categoryID}, int64(-1)
		if w.like {
			q, args, step = "INSERT IGNORE INTO likes (user_id, category_id, created_at) VALUES (?, ?, ?)", append(args, now), 1
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, err
		} else if n > 0 {
			delta += step
		}
	}
	if delta != 0 {
		res, err := tx.ExecContext(ctx, "UPDATE categories SET likes = LAST_INSERT_ID(GREATEST(likes + ?, 0)) WHERE id = ?", delta, categoryID)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			return res.LastInsertId()
		}
	}
	// Nothing moved (double clicks), or the count stayed at 0: read it,
	// which also tells a category deleted meanwhile (its like rows are
	// rolled back with the rest).
	var likes int64
	err := tx.QueryRowContext(ctx, "SELECT likes FROM categories WHERE id = ?", categoryID).Scan(&likes)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("models: category %d: %w", categoryID, ErrNotFound)
	}
	return likes, err
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
