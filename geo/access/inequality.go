package access

import (
	"fmt"
	"math"
	"sort"
)

// Percentiles are the levels Summarise reports, in percent.
var Percentiles = []float64{10, 25, 50, 75, 90, 95}

// Summary is the distribution of a travel time (or any non-negative value)
// across residents.
type Summary struct {
	// Residents is the total weight; Unreached the weight of +Inf values
	// (no facility reachable).
	Residents, Unreached float64
	// Mean is the weighted mean over the reached residents (0 when none).
	Mean float64
	// Percentile holds, per level of Percentiles, the lower weighted
	// percentile over all residents (the smallest value with at least that
	// share of residents at or below it); nil where it falls among the
	// unreached or there are no residents.
	Percentile []*float64
	// Gini is the Gini coefficient over the reached residents: 0 when
	// everyone waits the same, towards 1 when a few carry all the travel
	// time. Nil without reached residents or when every time is 0.
	Gini *float64
	// Palma is the Palma ratio over the reached residents: the total time
	// of the 10 % with the longest times over that of the 40 % with the
	// shortest (residents split at the boundaries). Nil when undefined
	// (no reached residents or the shortest 40 % travel 0 s).
	Palma *float64
}

type valueWeight struct{ v, w float64 }

// Summarise returns the distribution of values weighted by weights
// (residents). Values must be non-negative or +Inf, weights non-negative
// and finite; entries of weight 0 are ignored.
func Summarise(values, weights []float64) (Summary, error) {
	if len(values) != len(weights) {
		return Summary{}, fmt.Errorf("access: %d values with %d weights", len(values), len(weights))
	}
	vw := make([]valueWeight, 0, len(values))
	for i, v := range values {
		w := weights[i]
		if !(w >= 0) || math.IsInf(w, 0) {
			return Summary{}, fmt.Errorf("access: weight %d is %v: must be finite and non-negative", i, w)
		}
		if !(v >= 0) {
			return Summary{}, fmt.Errorf("access: value %d is %v: must be non-negative or +Inf", i, v)
		}
		if w > 0 {
			vw = append(vw, valueWeight{v, w})
		}
	}
	return summarise(vw), nil
}

// SummariseIndex is Summarise over the entries idx of values and weights.
func SummariseIndex(values, weights []float64, idx []int) (Summary, error) {
	v := make([]float64, len(idx))
	w := make([]float64, len(idx))
	for k, i := range idx {
		if i < 0 || i >= len(values) || i >= len(weights) {
			return Summary{}, fmt.Errorf("access: index %d out of range (%d values, %d weights)", i, len(values), len(weights))
		}
		v[k], w[k] = values[i], weights[i]
	}
	return Summarise(v, w)
}

func summarise(vw []valueWeight) Summary {
	sort.Slice(vw, func(a, b int) bool { return vw[a].v < vw[b].v })
	s := Summary{Percentile: make([]*float64, len(Percentiles))}
	reached := vw
	for k, x := range vw {
		s.Residents += x.w
		if math.IsInf(x.v, 1) {
			s.Unreached += x.w
			if len(reached) == len(vw) {
				reached = vw[:k]
			}
		}
	}
	for pi, p := range Percentiles {
		s.Percentile[pi] = lowerQuantile(vw, s.Residents, p/100)
	}
	var W, T float64
	for _, x := range reached {
		W += x.w
		T += x.w * x.v
	}
	if W == 0 {
		return s
	}
	s.Mean = T / W
	if T > 0 {
		// Σ_i Σ_j w_i w_j |x_i − x_j| = 2 Σ_i w_i x_i (C_{i−1} − (W − C_i))
		// over the values in increasing order, C_i the cumulative weight.
		var cum, acc float64
		for _, x := range reached {
			below := cum
			cum += x.w
			acc += x.w * x.v * (below - (W - cum))
		}
		g := acc / (W * T)
		s.Gini = &g
	}
	bottom := partialSum(reached, 0.4*W)
	top := T - partialSum(reached, 0.9*W)
	if bottom > 0 {
		p := top / bottom
		s.Palma = &p
	}
	return s
}

// partialSum is the total of value×weight over the first `weight` of
// residents in increasing order, splitting the resident at the boundary.
func partialSum(vw []valueWeight, weight float64) float64 {
	var cum, sum float64
	for _, x := range vw {
		if cum+x.w >= weight {
			return sum + (weight-cum)*x.v
		}
		cum += x.w
		sum += x.w * x.v
	}
	return sum
}

// lowerQuantile is the smallest value whose cumulative weight reaches q of
// total; nil when it is +Inf or there is no weight. vw is sorted.
func lowerQuantile(vw []valueWeight, total, q float64) *float64 {
	if total == 0 {
		return nil
	}
	need := q * total
	var cum float64
	for _, x := range vw {
		cum += x.w
		if cum >= need*(1-1e-12) {
			if math.IsInf(x.v, 1) {
				return nil
			}
			v := x.v
			return &v
		}
	}
	return nil
}
