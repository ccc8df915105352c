//go:build !race

package loadtest

// raceEnabled is set when the race detector runs: memory figures are then
// several times larger and not checked against the target.
const raceEnabled = false
