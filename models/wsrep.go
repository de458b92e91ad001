package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Galera (MariaDB's wsrep). Rango finds out once, at Open, whether its
// server is a Galera node. If it is, every connection of the pool runs
// with wsrep_sync_wait=1 (unless the DSN sets it): a read, or the start of
// a transaction, first waits until the node has applied every write the
// cluster committed before, so that a session written through one node
// (a login, a logout, a changed counter) is what the next request reads
// through any other. The lock-and-reapply session update starts its
// transaction that way too. A page view pays one cluster round trip for
// it (BENCHMARKS.md has the figure).

// syncWaitParam is the session variable that makes reads causal.
const syncWaitParam = "wsrep_sync_wait"

// isGaleraNode tells whether the server has wsrep on. MySQL, which has no
// such variable, answers 1193 (unknown system variable): not Galera.
func isGaleraNode(ctx context.Context, pool *sql.DB) (bool, error) {
	var on sql.NullString
	err := pool.QueryRowContext(ctx, "SELECT @@global.wsrep_on").Scan(&on)
	if isServerError(err, 1193) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("models: is the server a Galera node: %w", err)
	}
	return on.String == "1" || strings.EqualFold(on.String, "ON"), nil
}

// causalReads sets wsrep_sync_wait=1 on every connection of a Galera
// node's pool, unless the DSN chose a value itself (0 turns it off, 3
// makes updates and deletes wait too).
func causalReads(mc *mysql.Config) {
	if _, set := mc.Params[syncWaitParam]; set {
		return
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params[syncWaitParam] = "1"
}

// Galera tells whether the store's server is a Galera cluster node.
func (s *Store) Galera() bool { return s.galera }

// Ready tells whether the database can serve this instance now: it
// answers, and, on a Galera node, the node is part of the cluster's
// primary component, ready and Synced (not joining, not a donor, not cut
// off from its quorum). Load balancers take an instance out while its
// /readyz reports this error.
func (s *Store) Ready(ctx context.Context) error {
	sqlDB, err := s.SQLDB()
	if err != nil {
		return err
	}
	if !s.galera {
		return sqlDB.PingContext(ctx)
	}
	// Status reads must not wait for the cluster: that is what they
	// check.
	rows, err := sqlDB.QueryContext(ctx, "SET STATEMENT wsrep_sync_wait=0 FOR "+
		"SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "+
		"WHERE VARIABLE_NAME IN ('WSREP_READY', 'WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_STATUS')")
	if err != nil {
		return fmt.Errorf("models: galera status: %w", err)
	}
	defer rows.Close()
	status := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return fmt.Errorf("models: galera status: %w", err)
		}
		status[name] = value
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: galera status: %w", err)
	}
	ready, state, cluster := status["wsrep_ready"], status["wsrep_local_state_comment"], status["wsrep_cluster_status"]
	if ready != "ON" || state != "Synced" || cluster != "Primary" {
		return fmt.Errorf("models: galera node not ready: wsrep_ready=%s, state %s, cluster %s", ready, state, cluster)
	}
	return nil
}

// unknownDatabaseRetries bounds how long a new connection waits for its
// database to appear: 20 times 100 ms.
const unknownDatabaseRetries = 20

// lagTolerantConnector retries a new connection that the server refuses
// with 1049 (unknown database) for a moment. On a Galera cluster a CREATE
// DATABASE made on one node reaches the others a little later, and a load
// balancer may send the next connection to one of those: at a first start
// on an empty cluster, Open creates the database through one connection
// and the pool's connections may land elsewhere.
type lagTolerantConnector struct{ driver.Connector }

func (c lagTolerantConnector) Connect(ctx context.Context) (driver.Conn, error) {
	for attempt := 1; ; attempt++ {
		conn, err := c.Connector.Connect(ctx)
		var me *mysql.MySQLError
		if err == nil || !errors.As(err, &me) || me.Number != 1049 || attempt == unknownDatabaseRetries {
			return conn, err
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}
