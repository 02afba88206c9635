package access

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// referenceE2SFCA is the plainly written E2SFCA the fast one is checked
// against: maps, two loops, nothing shared.
func referenceE2SFCA(pairs []Pair, supply, demand []float64, d Decay) (ratio, access []float64) {
	type key struct{ j, i int32 }
	w := map[key]float64{}
	for _, p := range pairs {
		w[key{p.Facility, p.Cell}] = d.Weight(float64(p.Seconds))
	}
	ratio = make([]float64, len(supply))
	for j := range supply {
		var dem float64
		for k, wt := range w {
			if int(k.j) == j {
				dem += demand[k.i] * wt
			}
		}
		if dem > 0 {
			ratio[j] = supply[j] / dem
		}
	}
	access = make([]float64, len(demand))
	for k, wt := range w {
		access[k.i] += ratio[k.j] * wt
	}
	return ratio, access
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestE2SFCAHandWorked(t *testing.T) {
	// Practice A (2 doctors) reaches cells 0 and 1, practice B (1 doctor)
	// cells 1 and 2, all within 15 minutes; residents 100, 200, 50.
	// R_A = 2/300, R_B = 1/250; A_0 = 2/300, A_1 = 2/300 + 1/250, A_2 = 1/250.
	pairs := []Pair{{0, 0, 300}, {0, 1, 600}, {1, 1, 420}, {1, 2, 60}}
	c, err := NewCatchments(2, 3, pairs)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Weigh(Decay{Kind: DecayStep, ThresholdS: 900})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.E2SFCA([]float64{2, 1}, []float64{100, 200, 50})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2.0 / 300, 2.0/300 + 1.0/250, 1.0 / 250}
	for i := range want {
		if !near(res.CellAccess[i], want[i]) {
			t.Errorf("cell %d: access %v, want %v", i, res.CellAccess[i], want[i])
		}
	}
	if !near(res.FacilityRatio[0], 2.0/300) || !near(res.FacilityRatio[1], 1.0/250) {
		t.Errorf("ratios %v", res.FacilityRatio)
	}
	if res.SupplyDistributed != 3 || res.SupplyUnreached != 0 {
		t.Errorf("supply distributed %v, unreached %v; want 3, 0", res.SupplyDistributed, res.SupplyUnreached)
	}
	// Zones: cell 0 of A at 300 s is in the first third (1), cell 1 at
	// 600 s in the second (0.68); B: cell 1 at 420 s second (0.68), cell 2
	// first (1). R_A = 2/(100 + 136), R_B = 1/(136 + 50).
	wz, err := c.Weigh(Decay{Kind: DecayZones, ThresholdS: 900})
	if err != nil {
		t.Fatal(err)
	}
	res, err = wz.E2SFCA([]float64{2, 1}, []float64{100, 200, 50})
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := 2.0/236, 1.0/186
	want = []float64{ra, 0.68*ra + 0.68*rb, rb}
	for i := range want {
		if !near(res.CellAccess[i], want[i]) {
			t.Errorf("zones cell %d: access %v, want %v", i, res.CellAccess[i], want[i])
		}
	}
}

func TestE2SFCARandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 15))
	kinds := []Decay{
		{Kind: DecayStep, ThresholdS: 1200},
		{Kind: DecayZones, ThresholdS: 1200},
		{Kind: DecayGaussian, ThresholdS: 1200},
		{Kind: DecayLinear, ThresholdS: 1200},
		{Kind: DecayExponential, ThresholdS: 1200, Beta: 1.5},
	}
	for trial := 0; trial < 60; trial++ {
		nf, nc := 1+rng.IntN(12), 1+rng.IntN(5000)
		if trial%3 == 0 {
			nc = 1 + rng.IntN(30)
		}
		var pairs []Pair
		for j := 0; j < nf; j++ {
			for i := 0; i < nc; i++ {
				if rng.Float64() < 0.3 {
					pairs = append(pairs, Pair{int32(j), int32(i), float32(rng.IntN(1300))})
				}
			}
		}
		rng.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
		supply := make([]float64, nf)
		for j := range supply {
			supply[j] = float64(rng.IntN(5))
		}
		demand := make([]float64, nc)
		for i := range demand {
			if rng.Float64() < 0.8 {
				demand[i] = float64(rng.IntN(300))
			}
		}
		c, err := NewCatchments(nf, nc, pairs)
		if err != nil {
			t.Fatal(err)
		}
		d := kinds[trial%len(kinds)]
		w, err := c.Weigh(d)
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.E2SFCA(supply, demand)
		if err != nil {
			t.Fatal(err)
		}
		// The reference sees the weights as float32, as the fast one does.
		ratio, acc := referenceE2SFCA(pairs, supply, demand, d)
		_ = ratio
		for i := range acc {
			if math.Abs(res.CellAccess[i]-acc[i]) > 1e-6*math.Max(1e-6, acc[i]) {
				t.Fatalf("trial %d (%s): cell %d access %v, reference %v", trial, d, i, res.CellAccess[i], acc[i])
			}
		}
		// The balance: Σ D_i A_i equals the supply of facilities with
		// weighted demand, and that plus the unreached is all supply.
		var got, all float64
		for i := range demand {
			got += demand[i] * res.CellAccess[i]
		}
		for _, s := range supply {
			all += s
		}
		if math.Abs(got-res.SupplyDistributed) > 1e-9*math.Max(1, all) {
			t.Fatalf("trial %d: Σ D·A = %v, supply distributed %v", trial, got, res.SupplyDistributed)
		}
		if !near(res.SupplyDistributed+res.SupplyUnreached, all) {
			t.Fatalf("trial %d: distributed %v + unreached %v ≠ total %v", trial, res.SupplyDistributed, res.SupplyUnreached, all)
		}
		// Doubling demand halves every access value (supply shared by twice
		// the people); the weights are not recomputed.
		dd := make([]float64, nc)
		for i := range dd {
			dd[i] = 2 * demand[i]
		}
		res2, _ := w.E2SFCA(supply, dd)
		for i := range acc {
			if math.Abs(2*res2.CellAccess[i]-res.CellAccess[i]) > 1e-9*math.Max(1e-9, res.CellAccess[i]) {
				t.Fatalf("trial %d: doubled demand: cell %d access %v, want half of %v", trial, i, res2.CellAccess[i], res.CellAccess[i])
			}
		}
	}
}

func TestCatchmentsRejectBadInput(t *testing.T) {
	for name, pairs := range map[string][]Pair{
		"twice":    {{0, 1, 10}, {0, 1, 20}},
		"range":    {{0, 5, 10}},
		"negative": {{0, 1, -1}},
		"inf":      {{0, 1, float32(math.Inf(1))}},
	} {
		if _, err := NewCatchments(1, 3, pairs); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c, _ := NewCatchments(1, 2, []Pair{{0, 0, 1}})
	w, _ := c.Weigh(Decay{Kind: DecayStep, ThresholdS: 10})
	if _, err := w.E2SFCA([]float64{-1}, []float64{1, 1}); err == nil {
		t.Error("negative supply: no error")
	}
	if _, err := w.E2SFCA([]float64{1}, []float64{1}); err == nil {
		t.Error("short demand: no error")
	}
	if _, err := c.Weigh(Decay{Kind: "cubic", ThresholdS: 10}); err == nil {
		t.Error("unknown decay: no error")
	}
	if _, err := c.Weigh(Decay{Kind: DecayZones, ThresholdS: 10, Zones: []Zone{{0.5, 1}, {0.9, 0.5}}}); err == nil {
		t.Error("zones ending before 1: no error")
	}
}

func TestDecayShapes(t *testing.T) {
	for _, d := range []Decay{
		{Kind: DecayStep, ThresholdS: 600}, {Kind: DecayZones, ThresholdS: 600}, {Kind: DecayGaussian, ThresholdS: 600},
		{Kind: DecayLinear, ThresholdS: 600}, {Kind: DecayExponential, ThresholdS: 600, Beta: 2},
	} {
		if d.Weight(0) != 1 {
			t.Errorf("%s: weight at 0 is %v", d, d.Weight(0))
		}
		if d.Weight(601) != 0 || d.Weight(math.Inf(1)) != 0 || d.Weight(math.NaN()) != 0 {
			t.Errorf("%s: weight beyond the threshold is not 0", d)
		}
		prev := 1.0
		for s := 0.0; s <= 600; s += 7 {
			w := d.Weight(s)
			if w > prev || w < 0 {
				t.Fatalf("%s: weight %v at %v s after %v", d, w, s, prev)
			}
			prev = w
		}
	}
	g := Decay{Kind: DecayGaussian, ThresholdS: 600}
	if w := g.Weight(600); math.Abs(w) > 1e-12 {
		t.Errorf("gaussian at the threshold: %v, want 0", w)
	}
}

func TestGroupAccess(t *testing.T) {
	mean, dem, err := GroupAccess([]float64{1, 3, 5, 7}, []float64{1, 3, 0, 2}, []int32{0, 0, 1, -1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !near(mean[0], (1+9)/4.0) || mean[1] != 0 || mean[2] != 0 || dem[0] != 4 || dem[1] != 0 {
		t.Errorf("mean %v demand %v", mean, dem)
	}
	if _, _, err := GroupAccess([]float64{1}, []float64{1}, []int32{4}, 2); err == nil {
		t.Error("group out of range: no error")
	}
}

// TestE2SFCAParallelSplit: with catchments large enough to be shared out
// over several workers, and of very uneven size (one facility holds most
// pairs), every facility's ratio and every cell's access match the
// reference.
func TestE2SFCAParallelSplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	rng := rand.New(rand.NewPCG(3, 2040))
	for _, tc := range []struct {
		name       string
		nf, nc     int
		bigShare   float64 // share of the cells the first facility reaches
		smallShare float64
	}{
		{"one giant catchment", 50, 150_000, 1, 0.002},
		{"even catchments", 100, 30_000, 0.05, 0.05},
		{"fewer facilities than workers", 2, 90_000, 0.9, 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pairs []Pair
			for j := 0; j < tc.nf; j++ {
				share := tc.smallShare
				if j == 0 {
					share = tc.bigShare
				}
				for i := 0; i < tc.nc; i++ {
					if rng.Float64() < share {
						pairs = append(pairs, Pair{int32(j), int32(i), float32(rng.IntN(1300))})
					}
				}
			}
			if len(pairs) < 1<<17 {
				t.Fatalf("%d pairs: too few to split over workers", len(pairs))
			}
			supply := make([]float64, tc.nf)
			for j := range supply {
				supply[j] = float64(1 + rng.IntN(5))
			}
			demand := make([]float64, tc.nc)
			for i := range demand {
				demand[i] = float64(rng.IntN(300))
			}
			c, err := NewCatchments(tc.nf, tc.nc, pairs)
			if err != nil {
				t.Fatal(err)
			}
			d := Decay{Kind: DecayGaussian, ThresholdS: 1200}
			w, err := c.Weigh(d)
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.E2SFCA(supply, demand)
			if err != nil {
				t.Fatal(err)
			}
			ratio, acc := referenceE2SFCA(pairs, supply, demand, d)
			// The two-step baseline of the benchmark gives the same.
			two, err := w.e2sfcaTwoStep(supply, demand)
			if err != nil {
				t.Fatal(err)
			}
			for i := range acc {
				if math.Abs(two.CellAccess[i]-acc[i]) > 1e-6*math.Max(1e-6, acc[i]) {
					t.Fatalf("two-step: cell %d: access %v, reference %v", i, two.CellAccess[i], acc[i])
				}
			}
			for j := range ratio {
				if math.Abs(res.FacilityRatio[j]-ratio[j]) > 1e-6*math.Max(1e-12, ratio[j]) {
					t.Fatalf("facility %d: ratio %v, reference %v", j, res.FacilityRatio[j], ratio[j])
				}
			}
			for i := range acc {
				if math.Abs(res.CellAccess[i]-acc[i]) > 1e-6*math.Max(1e-6, acc[i]) {
					t.Fatalf("cell %d: access %v, reference %v", i, res.CellAccess[i], acc[i])
				}
			}
		})
	}
}
