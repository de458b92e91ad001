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

// clearSessions deletes every ended session (expired, or past the limits
// of the live settings), like Django's clearsessions: a backlog larger
// than the live sessions by swapping tables (models.Store's
// DeleteExpiredSessions), otherwise in batches; after a batch during which
// the site kept the database busy it pauses as long as the batch took, and
// otherwise goes straight on. It shows progress when out is a terminal.
func clearSessions(ctx context.Context, store *models.Store, limits models.SessionLimits, out io.Writer) error {
	tty := false
	if f, ok := out.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	var slowest time.Duration
	var pauses int
	pace := newPacer(ctx, store)
	progress := func(n int64, took time.Duration) {
		slowest = max(slowest, took)
		if pace.wait(ctx, took) {
			pauses++
		}
		if tty {
			fmt.Fprintf(out, "\rdeleting expired sessions: %d", n)
		}
	}
	start, swaps := time.Now(), store.Counts().SessionTableSwaps
	n, err := store.DeleteExpiredSessions(ctx, time.Now(), limits, models.DeleteBatch, progress)
	if tty && n > 0 {
		fmt.Fprintln(out)
	}
	if err != nil {
		return fmt.Errorf("clearsessions: after deleting %d: %w", n, err)
	}
	fmt.Fprintf(out, "deleted %d expired sessions\n", n)
	if store.Counts().SessionTableSwaps > swaps {
		fmt.Fprintf(out, "took %s: the live sessions were copied into a new table and the old one dropped\n",
			time.Since(start).Round(time.Millisecond))
	} else if n > 0 {
		fmt.Fprintf(out, "took %s; slowest batch of %d: %s; paused for the site after %d batches\n",
			time.Since(start).Round(time.Millisecond), models.DeleteBatch, slowest.Round(time.Millisecond), pauses)
	}
	return nil
}

// busyRate is how many statements a second from other clients make the
// database busy: a site serving a few dozen page views a second. Below
// it, the cleanup takes what the server has to spare.
const busyRate = 100

// pacer tells whether other clients kept the database busy while a batch
// ran, from the server's statement counter less the cleanup's own
// statements, and pauses when they did.
type pacer struct {
	store *models.Store
	// statements reads the server's statement counter.
	statements func(context.Context) (int64, error)
	// at, server and own are when the last batch started, the server's
	// statement count then, and the store's own.
	at          time.Time
	server, own int64
	known       bool
}

func newPacer(ctx context.Context, store *models.Store) *pacer {
	p := &pacer{store: store, statements: store.ServerStatements}
	p.mark(ctx)
	return p
}

// mark records the counters as the next batch starts.
func (p *pacer) mark(ctx context.Context) {
	server, err := p.statements(ctx)
	p.at, p.server, p.own, p.known = time.Now(), server, p.store.RoundTrips(), err == nil
}

// wait pauses as long as the batch took if the site was busy meanwhile
// (or if that cannot be told), and tells whether it paused.
func (p *pacer) wait(ctx context.Context, took time.Duration) bool {
	busy := p.busy(ctx)
	if busy {
		t := time.NewTimer(took)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	p.mark(ctx)
	return busy
}

// busy tells whether other clients' statements since the last mark came
// at busyRate or more.
func (p *pacer) busy(ctx context.Context) bool {
	server, err := p.statements(ctx)
	if err != nil || !p.known {
		return true
	}
	others := (server - p.server) - (p.store.RoundTrips() - p.own)
	return float64(others) >= busyRate*time.Since(p.at).Seconds()
}
