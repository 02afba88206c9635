package access

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
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
// cached weights, with 1 and with 2 processors, with step 1 shared out by
// pairs (E2SFCA) and, as the baseline, by facility count.
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
	// "balanced" is E2SFCA (step 1 shared out by pairs); "by-count" the
	// earlier split by facility count, as the baseline of the same run.
	for _, procs := range []int{1, 2} {
		for _, balanced := range []bool{false, true} {
			name := map[bool]string{false: "by-count", true: "balanced"}[balanced]
			b.Run(fmt.Sprintf("%s/procs=%d/pairs=%d", name, procs, w.c.Pairs()), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := w.e2sfca(supply, demand, balanced); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
