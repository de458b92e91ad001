package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"rango/models"
)

// clearBatch is how many rows one DELETE removes at most.
const clearBatch = 1000

// clearSessions deletes every ended session (expired, or past the limits
// of the live settings), like Django's clearsessions, in batches with
// pauses as long as each batch, showing progress when out is a terminal.
func clearSessions(ctx context.Context, store *models.Store, limits models.SessionLimits, out io.Writer) error {
	tty := false
	if f, ok := out.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	var slowest time.Duration
	progress := func(n int64, took time.Duration) {
		slowest = max(slowest, took)
		// Leave the database as much time as each batch took, so that the
		// site keeps most of its throughput while a big backlog goes.
		time.Sleep(took)
		if tty {
			fmt.Fprintf(out, "\rdeleting expired sessions: %d", n)
		}
	}
	start := time.Now()
	n, err := store.DeleteExpiredSessions(ctx, time.Now(), limits, clearBatch, progress)
	if tty && n > 0 {
		fmt.Fprintln(out)
	}
	if err != nil {
		return fmt.Errorf("clearsessions: after deleting %d: %w", n, err)
	}
	fmt.Fprintf(out, "deleted %d expired sessions\n", n)
	if n > 0 {
		fmt.Fprintf(out, "took %s; slowest batch of %d: %s\n", time.Since(start).Round(time.Millisecond), clearBatch, slowest.Round(time.Millisecond))
	}
	return nil
}
