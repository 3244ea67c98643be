//go:build race

package webhook

// raceEnabled: the race detector makes sync.Pool drop a share of what is
// put in it, on purpose, so a test cannot count on getting it back.
const raceEnabled = true
