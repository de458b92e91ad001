package models

import (
	"context"
	"time"
)

// AuditEntry records one admin action. Sessions appear in Target by their
// hash only, never by key.
type AuditEntry struct {
	ID        uint64    `gorm:"primaryKey"`
	At        time.Time `gorm:"not null;index"`
	ActorID   uint64    `gorm:"not null"`
	ActorName string    `gorm:"size:150;not null"`
	Action    string    `gorm:"size:64;not null"`
	Target    string    `gorm:"size:255;not null;default:''"`
	Rows      int64     `gorm:"not null;default:0"`
	IP        string    `gorm:"size:45;not null;default:''"`
}

// AddAudit records an admin action.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.Target = truncate(e.Target, 255)
	err := s.retryConflicts(ctx, func() error {
		e.ID = 0
		return s.db.WithContext(ctx).Create(&e).Error
	})
	return translate(err, "add audit entry")
}

// AuditLog returns up to limit entries older than beforeID (0: newest).
func (s *Store) AuditLog(ctx context.Context, beforeID uint64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	q := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if beforeID != 0 {
		q = q.Where("id < ?", beforeID)
	}
	return out, translate(q.Find(&out).Error, "audit log")
}
