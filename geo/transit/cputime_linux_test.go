package transit_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling thread has used (lock the goroutine to its thread
// first): unlike wall time it does not count the waits of a busy machine.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
