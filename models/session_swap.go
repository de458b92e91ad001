package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Clearing a large backlog by swapping tables. Deleting a session row
// costs the removal of its entries from the table and from each of the
// five secondary indexes the admin needs, about five times what Django's
// one-index table pays per row (BENCHMARKS.md). When the expired sessions
// outnumber the live ones, copying the live ones into a fresh table and
// dropping the old one whole costs less: the copy pays per live row, and
// dropping a table is one file. Meanwhile triggers on the sessions table
// mirror every write into the copy, so the site goes on reading and writing
// sessions throughout; only the final rename holds the table, for as long
// as it takes to swap two names, and never waits more than a second for
// its lock.

// Names of the tables of a swap. swapTable is the copy being built; one
// at a time exists, so that creating it is the lock that keeps two
// cleanups (two hosts' cron jobs) from swapping at once: the second one
// deletes in batches meanwhile. swapOldPrefix, followed by the Unix time
// of the rename, names the old table between the rename and its drop.
const (
	swapTable     = "sessions_swap"
	swapOldPrefix = "sessions_expired_"
)

// swapTriggers are the triggers that mirror the site's writes into the
// copy while it is built.
var swapTriggers = []string{"sessions_swap_insert", "sessions_swap_update", "sessions_swap_delete"}

// swapCopyLimit is how long a swap may copy: one that has not reached its
// rename by then gives up (a swap copies a million live sessions in well
// under a minute).
const swapCopyLimit = 5 * time.Minute

// swapStale is how old a swap table or an old table is when the cleanup
// that made it must have died, longer than swapCopyLimit: the next
// cleanup drops what it left. (A variable for the tests.)
var swapStale = 10 * time.Minute

// swapLockWait is how long, in seconds, a swap's DDL (triggers, rename)
// waits for the table's metadata lock. While it waits the site's queries
// of the table queue behind it, so it is short; a swap that cannot get the
// lock in a few tries gives up and the cleanup deletes in batches.
const (
	swapLockWait  = 1
	swapLockTries = 3
)

// swapMinExpired is the least number of expired sessions for which a
// cleanup swaps tables rather than deleting in batches, if the live ones
// are fewer. Below it the batches take a few seconds at most. (A variable
// for the tests.)
var swapMinExpired int64 = 20000

// swapOutExpired clears the expired sessions (expiry in 1..now) by copying
// the others into a new table that replaces the old one, if that is worth
// it, ctx leaves it the time, the database is not a Galera node and no
// other cleanup is swapping; swapped tells whether it did. A
// swap that fails before its rename leaves the table as it was, and the
// caller deletes in batches.
func (s *Store) swapOutExpired(ctx context.Context, now time.Time, batch int) (deleted int64, swapped bool, err error) {
	if s.galera {
		// A locking read does not lock across Galera nodes: the copy could
		// bring back a session another node deleted meanwhile.
		return 0, false, nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < swapCopyLimit {
		// A swap cut short keeps nothing of its work, batches keep what
		// they deleted: a caller with a deadline (the admin's button,
		// within its request) deletes in batches.
		return 0, false, nil
	}
	worth, err := s.swapWorthIt(ctx, now.Unix())
	if err != nil || !worth {
		return 0, false, err
	}
	err = s.db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		sw := &swap{ctx: ctx, store: s, conn: conn, now: now.Unix(), batch: batch, deadline: time.Now().Add(swapCopyLimit)}
		defer restoreLockWait(ctx, conn)
		deleted, swapped, err = sw.run()
		return err
	})
	return deleted, swapped, err
}

// swapWorthIt tells whether at least swapMinExpired sessions expired and
// fewer are live. The counts walk the expiry index, the live one no
// further than the expired count.
func (s *Store) swapWorthIt(ctx context.Context, now int64) (bool, error) {
	db := s.db.WithContext(ctx)
	var expired, live int64
	if err := db.Raw("SELECT COUNT(*) FROM (SELECT 1 FROM sessions WHERE e BETWEEN 1 AND ? LIMIT ?) x", now, swapMinExpired).
		Scan(&expired).Error; err != nil {
		return false, fmt.Errorf("count expired sessions: %w", err)
	}
	if expired < swapMinExpired {
		return false, nil
	}
	if err := db.Raw("SELECT COUNT(*) FROM sessions WHERE e BETWEEN 1 AND ?", now).Scan(&expired).Error; err != nil {
		return false, fmt.Errorf("count expired sessions: %w", err)
	}
	if err := db.Raw("SELECT COUNT(*) FROM (SELECT 1 FROM sessions WHERE e = 0 OR e > ? LIMIT ?) x", now, expired).
		Scan(&live).Error; err != nil {
		return false, fmt.Errorf("count live sessions: %w", err)
	}
	return live < expired, nil
}

// swap is one swap of the sessions table, on one connection (its lock
// wait is a session variable).
type swap struct {
	ctx      context.Context
	store    *Store
	conn     *gorm.DB
	now      int64
	batch    int
	deadline time.Time
	columns  []string // the columns the copy writes: all but generated ones
	copied   int64
}

// run makes the copy, swaps it in and drops the old table.
func (sw *swap) run() (deleted int64, swapped bool, err error) {
	if err := sw.conn.Exec("SET SESSION lock_wait_timeout = ?", swapLockWait).Error; err != nil {
		return 0, false, fmt.Errorf("swap: lock wait: %w", err)
	}
	if err := sw.dropStale(); err != nil {
		return 0, false, err
	}
	if err := sw.conn.Exec("CREATE TABLE " + swapTable + " LIKE sessions").Error; err != nil {
		if isServerError(err, 1050) { // another cleanup is swapping
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("swap: create %s: %w", swapTable, err)
	}
	start := time.Now()
	old, err := sw.build()
	if err != nil {
		sw.store.dropSwap(sw.ctx)
		sw.store.log.Warn("clearing expired sessions by swapping tables failed; deleting them in batches", "err", err.Error())
		return 0, false, nil
	}
	deleted, err = sw.finish(old)
	if err == nil {
		sw.store.log.Info("cleared expired sessions by swapping tables", "deleted", deleted, "copied", sw.copied,
			"took", time.Since(start).Round(time.Millisecond))
	}
	return deleted, true, err
}

// build mirrors the site's writes into the copy, copies the live
// sessions and renames the copy into place, returning the old table's
// new name.
func (sw *swap) build() (string, error) {
	if err := sw.conn.Raw("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() " +
		"AND table_name = 'sessions' AND extra NOT LIKE '%GENERATED%' ORDER BY ordinal_position").
		Scan(&sw.columns).Error; err != nil {
		return "", fmt.Errorf("sessions columns: %w", err)
	}
	for _, ddl := range sw.triggers() {
		if err := sw.withLock(ddl); err != nil {
			return "", fmt.Errorf("create trigger: %w", err)
		}
	}
	if err := sw.copyLive(); err != nil {
		return "", err
	}
	old := swapOldPrefix + strconv.FormatInt(time.Now().Unix(), 10)
	if err := sw.withLock("RENAME TABLE sessions TO " + old + ", " + swapTable + " TO sessions"); err != nil {
		return "", fmt.Errorf("rename: %w", err)
	}
	return old, nil
}

// triggers returns the DDL of the triggers that keep the copy in step
// with the sessions table: an inserted or updated row replaces the copy's
// (the row as the site wrote it last wins over the copy's older read), a
// deleted one is deleted from the copy.
func (sw *swap) triggers() []string {
	cols := sw.columnList()
	vals := "NEW.`" + strings.Join(sw.columns, "`, NEW.`") + "`"
	upsert := "FOR EACH ROW REPLACE INTO " + swapTable + " (" + cols + ") VALUES (" + vals + ")"
	return []string{
		"CREATE TRIGGER " + swapTriggers[0] + " AFTER INSERT ON sessions " + upsert,
		"CREATE TRIGGER " + swapTriggers[1] + " AFTER UPDATE ON sessions " + upsert,
		"CREATE TRIGGER " + swapTriggers[2] + " AFTER DELETE ON sessions FOR EACH ROW DELETE FROM " + swapTable + " WHERE k = OLD.k",
	}
}

// columnList is the copied columns, quoted and separated by commas.
func (sw *swap) columnList() string {
	return "`" + strings.Join(sw.columns, "`, `") + "`"
}

// copyLive copies the sessions that have not expired (expiry 0, never, or
// after now) in batches along the expiry index, each batch the rows after
// the last one copied in (e, k) order. A row the site wrote meanwhile is
// in the copy already, newer: the batch keeps it.
func (sw *swap) copyLive() error {
	cols := sw.columnList()
	live := "(e = 0 OR e > ?)"
	after := "(e > ? OR (e = ? AND k > ?))"
	fromE, fromK := int64(-1), ""
	for {
		if time.Now().After(sw.deadline) {
			return fmt.Errorf("copy: not done after %s", swapCopyLimit)
		}
		var edge []struct {
			E int64
			K string
		}
		if err := sw.conn.Raw("SELECT e, k FROM sessions FORCE INDEX (sessions_e) WHERE "+live+" AND "+after+" ORDER BY e, k LIMIT 1 OFFSET ?",
			sw.now, fromE, fromE, fromK, sw.batch-1).Scan(&edge).Error; err != nil {
			return fmt.Errorf("copy: next batch: %w", err)
		}
		where, args := live+" AND "+after, []any{sw.now, fromE, fromE, fromK}
		if len(edge) == 1 {
			where += " AND (e < ? OR (e = ? AND k <= ?))"
			args = append(args, edge[0].E, edge[0].E, edge[0].K)
		}
		var n int64
		// Read committed: the locking read locks the live rows it copies and
		// no gaps, so that a concurrent cleanup's batches (which delete
		// expired rows) do not deadlock with it.
		err := sw.store.retryConflicts(sw.ctx, func() error {
			return sw.conn.Transaction(func(tx *gorm.DB) error {
				res := tx.Exec("INSERT INTO "+swapTable+" ("+cols+") SELECT "+cols+" FROM sessions FORCE INDEX (sessions_e) WHERE "+where+
					" LOCK IN SHARE MODE ON DUPLICATE KEY UPDATE k = "+swapTable+".k", args...)
				n = res.RowsAffected
				return res.Error
			}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		})
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		sw.copied += n
		if len(edge) == 0 {
			return nil
		}
		fromE, fromK = edge[0].E, edge[0].K
	}
}

// withLock runs a DDL statement that needs the sessions table's metadata
// lock, trying again a few times if the lock stays taken.
func (sw *swap) withLock(ddl string) error {
	var err error
	for try := 1; try <= swapLockTries; try++ {
		if err = sw.conn.Exec(ddl).Error; err == nil || !isServerError(err, 1205) {
			return err
		}
		time.Sleep(time.Duration(try) * time.Second)
	}
	return err
}

// finish counts the sessions that went with the old table and drops it
// (whether or not the count worked: the count is for the report). Those
// are its expired ones (the old table is as the rename left it) less any
// the site wrote during the copy without renewing them, which the
// triggers put in the new table. Both counts walk expiry indexes.
func (sw *swap) finish(old string) (int64, error) {
	n, countErr := sw.countGone(old)
	if err := sw.conn.Exec("DROP TABLE " + old).Error; err != nil {
		return n, fmt.Errorf("drop %s: %w", old, err)
	}
	sw.store.stats.expiredDeleted.Add(n)
	sw.store.stats.tableSwaps.Add(1)
	return n, countErr
}

// countGone counts the sessions of the old table that are not in the new.
func (sw *swap) countGone(old string) (int64, error) {
	var expired, kept int64
	if err := sw.conn.Raw("SELECT COUNT(*) FROM "+old+" WHERE e BETWEEN 1 AND ?", sw.now).Scan(&expired).Error; err != nil {
		return 0, fmt.Errorf("count the sessions of %s: %w", old, err)
	}
	if err := sw.conn.Raw("SELECT COUNT(*) FROM sessions s JOIN "+old+" o ON o.k = s.k WHERE s.e BETWEEN 1 AND ? AND o.e BETWEEN 1 AND ?",
		sw.now, sw.now).Scan(&kept).Error; err != nil {
		return 0, fmt.Errorf("count the sessions kept from %s: %w", old, err)
	}
	return expired - kept, nil
}

// dropSwap removes the triggers and the copy of a swap that did not
// happen, on a connection of its own and whatever became of ctx: a swap
// stopped half-way (its context cancelled, its connection closed) must not
// leave the site's writes mirrored. The triggers go first: without the
// copy they would fail every write of a session.
func (s *Store) dropSwap(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err := s.db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SET SESSION lock_wait_timeout = ?", swapLockWait).Error; err != nil {
			return err
		}
		defer restoreLockWait(ctx, conn)
		sw := &swap{ctx: ctx, store: s, conn: conn}
		for _, t := range swapTriggers {
			if err := sw.withLock("DROP TRIGGER IF EXISTS " + t); err != nil {
				return fmt.Errorf("drop trigger %s: %w", t, err)
			}
		}
		return conn.Exec("DROP TABLE IF EXISTS " + swapTable).Error
	})
	if err != nil {
		s.log.Error("removing a swap's triggers and copy failed: the next cleanup removes them", "err", err.Error())
	}
}

// dropStale drops what a cleanup that died in the middle of a swap left:
// its copy and triggers, or the old table it had not dropped yet.
func (sw *swap) dropStale() error {
	var tables []struct {
		Name string
		Age  *int64
	}
	if err := sw.conn.Raw("SELECT table_name AS name, TIMESTAMPDIFF(SECOND, create_time, NOW()) AS age FROM information_schema.tables "+
		"WHERE table_schema = DATABASE() AND (table_name = ? OR table_name LIKE ?)", swapTable, swapOldPrefix+"%").
		Scan(&tables).Error; err != nil {
		return fmt.Errorf("swap: leftovers: %w", err)
	}
	stale := int64(swapStale / time.Second)
	for _, t := range tables {
		if t.Name == swapTable {
			if t.Age == nil || *t.Age >= stale {
				sw.store.log.Warn("dropping the copy a failed swap left", "table", t.Name)
				sw.store.dropSwap(sw.ctx)
			}
			continue
		}
		at, err := strconv.ParseInt(strings.TrimPrefix(t.Name, swapOldPrefix), 10, 64)
		if err == nil && time.Now().Unix()-at >= stale {
			sw.store.log.Warn("dropping the old sessions table a swap left", "table", t.Name)
			if err := sw.conn.Exec("DROP TABLE IF EXISTS `" + t.Name + "`").Error; err != nil {
				return fmt.Errorf("swap: drop %s: %w", t.Name, err)
			}
		}
	}
	return nil
}

// restoreLockWait puts the connection's lock wait back to the server's
// default before it returns to the pool, whatever became of ctx; a
// connection where that fails is closed instead.
func restoreLockWait(ctx context.Context, conn *gorm.DB) {
	err := conn.WithContext(context.WithoutCancel(ctx)).Exec("SET SESSION lock_wait_timeout = DEFAULT").Error
	if c, ok := conn.Statement.ConnPool.(*sql.Conn); ok && err != nil {
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
}
