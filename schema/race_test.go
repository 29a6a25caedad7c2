//go:build race

package schema_test

// raceEnabled: the tests run with -race, so programs they build should too
// (the race-built packages are then in the build cache already).
const raceEnabled = true
