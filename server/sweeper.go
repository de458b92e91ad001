package server

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"rango/models"
	"rango/settings"
)

// storageGCOff is the garbage-collection interval given to
// gofiber/storage/mysql: in effect never. Its collector deletes every
// expired row in one statement, which after a backlog (a long outage, a
// bulk import) would hold locks for seconds; sweep does the same work in
// small batches instead.
const storageGCOff = 365 * 24 * time.Hour

// sweep deletes ended sessions (expired, or past the limits the live
// settings set) and the login records past each user's newest KeptLogins
// every interval, with jitter so that several instances do
// not sweep in step, until ctx ends.
func sweep(ctx context.Context, store *models.Store, live *settings.Live, interval time.Duration, log *slog.Logger) {
	for {
		wait := interval + time.Duration(rand.Int64N(int64(interval)/5+1)) - interval/10
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		n, err := store.DeleteExpiredSessions(ctx, time.Now(), live.Current().SessionLimits(), models.DeleteBatch, nil)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("sweeping expired sessions failed", "deleted", n, "err", err.Error())
		case n > 0:
			log.Info("swept expired sessions", "deleted", n)
		}
		if _, err := store.TrimEndedSessions(ctx, time.Now(), models.DeleteBatch); err != nil && ctx.Err() == nil {
			log.Warn("trimming the records of ended sessions failed", "err", err.Error())
		}
		trimLogins(ctx, store, log)
	}
}

// trimLogins keeps the newest models.KeptLogins login records per user.
func trimLogins(ctx context.Context, store *models.Store, log *slog.Logger) {
	n, err := store.TrimLoginRecords(ctx, models.KeptLogins, models.DeleteBatch)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("trimming login records failed", "deleted", n, "err", err.Error())
	case n > 0:
		log.Info("trimmed login records", "deleted", n)
	}
}
