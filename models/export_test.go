package models

// SetSwapMinExpired sets the least backlog a cleanup clears by swapping
// tables, for a test, and returns the function that restores it.
func SetSwapMinExpired(n int64) (restore func()) {
	old := swapMinExpired
	swapMinExpired = n
	return func() { swapMinExpired = old }
}
