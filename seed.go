package main

import (
	"context"
	"fmt"

	"rango/models"
)

// seed loads the tutorial's sample data; running it twice changes nothing.
func seed(ctx context.Context, store *models.Store) error {
	if err := store.LoadSampleData(ctx); err != nil {
		return err
	}
	fmt.Println("sample data loaded")
	return nil
}
