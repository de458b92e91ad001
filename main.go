// Command rango serves the Rango site, or runs one maintenance command
// (-migrate, -seed, -clearsessions, -createadmin) and exits. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"rango/config"
	"rango/models"
	"rango/settings"
)

func main() {
	os.Exit(run())
}

// run returns the process exit code.
func run() int {
	cfg, err := config.Load(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rango:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store, closeDB, err := openDatabase(ctx, cfg, log)
	if err != nil {
		logStartError(log, err)
		return 1
	}
	defer closeDB()

	switch cfg.Command {
	case config.CommandSeed:
		err = seed(ctx, store)
	case config.CommandClearSessions:
		var live *settings.Live
		if live, err = settings.NewLive(ctx, store, liveDefaults(cfg), log); err == nil {
			err = clearSessions(ctx, store, live.Current().SessionLimits(), os.Stdout)
		}
	case config.CommandCreateAdmin:
		err = createAdmin(ctx, store, cfg.AdminName, os.Getenv("RANGO_ADMIN_PASSWORD"))
	case config.CommandMigrate:
		err = migrate(ctx, cfg, store)
	default:
		err = serve(ctx, cfg, store, log)
	}
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	return 0
}

// liveDefaults are the live settings' values where the database stores
// none, from the configuration.
func liveDefaults(cfg config.Config) settings.Values {
	return settings.Values{SessionCookieAge: cfg.SessionCookieAge, VisitInterval: cfg.VisitInterval}
}

// openStore waits for the database, opens it, and migrates it or, with
// RANGO_MIGRATE=false, waits for its schema.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*models.Store, error) {
	store, err := models.Open(ctx, cfg.DSN, cfg.DBWait, log)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate || cfg.Command == config.CommandMigrate {
		err = store.Migrate(ctx)
	} else {
		err = store.WaitForSchema(ctx, cfg.DBWait)
	}
	if err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}
