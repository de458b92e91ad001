package models

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// conflict is the error a Galera certification failure or an InnoDB
// deadlock gives, as the driver returns it.
var conflict = &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"}

func TestRetryConflictsRunsAgainUntilItSucceeds(t *testing.T) {
	s := NewStore(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	calls := 0
	err := s.retryConflicts(ctx, func() error {
		calls++
		if calls < 8 {
			return fmt.Errorf("commit: %w", conflict)
		}
		return nil
	})
	if err != nil || calls != 8 {
		t.Fatalf("err %v after %d calls, want nil after 8", err, calls)
	}
	if c := s.Counts(); c.ConflictRetries != 7 || c.ConflictGiveUps != 0 {
		t.Errorf("counts %+v, want 7 retries and no give-up", c)
	}
}

func TestRetryConflictsGivesUpAtTheDeadline(t *testing.T) {
	for _, lockErr := range []error{conflict, &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}} {
		s := NewStore(nil)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		calls := 0
		err := s.retryConflicts(ctx, func() error { calls++; return lockErr })
		cancel()
		took := time.Since(start)
		if !errors.Is(err, ErrConflict) || !IsUnavailable(err) {
			t.Errorf("%v: got %v, want ErrConflict, which the site answers with 503", lockErr, err)
		}
		if !errors.Is(err, lockErr) {
			t.Errorf("the give-up does not wrap the last conflict: %v", err)
		}
		// Far past the deadline would mean it was not watched (timers may
		// fire late on a busy machine, hence the margin).
		if took > time.Second {
			t.Errorf("gave up after %s, long past the 300 ms deadline", took)
		}
		// Exponential backoff capped at 128 ms: far more than 2 attempts,
		// far fewer than a busy loop would make in 300 ms.
		if calls < 4 || calls > 150 {
			t.Errorf("%d attempts in 300 ms", calls)
		}
		if c := s.Counts(); c.ConflictGiveUps != 1 || c.ConflictRetries != int64(calls-1) {
			t.Errorf("counts %+v after %d attempts", c, calls)
		}
	}
}

func TestRetryConflictsLeavesOtherErrorsAlone(t *testing.T) {
	s := NewStore(nil)
	for _, want := range []error{ErrDuplicate, &mysql.MySQLError{Number: 1064, Message: "syntax"}, context.Canceled} {
		calls := 0
		err := s.retryConflicts(context.Background(), func() error { calls++; return want })
		if !errors.Is(err, want) || calls != 1 {
			t.Errorf("%v: got %v after %d calls, want it returned at once", want, err, calls)
		}
	}
}

func TestRetryConflictsWithoutDeadlineIsBounded(t *testing.T) {
	s := NewStore(nil)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := s.retryConflicts(ctx, func() error {
		calls++
		if calls == 5 {
			cancel() // the command is interrupted (SIGINT)
		}
		return conflict
	})
	if !errors.Is(err, ErrConflict) || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want a give-up that says it was cancelled", err)
	}
}

func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysql.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}, true},
		{&mysql.MySQLError{Number: 1180, Message: "Got error 6 \"No such device or address\" during COMMIT"}, true},
		{&mysql.MySQLError{Number: 1213}, true},
		{&mysql.MySQLError{Number: 1205}, true},
		{&mysql.MySQLError{Number: 1040}, true},
		{&mysql.MySQLError{Number: 1927}, true},
		{fmt.Errorf("save: %w", ErrConflict), true},
		{context.DeadlineExceeded, true},
		{&mysql.MySQLError{Number: 1062}, false},
		{&mysql.MySQLError{Number: 1064}, false},
		{ErrNotFound, false},
		{nil, false},
	} {
		if got := IsUnavailable(fmt.Errorf("models: x: %w", tc.err)); got != tc.want && tc.err != nil {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
