package access

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// saxonySized are catchments of Saxony's size: 400,000 populated cells and
// 2,800 facilities (about the general practices), each reaching a
// contiguous run of 2,000–8,000 cells (cells in id order are near each
// other) within the threshold: about 14 million pairs.
var saxonySized = sync.OnceValues(func() (*Weights, error) {
	rng := rand.New(rand.NewPCG(15, 2040))
	const nCell, nFac = 400_000, 2_800
	var pairs []Pair
	for j := 0; j < nFac; j++ {
		n := 2000 + rng.IntN(6000)
		start := rng.IntN(nCell - n)
		for k := 0; k < n; k++ {
			pairs = append(pairs, Pair{Facility: int32(j), Cell: int32(start + k), Seconds: float32(rng.IntN(1200))})
		}
	}
	c, err := NewCatchments(nFac, nCell, pairs)
	if err != nil {
		return nil, err
	}
	return c.Weigh(Decay{Kind: DecayZones, ThresholdS: 1200})
})

// BenchmarkE2SFCASaxonySize times one E2SFCA run over every cell from
// cached weights, with 1 and with 2 processors, fused per facility
// (E2SFCA) and, as the baseline, in two steps over facilities then cells
// (e2sfcaTwoStep). cpu-ms/op is the processor time of the whole process
// per run: on a shared machine the wall time depends on the neighbours.
func BenchmarkE2SFCASaxonySize(b *testing.B) {
	w, err := saxonySized()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	supply := make([]float64, w.c.Facilities())
	for j := range supply {
		supply[j] = float64(1 + rng.IntN(3))
	}
	demand := make([]float64, w.c.Cells())
	for i := range demand {
		demand[i] = float64(rng.IntN(200))
	}
	// "fused" is E2SFCA (both steps per facility, shared out by pairs);
	// "two-step" the earlier way, as the baseline of the same run.
	for _, procs := range []int{1, 2} {
		for _, v := range []struct {
			name string
			run  func(supply, demand []float64) (Result, error)
		}{{"two-step", w.e2sfcaTwoStep}, {"fused", w.E2SFCA}} {
			b.Run(fmt.Sprintf("%s/procs=%d/pairs=%d", v.name, procs, w.c.Pairs()), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				b.ReportAllocs()
				cpu0 := processCPU()
				for b.Loop() {
					if _, err := v.run(supply, demand); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((processCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// processCPU returns the processor time (user and system) of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
