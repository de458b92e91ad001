package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"rango/models"
	"rango/views"
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
		Storage: flakyStorage{web.SessionStorage{Store: store}, &failures},
		Store:   store,
		Policy:  func() web.SessionPolicy { return web.SessionPolicy{CookieAge: time.Hour} },
		Log:     slog.New(slog.DiscardHandler),
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

// countingStorage is the real session storage, failing every read and
// counting the attempts.
type countingStorage struct {
	web.SessionStorage
	reads *int
}

func (f countingStorage) GetWithContext(context.Context, string) ([]byte, error) {
	*f.reads++
	return nil, &web.StorageError{Err: &mysql.MySQLError{Number: 1040, Message: "Too many connections"}}
}

// TestFailedReadIsNotALoggedOutPage: a page that only shows who is logged
// in (it never asks for the session itself) answers 503 when the session
// cannot be read, rather than showing a logged-in visitor as logged out;
// and the read is made once, not again by the error page.
func TestFailedReadIsNotALoggedOutPage(t *testing.T) {
	store := openStore(t)
	reads := 0
	sessions := web.NewSessions(web.SessionsConfig{
		Storage: countingStorage{web.SessionStorage{Store: store}, &reads},
		Store:   store,
		Policy:  func() web.SessionPolicy { return web.SessionPolicy{CookieAge: time.Hour} },
		Log:     slog.New(slog.DiscardHandler),
	})
	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	engine.AddFuncMap(views.Funcs())
	app := fiber.New(fiber.Config{Views: engine, ErrorHandler: web.ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Use(sessions.Middleware())
	app.Get("/", func(c *fiber.Ctx) error {
		return web.Render(c, fiber.StatusOK, "pages/restricted", struct{ web.Base }{web.BaseOf(c, "Somewhere", "")})
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", web.SessionCookie+"="+web.NewSessionKey())
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != fiber.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a page whose session could not be read: %d (Retry-After %q), want 503 with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if reads != 1 {
		t.Errorf("the session was read %d times, want once", reads)
	}
}
