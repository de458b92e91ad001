package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// flakyStorage is the real session storage with injected failures: the
// next `failures` reads fail as a database under strain would fail.
type flakyStorage struct {
	web.SessionStorage
	failures *int
}

func (f flakyStorage) GetWithContext(ctx context.Context, key string) ([]byte, error) {
	if *f.failures > 0 {
		*f.failures--
		return nil, &web.StorageError{Err: errors.New("Error 1040: Too many connections")}
	}
	return f.SessionStorage.GetWithContext(ctx, key)
}

// A failed read must not cost the visitor their session: it is reported,
// and the next request finds the session as it was.
func TestStorageErrorKeepsTheSession(t *testing.T) {
	store := openStore(t)
	ctx := context.Background()
	key := web.NewSessionKey()
	if err := store.InsertSession(ctx, key, typicalSession(t), time.Now().Add(time.Hour), models.SessionMeta{}); err != nil {
		t.Fatal(err)
	}
	failures := 1
	sessions := web.NewSessions(web.SessionsConfig{
		Storage: flakyStorage{web.SessionStorage{Store: store,
			Lifetimes: func() web.Lifetimes { return web.Lifetimes{} }}, &failures},
		Store:  store,
		Policy: func() web.SessionPolicy { return web.SessionPolicy{CookieAge: time.Hour} },
		Log:    slog.New(slog.DiscardHandler),
	})
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		return c.Status(fiber.StatusServiceUnavailable).SendString(err.Error())
	}})
	app.Use(sessions.Middleware())
	app.Get("/", func(c *fiber.Ctx) error {
		name, err := web.SessionOf(c).String("_auth_username")
		if err != nil {
			return err
		}
		return c.SendString(name)
	})
	get := func() (int, string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", web.SessionCookie+"="+key)
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 256)
		n, _ := resp.Body.Read(buf)
		return resp.StatusCode, string(buf[:n])
	}
	if status, _ := get(); status != fiber.StatusServiceUnavailable {
		t.Errorf("a failed read answered %d, want the error reported", status)
	}
	if _, found, err := store.LoadSession(ctx, key); err != nil || !found {
		t.Fatalf("the session row is gone after a failed read (found %v, %v)", found, err)
	}
	if status, body := get(); status != fiber.StatusOK || body != "someone" {
		t.Errorf("the next request: %d %q, want the session as it was", status, body)
	}
}
