package web

import (
	"context"
	"fmt"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// ClientLimits bounds how many requests of one client this instance works
// on at once, so that one browser (or one client on purpose) sending many
// requests together cannot take every pooled database connection from
// everyone else. A request beyond a bound waits for its turn without
// holding a connection, until its deadline (then 503 ErrBusy).
type ClientLimits struct {
	// PerSession bounds the requests in progress that present one session
	// key. Browsers open at most six connections to a site, so eight
	// leaves room for htmx requests alongside.
	PerSession int
	// PerAddress bounds the requests in progress from one client address
	// (as Proxies worked it out). Behind a load balancer it needs
	// RANGO_TRUSTED_PROXIES, or every client shares the balancer's bound.
	PerAddress int
}

// DefaultClientLimits are the bounds Rango runs with.
var DefaultClientLimits = ClientLimits{PerSession: 8, PerAddress: 64}

// Middleware enforces the limits. A request takes its session's turn
// first and its address's second, so that requests queued behind their
// own session hold no turn of their address meanwhile: a browser's burst
// leaves the other browsers behind the same address (a NAT, an office)
// their turns.
func (l ClientLimits) Middleware(sessionCookie string) fiber.Handler {
	sessions := newKeyedSemaphore(l.PerSession)
	addresses := newKeyedSemaphore(l.PerAddress)
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		if key := c.Cookies(sessionCookie); key != "" && ValidSessionKey(key) {
			release, err := sessions.acquire(ctx, key)
			if err != nil {
				return err
			}
			defer release()
		}
		release, err := addresses.acquire(ctx, ClientIP(c))
		if err != nil {
			return err
		}
		defer release()
		return c.Next()
	}
}

// keyedSemaphore gives each key up to size turns at once. An entry lives
// only while its key has a request in progress or waiting, so memory
// follows the requests in flight.
type keyedSemaphore struct {
	size int
	mu   sync.Mutex
	keys map[string]*turns
}

// turns are one key's turns: how many are taken, and who waits for one.
type turns struct {
	taken   int
	waiting []chan struct{}
}

func newKeyedSemaphore(size int) *keyedSemaphore {
	return &keyedSemaphore{size: size, keys: map[string]*turns{}}
}

// acquire takes a turn of key, waiting until ctx ends for one; it returns
// the function that gives the turn back.
func (k *keyedSemaphore) acquire(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	t := k.keys[key]
	if t == nil {
		t = &turns{}
		k.keys[key] = t
	}
	if t.taken < k.size {
		t.taken++
		k.mu.Unlock()
		return func() { k.release(key, t) }, nil
	}
	wake := make(chan struct{})
	t.waiting = append(t.waiting, wake)
	k.mu.Unlock()
	select {
	case <-wake: // release handed its turn over
		return func() { k.release(key, t) }, nil
	case <-ctx.Done():
		k.mu.Lock()
		defer k.mu.Unlock()
		select {
		case <-wake: // handed over just now: give it back
			k.releaseLocked(key, t)
		default:
			t.remove(wake)
		}
		return nil, fmt.Errorf("%w (%w)", ErrBusy, ctx.Err())
	}
}

func (k *keyedSemaphore) release(key string, t *turns) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.releaseLocked(key, t)
}

// releaseLocked hands the turn to the first waiter, or gives it back;
// k.mu must be held.
func (k *keyedSemaphore) releaseLocked(key string, t *turns) {
	if len(t.waiting) > 0 {
		wake := t.waiting[0]
		t.waiting = t.waiting[1:]
		close(wake)
		return
	}
	t.taken--
	if t.taken == 0 {
		delete(k.keys, key)
	}
}

func (t *turns) remove(wake chan struct{}) {
	for i, w := range t.waiting {
		if w == wake {
			t.waiting = append(t.waiting[:i], t.waiting[i+1:]...)
			return
		}
	}
}

// inUse returns how many keys have requests in progress or waiting, for tests.
func (k *keyedSemaphore) inUse() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

// load returns how many turns of key are taken and how many requests
// wait for one.
func (k *keyedSemaphore) load(key string) (taken, waiting int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t := k.keys[key]; t != nil {
		return t.taken, len(t.waiting)
	}
	return 0, 0
}
