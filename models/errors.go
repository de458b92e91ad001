package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
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
	// ErrAccountDisabled means the password was right but the account is
	// deactivated.
	ErrAccountDisabled = errors.New("models: account disabled")
	// ErrLastStaff means the change would leave no active staff account.
	ErrLastStaff = errors.New("models: the last active staff account")
)

// isDuplicate tells whether err is MySQL's duplicate key error.
func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.Is(err, gorm.ErrDuplicatedKey) || (errors.As(err, &me) && me.Number == 1062)
}

// isForeignKeyMissing tells whether err is MySQL's error for a row that
// refers to a missing parent (1452), e.g. a like of a deleted category.
func isForeignKeyMissing(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1452
}

// isLockConflict tells whether err is MySQL's deadlock or lock wait timeout.
func isLockConflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// IsUnavailable tells whether err means the database could not be reached
// or did not answer in time (as opposed to a query that failed), so that
// the site can answer 503 "temporarily unavailable" instead of 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, sql.ErrConnDone),
		errors.As(err, &opErr), errors.As(err, &netErr):
		return true
	}
	var me *mysql.MySQLError
	// 1040 too many connections, 1053 server shutdown, 1205 lock wait timeout.
	return errors.As(err, &me) && (me.Number == 1040 || me.Number == 1053 || me.Number == 1205)
}
