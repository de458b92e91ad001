package models

import "time"

// SetSwapMinExpired sets the least backlog a cleanup clears by swapping
// tables, for a test, and returns the function that restores it.
func SetSwapMinExpired(n int64) (restore func()) {
	old := swapMinExpired
	swapMinExpired = n
	return func() { swapMinExpired = old }
}

// SetSwapStale sets the age at which a cleanup drops what a dead swap
// left, for a test, and returns the function that restores it.
func SetSwapStale(d time.Duration) (restore func()) {
	old := swapStale
	swapStale = d
	return func() { swapStale = old }
}
