package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"rango/models"
)

// HTTPError is an error with the status and the message a visitor sees.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string { return e.Message }

// NewError returns an HTTPError.
func NewError(status int, message string) *HTTPError {
	return &HTTPError{Status: status, Message: message}
}

// errorPage is the data of pages/error.
type errorPage struct {
	Base
	Status  int
	Message string
}

// friendly are the messages shown for Fiber's own errors.
var friendly = map[int]string{
	fiber.StatusNotFound:              "There is no page at this address.",
	fiber.StatusMethodNotAllowed:      "This address does not take that kind of request.",
	fiber.StatusRequestEntityTooLarge: "What you sent is too large.",
	fiber.StatusBadRequest:            "The request could not be understood.",
	fiber.StatusForbidden:             "You are not allowed to do that.",
	fiber.StatusTooManyRequests:       "Too many requests; please wait a moment and try again.",
}

// ErrorHandler turns a handler's error into an error page (or, for htmx,
// the page's content, which replaces the main content whatever the
// request meant to swap). Unexpected errors are logged and shown as
// a generic 500: their text never reaches the visitor.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status, message := classify(err)
		if status == fiber.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, retryAfter(err))
			log.Warn("service unavailable", "method", c.Method(), "path", c.Path(), "err", err.Error())
		} else if status >= 500 {
			log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", status, "err", err.Error())
		}
		data := errorPage{Base: BaseOf(c, errorTitle(status), ""), Status: status, Message: message}
		data.Base.Flash = ""
		if IsHTMX(c) {
			c.Set("HX-Retarget", "#main")
			c.Set("HX-Reswap", "innerHTML show:window:top")
		}
		c.Response().Header.Del("HX-Redirect")
		// The page may set cookies (the flash's deletion) after SecureCookies ran.
		defer markCookiesSecure(c)
		if renderErr := render(c, status, "pages/error", data); renderErr != nil {
			log.Error("error page failed", "err", renderErr.Error())
			c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
			return c.Status(status).SendString(message)
		}
		return nil
	}
}

// errorTitles are the error pages' titles, where the status text is not
// what a visitor would call it.
var errorTitles = map[int]string{
	fiber.StatusNotFound:              "Page not found",
	fiber.StatusForbidden:             "Not allowed",
	fiber.StatusMethodNotAllowed:      "Not allowed here",
	fiber.StatusRequestEntityTooLarge: "Too large",
	fiber.StatusTooManyRequests:       "Too many requests",
	fiber.StatusInternalServerError:   "Something went wrong",
	fiber.StatusServiceUnavailable:    "Temporarily unavailable",
}

// errorTitle is the title of the error page for status.
func errorTitle(status int) string {
	if t, ok := errorTitles[status]; ok {
		return t
	}
	return http.StatusText(status)
}

// ErrBusy answers a request that waited its deadline out behind other
// requests of the same browser or address (see ClientLimits).
var ErrBusy = NewError(fiber.StatusServiceUnavailable,
	"Rango is busy with many requests from your browser at once. Nothing you did is lost. Please try again in a moment.")

// ErrSiteBusy answers a request that waited its deadline out for a turn
// of the instance (see Turns).
var ErrSiteBusy = NewError(fiber.StatusServiceUnavailable,
	"Rango is busier than it can answer right now. Nothing you did is lost. Please try again in a moment.")

// retryAfter is the Retry-After of a 503: a second after a wait behind
// one's own requests or a write that kept conflicting with others, five
// while the database is away (or its Galera node is not ready).
func retryAfter(err error) string {
	if errors.Is(err, ErrBusy) || errors.Is(err, ErrSiteBusy) || errors.Is(err, models.ErrConflict) {
		return "1"
	}
	return "5"
}

func classify(err error) (int, string) {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status, he.Message
	}
	if models.IsUnavailable(err) {
		return fiber.StatusServiceUnavailable, "Rango is temporarily unavailable: its database is busy or not answering. " +
			"Nothing stored is lost. Please try again in a few seconds."
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if msg, ok := friendly[fe.Code]; ok {
			return fe.Code, msg
		}
		if fe.Code < 500 {
			return fe.Code, http.StatusText(fe.Code)
		}
	}
	return fiber.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
}
