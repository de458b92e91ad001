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

// isServerError tells whether err is the server's error number.
func isServerError(err error, number uint16) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == number
}

// isDuplicate tells whether err is MySQL's duplicate key error.
func isDuplicate(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) || isServerError(err, 1062)
}

// isLockConflict tells whether err is MySQL's deadlock or lock wait timeout.
func isLockConflict(err error) bool {
	return isServerError(err, 1213) || isServerError(err, 1205)
}

// unavailableErrors are the server errors that say "not now" rather than
// "not this": the request can succeed if tried again a little later.
var unavailableErrors = map[uint16]bool{
	1040: true, // too many connections
	1047: true, // Galera: WSREP has not yet prepared node for application use (joining, donor, non-primary)
	1053: true, // server shutdown in progress
	1180: true, // Galera: error during commit, e.g. not connected to the Primary Component
	1205: true, // lock wait timeout
	1213: true, // deadlock or Galera certification failure not resolved by retrying
	1290: true, // read-only server, e.g. during a switchover
	1927: true, // connection killed (the server is shutting down or leaving its cluster)
	4031: true, // disconnected by the server for inactivity
}

// IsUnavailable tells whether err means the database could not be reached,
// did not answer in time, is not ready to serve (a Galera node that is
// joining or has lost its cluster's quorum), or kept conflicting until the
// deadline (ErrConflict), as opposed to a query that failed, so that the
// site can answer 503 "temporarily unavailable" instead of 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, ErrConflict), errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, sql.ErrConnDone),
		errors.As(err, &opErr), errors.As(err, &netErr):
		return true
	}
	var me *mysql.MySQLError
	return errors.As(err, &me) && unavailableErrors[me.Number]
}
