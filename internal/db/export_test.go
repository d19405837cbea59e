package db

// SetRankCap changes rankCap for a test and returns the undo.
func SetRankCap(n int) (restore func()) {
	old := rankCap
	rankCap = n
	return func() { rankCap = old }
}
