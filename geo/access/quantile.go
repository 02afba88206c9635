package access

import (
	"math"
	"sort"
)

// WeightedQuantile returns the lower weighted quantile q of vals weighted
// by w (see weightedQuantile), such as the median or the 90th percentile of
// travel times weighted by the residents of the cells; nil when the total
// weight is 0 or the quantile is +Inf.
func WeightedQuantile(vals []float64, w []int64, q float64) *float64 {
	ws := make([]weighted, len(vals))
	for i, v := range vals {
		ws[i] = weighted{v, w[i]}
	}
	return weightedQuantile(ws, q)
}

type weighted struct {
	v float64
	w int64
}

// weightedQuantile returns the smallest value v such that the weight of
// values ≤ v is at least q of the total weight (the lower weighted
// quantile); nil when the total weight is 0 or the quantile is +Inf. ws is
// sorted in place.
func weightedQuantile(ws []weighted, q float64) *float64 {
	var total int64
	for _, w := range ws {
		total += w.w
	}
	if total == 0 {
		return nil
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].v < ws[j].v })
	need := q * float64(total)
	var cum int64
	for _, w := range ws {
		cum += w.w
		if float64(cum) >= need && w.w > 0 {
			if math.IsInf(w.v, 1) {
				return nil
			}
			v := w.v
			return &v
		}
	}
	return nil
}
