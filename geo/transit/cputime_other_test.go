//go:build !linux

package transit_test

import "time"

// threadCPU is not available here; the benchmarks report wall time only.
func threadCPU() (time.Duration, bool) { return 0, false }
