package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"rango/config"
	"rango/models"
	"rango/server"
)

// shutdownTimeout is how long SIGTERM waits for requests in flight.
const shutdownTimeout = 10 * time.Second

// serve runs the site until ctx ends (SIGINT or SIGTERM), then finishes
// the requests in flight.
func serve(ctx context.Context, cfg config.Config, store *models.Store, log *slog.Logger) error {
	srv, err := server.New(ctx, cfg, store, log)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Fiber.Listen(cfg.Addr) }()
	log.Info("Rango is serving", "url", "http://"+cfg.Addr+"/")
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	return srv.Close(shutdownTimeout)
}
