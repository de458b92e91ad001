package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Limits on what account forms accept (the password's are in package
// passwords).
const (
	MaxUsername = 150
	MaxEmail    = 254
	MaxWebsite  = 200
)

// User is a registered account.
type User struct {
	ID           uint64    `gorm:"primaryKey"`
	Username     string    `gorm:"size:150;not null;uniqueIndex"`
	Email        string    `gorm:"size:254;not null;default:''"`
	PasswordHash string    `gorm:"size:100;not null"`
	IsStaff      bool      `gorm:"not null;default:false"`
	Website      string    `gorm:"size:200;not null;default:''"`
	Joined       time.Time `gorm:"not null;autoCreateTime"`
	// IsActive is false for a deactivated account, which cannot log in
	// (Django's is_active). New and migrated accounts are active.
	IsActive bool `gorm:"not null;default:true"`
	// LastLogin is when the user last logged in; nil if never since it
	// was recorded.
	LastLogin *time.Time
}

// dummyHash is compared against when the user does not exist, so that an
// unknown name takes as long to refuse as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("rango-dummy-password"), bcrypt.DefaultCost)

// NewUser holds what registration asks for.
type NewUser struct {
	Username string
	Email    string
	Password string
	Website  string
	IsStaff  bool
}

// CreateUser registers a user with a bcrypt hash of the password. A taken
// user name gives ErrDuplicate.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(nu.Password), bcrypt.DefaultCost)
	if err != nil {
		return User{}, fmt.Errorf("models: hash password: %w", err)
	}
	var u User
	err = s.retryConflicts(ctx, func() error {
		u = User{Username: nu.Username, Email: nu.Email, PasswordHash: string(hash), Website: nu.Website, IsStaff: nu.IsStaff}
		return s.db.WithContext(ctx).Create(&u).Error
	})
	return u, translate(err, "create user")
}

// Authenticate returns the user whose name and password match, or
// ErrInvalidCredentials; ErrAccountDisabled for a deactivated account
// whose password was right.
func (s *Store) Authenticate(ctx context.Context, username, password string) (User, error) {
	u, err := s.UserByName(ctx, username)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	if err := CheckPassword(u, password); err != nil {
		return User{}, err
	}
	if !u.IsActive { // told only to who knows the password, after the same work
		return User{}, ErrAccountDisabled
	}
	return u, nil
}

// CheckPassword returns ErrInvalidCredentials unless password is the
// user's. The zero User (no such user) never matches, and takes as long to
// refuse as a wrong password, so that timing does not tell which it was.
func CheckPassword(u User, password string) error {
	hash := []byte(u.PasswordHash)
	if u.ID == 0 {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u.ID == 0 {
		return ErrInvalidCredentials
	}
	return nil
}

// UserByName finds a user by user name.
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("username = ?", username).Take(&u).Error
	return u, translate(err, "user "+username)
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id uint64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Take(&u, id).Error
	return u, translate(err, fmt.Sprintf("user %d", id))
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, id uint64, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("models: hash password: %w", err)
	}
	err = s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("password_hash", string(hash)).Error
	})
	return translate(err, "set password")
}

// MakeStaff creates the user as staff with the given password, or makes an
// existing user staff, sets the password and ends all of that user's
// sessions (a change of privilege and password starts afresh, whoever held
// them). It reports whether the user was created.
func (s *Store) MakeStaff(ctx context.Context, username, password string) (bool, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return false, fmt.Errorf("models: hash password: %w", err)
	}
	created := false
	err = s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var u User
			err := tx.Where("username = ?", username).Take(&u).Error
			created = errors.Is(err, gorm.ErrRecordNotFound)
			switch {
			case created:
				return tx.Create(&User{Username: username, PasswordHash: string(hash), IsStaff: true}).Error
			case err != nil:
				return err
			}
			err = tx.Model(&User{}).Where("id = ?", u.ID).
				Updates(map[string]any{"is_staff": true, "password_hash": string(hash)}).Error
			if err != nil {
				return err
			}
			_, err = endSessions(tx, EndedByAdmin, "user_id = ?", []any{u.ID}, "", 0)
			return err
		})
	})
	return created, translate(err, "make staff "+username)
}
