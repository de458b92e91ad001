package web

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestTurnsBound: no more than n requests are in the handlers at
// once, however many arrive together.
func TestTurnsBound(t *testing.T) {
	var inside, most atomic.Int64
	f := fiber.New()
	f.Use(NewTurns(3).Middleware())
	f.Get("/", func(c *fiber.Ctx) error {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		inside.Add(-1)
		return c.SendString("ok")
	})
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			resp, err := f.Test(httptest.NewRequest("GET", "/", nil), 10_000)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("answer %v, %v", resp, err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 3 {
		t.Errorf("at most %d requests in the handlers at once, want 3", most.Load())
	}
}

// TestTurnsInOrder: requests waiting for a turn get it in the
// order they came, and one whose deadline passes while it waits gets 503
// and leaves the line.
func TestTurnsInOrder(t *testing.T) {
	turns := NewTurns(1)
	hold := make(chan struct{})
	var mu sync.Mutex
	var order []int
	f := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		var e *HTTPError
		if errors.As(err, &e) {
			return c.Status(e.Status).SendString(e.Message)
		}
		return c.Status(500).SendString(err.Error())
	}})
	f.Use(func(c *fiber.Ctx) error {
		if c.Query("deadline") != "" {
			ctx, cancel := context.WithTimeout(c.UserContext(), 20*time.Millisecond)
			defer cancel()
			c.SetUserContext(ctx)
		}
		return c.Next()
	})
	f.Use(turns.Middleware())
	f.Get("/", func(c *fiber.Ctx) error {
		if c.Query("hold") != "" {
			<-hold
		}
		mu.Lock()
		order = append(order, c.QueryInt("n"))
		mu.Unlock()
		return c.SendString("ok")
	})
	get := func(query string) int {
		resp, err := f.Test(httptest.NewRequest("GET", "/?"+query, nil), 10_000)
		if err != nil {
			t.Error(err)
			return 0
		}
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	wg.Go(func() { get("n=0&hold=1") })
	waitFor(t, func() bool { active, _ := turns.Counts(); return active == 1 })
	for i := 1; i <= 5; i++ {
		wg.Go(func() { get("n=" + strconv.Itoa(i)) })
		waitFor(t, func() bool { _, waiting := turns.Counts(); return waiting == i })
	}
	if status := get("deadline=1"); status != fiber.StatusServiceUnavailable {
		t.Errorf("a request whose deadline passed in line: %d, want 503", status)
	}
	if _, n := turns.Counts(); n != 5 {
		t.Errorf("%d waiting after the late one left, want 5", n)
	}
	close(hold)
	wg.Wait()
	want := []int{0, 1, 2, 3, 4, 5}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if active, waiting := turns.Counts(); active != 0 || waiting != 0 {
		t.Errorf("after every request %d turns are still taken and %d wait", active, waiting)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
	}
}
