// Package clustercheck answers a load balancer's health check for one
// MariaDB Galera node, in the manner of Percona's clustercheck script: 200
// while the node is Synced (wsrep_local_state 4) and part of the primary
// component, 503 otherwise (joining, receiving a state transfer, donor,
// cut off from its quorum, down). HAProxy's own mysql-check only sees
// that the server answers the handshake, which a joining or non-primary
// node still does; with this check behind `option httpchk`, HAProxy takes
// such a node out until it is Synced again.
package clustercheck

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"
)

// Synced and Donor are wsrep_local_state values.
const (
	stateDonor  = 2
	stateSynced = 4
)

// Checker checks one node.
type Checker struct {
	// DB is a pool on the node itself (not through a load balancer),
	// with a user that may read the server status.
	DB *sql.DB
	// AvailableWhenDonor keeps a donor node in (Percona's
	// AVAILABLE_WHEN_DONOR): with rsync SST a donor blocks its writes, so
	// the default is out.
	AvailableWhenDonor bool
	// Timeout bounds each check; HAProxy's `timeout check` should be
	// longer.
	Timeout time.Duration
}

// State is a node's Galera status as the check reads it.
type State struct {
	LocalState int    // wsrep_local_state: 4 Synced, 2 Donor, 1 Joining, ...
	Comment    string // wsrep_local_state_comment
	Cluster    string // wsrep_cluster_status: Primary, non-Primary, Disconnected
	Ready      string // wsrep_ready: ON or OFF
}

// Read reads the node's state.
func (c *Checker) Read(ctx context.Context) (State, error) {
	rows, err := c.DB.QueryContext(ctx, "SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "+
		"WHERE VARIABLE_NAME IN ('WSREP_LOCAL_STATE', 'WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_STATUS', 'WSREP_READY')")
	if err != nil {
		return State{}, fmt.Errorf("clustercheck: %w", err)
	}
	defer rows.Close()
	var st State
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return State{}, fmt.Errorf("clustercheck: %w", err)
		}
		switch name {
		case "wsrep_local_state":
			_, _ = fmt.Sscan(value, &st.LocalState)
		case "wsrep_local_state_comment":
			st.Comment = value
		case "wsrep_cluster_status":
			st.Cluster = value
		case "wsrep_ready":
			st.Ready = value
		}
	}
	return st, rows.Err()
}

// Available tells whether a node in state st should take connections.
func (c *Checker) Available(st State) bool {
	if st.Ready != "ON" || st.Cluster != "Primary" {
		return false
	}
	return st.LocalState == stateSynced || (c.AvailableWhenDonor && st.LocalState == stateDonor)
}

// ServeHTTP answers 200 or 503 with a line that says why.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	st, err := c.Read(ctx)
	switch {
	case err != nil:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "Galera node is not answering.")
	case c.Available(st):
		fmt.Fprintf(w, "Galera node is %s.\n", st.Comment)
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "Galera node is not available: %s, %s, wsrep_ready %s.\n", st.Comment, st.Cluster, st.Ready)
	}
}
