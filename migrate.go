package main

import (
	"context"
	"fmt"

	"rango/config"
	"rango/models"
	"rango/server"
)

// migrate finishes the -migrate command: openStore has migrated the
// schema; this loads the sample data into an empty database when the
// configuration asks for it, as a serving instance would.
func migrate(ctx context.Context, cfg config.Config, store *models.Store) error {
	if cfg.SampleData {
		if err := server.LoadSampleIfEmpty(ctx, store); err != nil {
			return err
		}
	}
	fmt.Println("schema up to date")
	return nil
}
