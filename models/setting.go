package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm/clause"
)

// Setting is one runtime setting, kept in the database so that every app
// instance shares it and it survives restarts.
type Setting struct {
	Key       string    `gorm:"primaryKey;size:64"`
	Value     string    `gorm:"type:text;not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// SecretKeySetting is the setting that holds the key made on first start.
const SecretKeySetting = "secret_key"

// Settings returns every stored setting by key.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	var rows []Setting
	if err := s.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, translate(err, "settings")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Value
	}
	return out, nil
}

// SetSettings stores several settings at once, replacing their old values:
// one statement, so every instance sees all of them or none.
func (s *Store) SetSettings(ctx context.Context, values map[string]string) error {
	if len(values) == 0 {
		return nil
	}
	rows := make([]Setting, 0, len(values))
	for _, k := range slices.Sorted(maps.Keys(values)) { // one lock order for concurrent saves
		rows = append(rows, Setting{Key: k, Value: values[k]})
	}
	err := s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Clauses(clause.OnConflict{
			DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
		}).Create(&rows).Error
	})
	return translate(err, "save settings")
}

// EnsureSecretKey returns the site's secret key (32 random bytes, base64),
// making it on the first call against a database. Concurrent first starts
// of several instances agree on one key: the first insert wins.
func (s *Store) EnsureSecretKey(ctx context.Context) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	db := s.db.WithContext(ctx)
	candidate := Setting{Key: SecretKeySetting, Value: base64.StdEncoding.EncodeToString(raw)}
	// On a Galera cluster two first starts on two nodes both insert
	// locally; one fails certification (1213) and, run again, finds the
	// other's key.
	err := s.retryConflicts(ctx, func() error {
		return db.Clauses(clause.Insert{Modifier: "IGNORE"}).Create(&candidate).Error
	})
	if err != nil {
		return "", translate(err, "create secret key")
	}
	var stored Setting
	err = db.Where("`key` = ?", SecretKeySetting).Take(&stored).Error
	return stored.Value, translate(err, "read secret key")
}
