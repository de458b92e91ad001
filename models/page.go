package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Page is a useful web page filed under a category.
type Page struct {
	ID         uint64    `gorm:"primaryKey"`
	CategoryID uint64    `gorm:"not null;index:idx_pages_category_views,priority:1"`
	Category   Category  `gorm:"constraint:OnDelete:CASCADE"`
	Title      string    `gorm:"size:128;not null"`
	URL        string    `gorm:"column:url;size:2048;not null"`
	Views      int64     `gorm:"not null;default:0;index;index:idx_pages_category_views,priority:2,sort:desc"`
	CreatedAt  time.Time `gorm:"not null"`
}

// MaxPageTitle and MaxPageURL bound what a page form accepts.
const (
	MaxPageTitle = 128
	MaxPageURL   = 2048
)

// TopPages returns the n most viewed pages.
func (s *Store) TopPages(ctx context.Context, n int) ([]Page, error) {
	var pages []Page
	err := s.db.WithContext(ctx).Order("views DESC, title").Limit(n).Find(&pages).Error
	return pages, translate(err, "top pages")
}

// PagesByCategory lists up to limit of a category's pages, most viewed
// first, skipping the first offset.
func (s *Store) PagesByCategory(ctx context.Context, categoryID uint64, offset, limit int) ([]Page, error) {
	var pages []Page
	err := s.db.WithContext(ctx).Where("category_id = ?", categoryID).
		Order("views DESC, title, id").Offset(offset).Limit(limit).Find(&pages).Error
	return pages, translate(err, "pages of category")
}

// CreatePage adds a page to a category.
func (s *Store) CreatePage(ctx context.Context, categoryID uint64, title, url string) (Page, error) {
	var page Page
	err := s.retryConflicts(ctx, func() error {
		page = Page{CategoryID: categoryID, Title: title, URL: url}
		return s.db.WithContext(ctx).Omit("Category").Create(&page).Error
	})
	return page, translate(err, "create page")
}

// VisitPage counts a view of the page and returns its URL.
func (s *Store) VisitPage(ctx context.Context, id uint64) (string, error) {
	db := s.db.WithContext(ctx)
	var counted int64
	err := s.retryConflicts(ctx, func() error {
		res := db.Model(&Page{}).Where("id = ?", id).UpdateColumn("views", gorm.Expr("views + 1"))
		counted = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return "", translate(err, "count page view")
	}
	if counted == 0 {
		return "", fmt.Errorf("models: page %d: %w", id, ErrNotFound)
	}
	var page Page
	err = db.Select("url").Where("id = ?", id).Take(&page).Error
	return page.URL, translate(err, "page url")
}
