package models

import (
	"context"
	"fmt"
	"time"
)

// Target types of audit entries, which the audit page filters by.
const (
	TargetSessions = "sessions"
	TargetSettings = "settings"
	TargetUser     = "user"
	TargetCategory = "category"
	TargetPage     = "page"
)

// AuditEntry records one admin action. Sessions appear in Target by their
// hash only, never by key.
type AuditEntry struct {
	ID        uint64    `gorm:"primaryKey"`
	At        time.Time `gorm:"not null;index"`
	ActorID   uint64    `gorm:"not null"`
	ActorName string    `gorm:"size:150;not null"`
	Action    string    `gorm:"size:64;not null"`
	// TargetType is what kind of thing the action changed (TargetUser…).
	TargetType string `gorm:"size:16;not null;default:'';index"`
	Target     string `gorm:"size:255;not null;default:''"`
	Rows       int64  `gorm:"not null;default:0"`
	// Summary says what happened with its counts, as the result message
	// after the action said it ("Ended 3 sessions of 2 users.").
	Summary string `gorm:"size:255;not null;default:''"`
	IP      string `gorm:"size:45;not null;default:''"`
}

// AddAudit records an admin action and returns the entry's id.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) (uint64, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.Target = truncate(e.Target, 255)
	e.Summary = truncate(e.Summary, 255)
	err := s.retryConflicts(ctx, func() error {
		e.ID = 0
		return s.db.WithContext(ctx).Create(&e).Error
	})
	return e.ID, translate(err, "add audit entry")
}

// AuditEntryByID returns one audit entry.
func (s *Store) AuditEntryByID(ctx context.Context, id uint64) (AuditEntry, error) {
	var e AuditEntry
	err := s.db.WithContext(ctx).Take(&e, id).Error
	return e, translate(err, fmt.Sprintf("audit entry %d", id))
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	// Before keeps entries older than this id (0: from the newest).
	Before uint64
	// TargetType keeps one kind of target when not "".
	TargetType string
}

// AuditLog returns up to limit entries the query selects.
func (s *Store) AuditLog(ctx context.Context, aq AuditQuery, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	q := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if aq.Before != 0 {
		q = q.Where("id < ?", aq.Before)
	}
	if aq.TargetType != "" {
		q = q.Where("target_type = ?", aq.TargetType)
	}
	return out, translate(q.Find(&out).Error, "audit log")
}
