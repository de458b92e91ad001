package models

import "sync/atomic"

// storeStats counts what a store did, for the metrics: an atomic add per
// event, read only when metrics are scraped.
type storeStats struct {
	sessionReads, sessionInserts, sessionUpdates, sessionTouches atomic.Int64
	conflictRetries, conflictGiveUps                             atomic.Int64
	expiredDeleted, tableSwaps                                   atomic.Int64
}

// Counts are running totals of a store's work since it was opened.
type Counts struct {
	// SessionReads counts session loads by key.
	SessionReads int64
	// SessionInserts counts new sessions stored.
	SessionInserts int64
	// SessionUpdates counts changed sessions written back.
	SessionUpdates int64
	// SessionTouches counts last-seen (or sliding expiry) writes.
	SessionTouches int64
	// ConflictRetries counts writes run again after a deadlock, a lock
	// wait timeout or a Galera certification failure.
	ConflictRetries int64
	// ConflictGiveUps counts writes abandoned at their deadline (503s).
	ConflictGiveUps int64
	// ExpiredSessionsDeleted counts expired sessions deleted by the
	// sweeper or -clearsessions.
	ExpiredSessionsDeleted int64
	// SessionTableSwaps counts cleanups that cleared a backlog by copying
	// the live sessions into a new table (their deletions are counted in
	// ExpiredSessionsDeleted too).
	SessionTableSwaps int64
}

// Counts returns the store's running totals.
func (s *Store) Counts() Counts {
	st := s.stats
	return Counts{
		SessionReads:           st.sessionReads.Load(),
		SessionInserts:         st.sessionInserts.Load(),
		SessionUpdates:         st.sessionUpdates.Load(),
		SessionTouches:         st.sessionTouches.Load(),
		ConflictRetries:        st.conflictRetries.Load(),
		ConflictGiveUps:        st.conflictGiveUps.Load(),
		ExpiredSessionsDeleted: st.expiredDeleted.Load(),
		SessionTableSwaps:      st.tableSwaps.Load(),
	}
}
