package models

import (
	"errors"

	"github.com/go-sql-driver/mysql"
)

// Sentinel errors returned by the store; check them with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("models: not found")
	// ErrDuplicate means a unique value (a name, a slug) is taken.
	ErrDuplicate = errors.New("models: already exists")
	// ErrInvalidCredentials means the user name or the password is wrong;
	// which of the two is not told.
	ErrInvalidCredentials = errors.New("models: invalid user name or password")
)

// isLockConflict tells whether err is MySQL's deadlock or lock wait timeout.
func isLockConflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
