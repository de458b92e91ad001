package web_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// Database states that pass (a Galera node joining or without quorum, a
// write that kept conflicting until its deadline) answer 503 with
// Retry-After, never 500; real faults stay 500.
func TestErrorHandlerStatus(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		want  int
		retry string
	}{
		{"conflicts until the deadline", fmt.Errorf("web: save session: %w", fmt.Errorf("%w: %w", models.ErrConflict, &mysql.MySQLError{Number: 1213})), 503, "1"},
		{"galera node not ready", fmt.Errorf("models: load session: %w", &mysql.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}), 503, "5"},
		{"galera commit without primary", &mysql.MySQLError{Number: 1180, Message: "Got error 6 during COMMIT"}, 503, "5"},
		{"lock wait timeout", &mysql.MySQLError{Number: 1205}, 503, "5"},
		{"a query that is wrong", &mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax"}, 500, ""},
		{"anything else", errors.New("boom"), 500, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{ErrorHandler: web.ErrorHandler(slog.New(slog.DiscardHandler))})
			app.Get("/", func(*fiber.Ctx) error { return tc.err })
			resp, err := app.Test(httptest.NewRequest("GET", "/", nil))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if retry := resp.Header.Get("Retry-After"); retry != tc.retry {
				t.Errorf("Retry-After %q, want %q", retry, tc.retry)
			}
		})
	}
}
