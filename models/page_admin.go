package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PageRow is a page as the admin shows it, with its category's name.
type PageRow struct {
	ID           uint64
	CategoryID   uint64
	Title        string
	URL          string `gorm:"column:url"`
	Views        int64
	CreatedAt    time.Time
	CategoryName string
	CategorySlug string
}

// pageRows selects pages with their categories' names.
func (s *Store) pageRows(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("pages").
		Select("pages.id, pages.category_id, pages.title, pages.url, pages.views, pages.created_at, " +
			"categories.name AS category_name, categories.slug AS category_slug").
		Joins("JOIN categories ON categories.id = pages.category_id")
}

// PageByID returns one page with its category's name.
func (s *Store) PageByID(ctx context.Context, id uint64) (PageRow, error) {
	var row PageRow
	err := s.pageRows(ctx).Where("pages.id = ?", id).Take(&row).Error
	return row, translate(err, fmt.Sprintf("page %d", id))
}

// Orders of the admin's page list.
const (
	PagesByViews = "views"
	PagesByTitle = "title"
)

// PageQuery selects pages for the admin's list.
type PageQuery struct {
	// CategoryID keeps one category's pages when not 0.
	CategoryID uint64
	// Search matches a part of the title or of the URL.
	Search string
	// Sort is PagesByViews (most first) or PagesByTitle (A first).
	Sort string
}

// AdminPages returns a page of pages after (or, with before, ahead of)
// the position at.
func (s *Store) AdminPages(ctx context.Context, pq PageQuery, at *Keyset, before bool, limit int) ([]PageRow, *Keyset, *Keyset, error) {
	q := s.pageRows(ctx)
	if pq.CategoryID != 0 {
		q = q.Where("pages.category_id = ?", pq.CategoryID)
	}
	if pq.Search != "" {
		like := "%" + escapeLike(pq.Search) + "%"
		q = q.Where("(pages.title LIKE ? OR pages.url LIKE ?)", like, like)
	}
	o := keysetOrder{column: "pages.views", numeric: true, desc: true}
	key := func(p PageRow) Keyset { return Keyset{Value: fmt.Sprint(p.Views), ID: p.ID} }
	if pq.Sort == PagesByTitle {
		o = keysetOrder{column: "pages.title"}
		key = func(p PageRow) Keyset { return Keyset{Value: p.Title, ID: p.ID} }
	}
	rows, prev, next, err := keysetPage(q, o, "pages.id", at, before, limit, key)
	return rows, prev, next, translate(err, "admin pages")
}

// UpdatePage changes a page's title, URL and category. A category that
// does not exist gives ErrNotFound.
func (s *Store) UpdatePage(ctx context.Context, id uint64, title, url string, categoryID uint64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Category{}).Where("id = ?", categoryID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return gorm.ErrRecordNotFound
		}
		res := tx.Model(&Page{}).Where("id = ?", id).Updates(map[string]any{"title": title, "url": url, "category_id": categoryID})
		if res.Error == nil && res.RowsAffected == 0 {
			var pages int64
			if err := tx.Model(&Page{}).Where("id = ?", id).Count(&pages).Error; err != nil || pages == 0 {
				return errors.Join(err, gorm.ErrRecordNotFound)
			}
		}
		return res.Error
	})
	return translate(err, fmt.Sprintf("update page %d", id))
}

// ResetPageViews sets a page's views to zero and returns the old count.
func (s *Store) ResetPageViews(ctx context.Context, id uint64) (int64, error) {
	var old int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Page
		if err := tx.Select("id", "views").Take(&p, id).Error; err != nil {
			return err
		}
		old = p.Views
		return tx.Model(&Page{}).Where("id = ?", id).Update("views", 0).Error
	})
	return old, translate(err, "reset page views")
}

// DeletePages deletes pages and returns how many went.
func (s *Store) DeletePages(ctx context.Context, ids []uint64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Exec("DELETE FROM pages WHERE id IN ?", ids)
	return res.RowsAffected, translate(res.Error, "delete pages")
}
