//go:build unix

package repository_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used, user and system:
// unlike wall time, it does not grow while the process waits for a core.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
