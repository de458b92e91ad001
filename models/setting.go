package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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

// SetSetting stores a setting, replacing its old value.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&Setting{Key: key, Value: value}).Error
	return translate(err, "set setting "+key)
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
	if err := db.Clauses(clause.Insert{Modifier: "IGNORE"}).Create(&candidate).Error; err != nil {
		return "", translate(err, "create secret key")
	}
	var stored Setting
	err := db.Where("`key` = ?", SecretKeySetting).Take(&stored).Error
	return stored.Value, translate(err, "read secret key")
}
