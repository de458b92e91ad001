package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CategorySlug is a slug a category had before it was renamed: its old
// address answers with a permanent redirect to the new one, so that
// shared links keep working. A category's deletion deletes its old slugs.
type CategorySlug struct {
	Slug       string    `gorm:"primaryKey;size:160"`
	CategoryID uint64    `gorm:"not null;index"`
	Category   Category  `gorm:"constraint:OnDelete:CASCADE"`
	CreatedAt  time.Time `gorm:"not null"`
}

// CategoryByOldSlug finds the category that had this slug before a
// rename, or ErrNotFound.
func (s *Store) CategoryByOldSlug(ctx context.Context, slug string) (Category, error) {
	var cat Category
	err := s.db.WithContext(ctx).Joins("JOIN category_slugs cs ON cs.category_id = categories.id").
		Where("cs.slug = ?", slug).Take(&cat).Error
	return cat, translate(err, "old slug "+slug)
}

// CategoryRow is a category as the admin shows it, with its page count.
type CategoryRow struct {
	Category
	Pages int64 `gorm:"column:pages"`
}

// categoryRows selects categories with their page counts.
func (s *Store) categoryRows(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("categories").
		Select("categories.*, (SELECT COUNT(*) FROM pages WHERE pages.category_id = categories.id) AS pages")
}

// CategoryByID returns a category with its page count.
func (s *Store) CategoryByID(ctx context.Context, id uint64) (CategoryRow, error) {
	var row CategoryRow
	err := s.categoryRows(ctx).Where("categories.id = ?", id).Take(&row).Error
	return row, translate(err, fmt.Sprintf("category %d", id))
}

// Orders of the admin's category list.
const (
	CategoriesByName  = "name"
	CategoriesByLikes = "likes"
	CategoriesByViews = "views"
)

// CategoryQuery selects categories for the admin's list.
type CategoryQuery struct {
	// Search matches a part of the name.
	Search string
	// Sort is CategoriesByName (A first), ByLikes or ByViews (most first).
	Sort string
}

// AdminCategories returns a page of categories after (or, with before,
// ahead of) the position at.
func (s *Store) AdminCategories(ctx context.Context, cq CategoryQuery, at *Keyset, before bool, limit int) ([]CategoryRow, *Keyset, *Keyset, error) {
	q := s.categoryRows(ctx)
	if cq.Search != "" {
		q = q.Where("categories.name LIKE ?", "%"+escapeLike(cq.Search)+"%")
	}
	o := keysetOrder{column: "categories.name"}
	key := func(c CategoryRow) Keyset { return Keyset{Value: c.Name, ID: c.ID} }
	switch cq.Sort {
	case CategoriesByLikes:
		o = keysetOrder{column: "categories.likes", numeric: true, desc: true}
		key = func(c CategoryRow) Keyset { return Keyset{Value: fmt.Sprint(c.Likes), ID: c.ID} }
	case CategoriesByViews:
		o = keysetOrder{column: "categories.views", numeric: true, desc: true}
		key = func(c CategoryRow) Keyset { return Keyset{Value: fmt.Sprint(c.Views), ID: c.ID} }
	}
	rows, prev, next, err := keysetPage(q, o, "categories.id", at, before, limit, key)
	return rows, prev, next, translate(err, "admin categories")
}

// RenameCategory gives a category a new name and the slug that follows
// from it; the old slug is kept so that its address redirects. A name or
// slug that another category has gives ErrDuplicate.
func (s *Store) RenameCategory(ctx context.Context, id uint64, name string) (old, renamed Category, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&old, id).Error; err != nil {
			return err
		}
		renamed = old
		renamed.Name, renamed.Slug = name, Slugify(name)
		if renamed.Name == old.Name {
			return nil
		}
		if err := tx.Model(&Category{}).Where("id = ?", id).Updates(map[string]any{"name": renamed.Name, "slug": renamed.Slug}).Error; err != nil {
			return err
		}
		if renamed.Slug == old.Slug {
			return nil
		}
		if err := tx.Exec("INSERT INTO category_slugs (slug, category_id, created_at) VALUES (?, ?, ?) "+
			"ON DUPLICATE KEY UPDATE category_id = VALUES(category_id), created_at = VALUES(created_at)", old.Slug, id, time.Now()).Error; err != nil {
			return err
		}
		// A slug in use is no longer an old one.
		return tx.Exec("DELETE FROM category_slugs WHERE slug = ?", renamed.Slug).Error
	})
	return old, renamed, translate(err, "rename category")
}

// DeleteCategories deletes categories with their pages, likes and old
// slugs, and returns how many categories and pages went.
func (s *Store) DeleteCategories(ctx context.Context, ids []uint64) (cats, pages int64, err error) {
	if len(ids) == 0 {
		return 0, 0, nil
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT COUNT(*) FROM pages WHERE category_id IN ?", ids).Row().Scan(&pages); err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM likes WHERE category_id IN ?", ids).Error; err != nil {
			return err
		}
		res := tx.Exec("DELETE FROM categories WHERE id IN ?", ids) // pages and old slugs by their foreign keys
		cats = res.RowsAffected
		return res.Error
	})
	return cats, pages, translate(err, "delete categories")
}

// Counters of a category that the admin resets.
const (
	CounterLikes = "likes"
	CounterViews = "views"
)

// ResetCategory sets a category's likes (deleting the likes themselves,
// so that users may like it again) or views to zero and returns the old
// count.
func (s *Store) ResetCategory(ctx context.Context, id uint64, counter string) (int64, error) {
	if counter != CounterLikes && counter != CounterViews {
		return 0, fmt.Errorf("models: no counter %q", counter)
	}
	var old int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cat Category
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&cat, id).Error; err != nil {
			return err
		}
		old = map[string]int64{CounterLikes: cat.Likes, CounterViews: cat.Views}[counter]
		if counter == CounterLikes {
			if err := tx.Exec("DELETE FROM likes WHERE category_id = ?", id).Error; err != nil {
				return err
			}
		}
		return tx.Model(&Category{}).Where("id = ?", id).Update(counter, 0).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, fmt.Errorf("models: category %d: %w", id, ErrNotFound)
	}
	return old, translate(err, "reset category")
}
