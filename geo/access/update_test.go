package access

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestUpdateAgainstFullRun applies random additions, closures and new
// supplies to an E2SFCA result and compares every value with the full run
// on the changed supply and catchments.
func TestUpdateAgainstFullRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 15))
	kinds := []Decay{
		{Kind: DecayStep, ThresholdS: 1200},
		{Kind: DecayZones, ThresholdS: 1200},
		{Kind: DecayGaussian, ThresholdS: 1200},
		{Kind: DecayExponential, ThresholdS: 1200, Beta: 1.5},
	}
	for trial := range 200 {
		nf, nc := 1+rng.IntN(15), 1+rng.IntN(2000)
		if trial%4 == 0 {
			nc = 1 + rng.IntN(20)
		}
		d := kinds[trial%len(kinds)]
		var pairs []Pair
		randomCatchment := func(j int32) []Pair {
			var ps []Pair
			p := rng.Float64() * 0.5
			for i := range nc {
				if rng.Float64() < p {
					ps = append(ps, Pair{j, int32(i), float32(rng.IntN(1300))})
				}
			}
			return ps
		}
		for j := range nf {
			pairs = append(pairs, randomCatchment(int32(j))...)
		}
		supply := make([]float64, nf)
		for j := range supply {
			supply[j] = float64(rng.IntN(5))
		}
		demand := make([]float64, nc)
		for i := range demand {
			if rng.Float64() < 0.7 {
				demand[i] = float64(rng.IntN(300))
			}
		}
		c, err := NewCatchments(nf, nc, pairs)
		if err != nil {
			t.Fatal(err)
		}
		w, err := c.Weigh(d)
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.E2SFCA(supply, demand)
		if err != nil {
			t.Fatal(err)
		}
		// Changes: some new facilities, some existing ones closed or
		// re-supplied (each existing one at most once).
		var changes []Change
		allPairs := append([]Pair(nil), pairs...)
		newSupply := append([]float64(nil), supply...)
		used := map[int]bool{}
		for range 1 + rng.IntN(4) {
			switch rng.IntN(3) {
			case 0:
				j := int32(len(newSupply))
				ps := randomCatchment(j)
				fc, err := CatchmentOf(ps, d)
				if err != nil {
					t.Fatal(err)
				}
				s := float64(1 + rng.IntN(4))
				changes = append(changes, Change{Facility: -1, Catchment: fc, To: s})
				allPairs = append(allPairs, ps...)
				newSupply = append(newSupply, s)
			default:
				j := rng.IntN(nf)
				if used[j] {
					continue
				}
				used[j] = true
				s := 0.0 // a closure
				if rng.IntN(2) == 0 {
					s = float64(rng.IntN(8))
				}
				changes = append(changes, Change{Facility: j, To: s})
				newSupply[j] = s
			}
		}
		up, err := w.Update(res, supply, demand, changes)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := NewCatchments(len(newSupply), nc, allPairs)
		if err != nil {
			t.Fatal(err)
		}
		w2, err := c2.Weigh(d)
		if err != nil {
			t.Fatal(err)
		}
		full, err := w2.E2SFCA(newSupply, demand)
		if err != nil {
			t.Fatal(err)
		}
		close := func(a, b float64) bool {
			return math.Abs(a-b) <= 1e-9*math.Max(1e-12, math.Max(math.Abs(a), math.Abs(b)))
		}
		for i := range nc {
			if !close(up.CellAccess(i), full.CellAccess[i]) {
				t.Fatalf("trial %d (%s, %d changes): cell %d access %v, full run %v", trial, d, len(changes), i, up.CellAccess(i), full.CellAccess[i])
			}
		}
		if len(up.FacilityRatio) != len(newSupply) {
			t.Fatalf("trial %d: %d ratios for %d facilities", trial, len(up.FacilityRatio), len(newSupply))
		}
		for j := range newSupply {
			if !close(up.FacilityRatio[j], full.FacilityRatio[j]) || !close(up.WeightedDemand[j], full.WeightedDemand[j]) {
				t.Fatalf("trial %d: facility %d ratio %v demand %v, full run %v %v", trial, j, up.FacilityRatio[j], up.WeightedDemand[j], full.FacilityRatio[j], full.WeightedDemand[j])
			}
		}
		if !close(up.SupplyDistributed, full.SupplyDistributed) || math.Abs(up.SupplyUnreached-full.SupplyUnreached) > 1e-9 {
			t.Fatalf("trial %d: distributed %v unreached %v, full run %v %v", trial, up.SupplyDistributed, up.SupplyUnreached, full.SupplyDistributed, full.SupplyUnreached)
		}
		// Touched lists exactly the cells whose access differs.
		touched := map[int32]bool{}
		for k, ci := range up.Touched {
			if k > 0 && up.Touched[k-1] >= ci {
				t.Fatalf("trial %d: touched not ascending: %v", trial, up.Touched)
			}
			touched[ci] = true
		}
		for i := range nc {
			if res.CellAccess[i] != up.CellAccess(i) && !touched[int32(i)] {
				t.Fatalf("trial %d: cell %d changed (%v → %v) but is not listed as touched", trial, i, res.CellAccess[i], up.CellAccess(i))
			}
		}
		// The original is untouched.
		again, _ := w.E2SFCA(supply, demand)
		for i := range nc {
			if again.CellAccess[i] != res.CellAccess[i] {
				t.Fatalf("trial %d: the update modified the original result", trial)
			}
		}
	}
}

// TestUpdateClosingTheOnlyFacility: a cell served by one facility has no
// access once it closes, not a rounding residue.
func TestUpdateClosingTheOnlyFacility(t *testing.T) {
	c, err := NewCatchments(2, 3, []Pair{{0, 0, 100}, {0, 1, 700}, {1, 1, 300}, {1, 2, 1000}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Weigh(Decay{Kind: DecayZones, ThresholdS: 1200})
	if err != nil {
		t.Fatal(err)
	}
	supply, demand := []float64{3, 0.7}, []float64{37, 11, 13}
	res, err := w.E2SFCA(supply, demand)
	if err != nil {
		t.Fatal(err)
	}
	up, err := w.Update(res, supply, demand, []Change{{Facility: 0, To: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if up.CellAccess(0) != 0 || up.CellAccess(1) <= 0 || up.CellAccess(2) != res.CellAccess[2] {
		t.Fatalf("after closing facility 0: access %v %v %v (before %v)", up.CellAccess(0), up.CellAccess(1), up.CellAccess(2), res.CellAccess)
	}
	if !near(up.SupplyDistributed, 0.7) {
		t.Fatalf("distributed %v, want 0.7", up.SupplyDistributed)
	}
	if _, err := w.Update(res, supply, demand, []Change{{Facility: 5, To: 1}}); err == nil {
		t.Fatal("a change of facility 5 of 2 was accepted")
	}
	if _, err := w.Update(res, supply, demand, []Change{{Facility: 1, To: 2}, {Facility: 1, To: 3}}); err == nil {
		t.Fatal("two changes of facility 1 were accepted")
	}
	if _, err := w.Update(res, supply, demand, []Change{{Facility: -1, To: 1, Catchment: FacilityCatchment{Cells: []int32{2, 1}, Weights: []float32{1, 1}}}}); err == nil {
		t.Fatal("a catchment with cells not ascending was accepted")
	}
	if _, err := w.Update(res, supply, demand, []Change{{Facility: 1, To: math.NaN()}}); err == nil {
		t.Fatal("a supply of NaN was accepted")
	}
}
