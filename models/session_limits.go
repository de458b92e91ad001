package models

import (
	"fmt"
	"strings"
	"time"
)

// SessionLimits are the limits on a session's life besides the expiry
// stored with it (OWASP ASVS 3.3.2). Each is in force as soon as it is
// set, for existing sessions too: a session past one ends when it is next
// presented (it is deleted then), the sweeper deletes it once it is past
// its expiry or unused for longer than the idle limit, and the admin
// counts it as expired from the moment it passes. A zero limit is off.
type SessionLimits struct {
	// CookieAge bounds how long a session may go unused: lowering the
	// cookie age ends existing sessions the new age after their last
	// activity, if that is before their stored expiry.
	CookieAge time.Duration
	// Idle ends a session that has not been used for this long. Activity
	// is recorded at most once a minute, so it is precise to a minute.
	Idle time.Duration
	// Absolute ends a session this long after it was created, however
	// active it is.
	Absolute time.Duration
}

// idleLimit is how long a session may go unused: the idle timeout, or the
// cookie age if that is shorter (or the only one set); 0 when neither is.
func (l SessionLimits) idleLimit() time.Duration {
	switch {
	case l.Idle > 0 && (l.CookieAge <= 0 || l.Idle < l.CookieAge):
		return l.Idle
	case l.CookieAge > 0:
		return l.CookieAge
	}
	return 0
}

// Ended tells whether a session with this expiry, creation and last-seen
// time (unix seconds; 0 unknown) has ended at now.
func (l SessionLimits) Ended(expiry, createdAt, lastSeen int64, now time.Time) bool {
	n := now.Unix()
	if expiry != 0 && expiry <= n {
		return true
	}
	if idle := l.idleLimit(); idle > 0 && lastSeen > 0 && lastSeen < now.Add(-idle).Unix() {
		return true
	}
	return l.Absolute > 0 && createdAt > 0 && createdAt < now.Add(-l.Absolute).Unix()
}

// endedSQL is Ended as an SQL condition on the sessions table (its
// columns prefixed with alias and a dot, when alias is not ""), with its
// arguments.
func (l SessionLimits) endedSQL(alias string, now time.Time) (string, []any) {
	col := func(c string) string {
		if alias == "" {
			return c
		}
		return alias + "." + c
	}
	conds := []string{fmt.Sprintf("(%s != 0 AND %s <= ?)", col("e"), col("e"))}
	args := []any{now.Unix()}
	if idle := l.idleLimit(); idle > 0 {
		conds = append(conds, fmt.Sprintf("(%s > 0 AND %s < ?)", col("last_seen"), col("last_seen")))
		args = append(args, now.Add(-idle).Unix())
	}
	if l.Absolute > 0 {
		conds = append(conds, fmt.Sprintf("(%s > 0 AND %s < ?)", col("created_at"), col("created_at")))
		args = append(args, now.Add(-l.Absolute).Unix())
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}
