package access

import (
	"fmt"
	"math"
	"sort"
)

// E2SFCA is additive over facilities: step 1 of facility j reads only the
// demand and j's own catchment, so adding, closing or re-supplying j
// changes no other facility's ratio, and the access of a cell changes by
// ΔR_j·W_ij over j's catchment only. Update applies such changes to a
// result without running the E2SFCA again.

// FacilityCatchment is the catchment of one facility: its cells (each once)
// and their decay weights.
type FacilityCatchment struct {
	Cells   []int32
	Weights []float32
}

// Facility returns the catchment of facility j of w (shared: do not modify).
func (w *Weights) Facility(j int) FacilityCatchment {
	c := w.c
	a, b := c.facFirst[j], c.facFirst[j+1]
	return FacilityCatchment{Cells: c.facCell[a:b], Weights: w.w[a:b]}
}

// CatchmentOf weighs the pairs of one facility under d (the Facility field
// of the pairs is ignored): cells ascending, each once.
func CatchmentOf(pairs []Pair, d Decay) (FacilityCatchment, error) {
	if err := d.Validate(); err != nil {
		return FacilityCatchment{}, err
	}
	ps := append([]Pair(nil), pairs...)
	sort.Slice(ps, func(a, b int) bool { return ps[a].Cell < ps[b].Cell })
	out := FacilityCatchment{Cells: make([]int32, len(ps)), Weights: make([]float32, len(ps))}
	for k, p := range ps {
		if !(p.Seconds >= 0) || math.IsInf(float64(p.Seconds), 0) {
			return FacilityCatchment{}, fmt.Errorf("access: catchment pair %d (cell %d): time %v s must be finite and non-negative", k, p.Cell, p.Seconds)
		}
		if k > 0 && p.Cell == ps[k-1].Cell {
			return FacilityCatchment{}, fmt.Errorf("access: catchment lists cell %d twice", p.Cell)
		}
		out.Cells[k] = p.Cell
		out.Weights[k] = float32(d.Weight(float64(p.Seconds)))
	}
	return out, nil
}

// Change is one facility's change of supply: a new facility (Facility -1,
// its catchment in Catchment, supply To), a closure (To 0) or a new supply
// of existing facility Facility of the result (its catchment from the
// weights the result was computed with; Catchment is ignored).
type Change struct {
	Facility  int
	Catchment FacilityCatchment
	To        float64
}

// Updated is a result with changes applied.
type Updated struct {
	// Result has the facilities of the original in their places (with the
	// new supply's ratio) and one more per new facility, in the order of
	// the changes; its CellAccess is a new slice.
	Result
	// Touched are the cells whose access changed, ascending.
	Touched []int32
}

// tinyAccess is the share of a cell's access before a change below which
// its access after is taken as 0: closing the only facility of a cell
// leaves a rounding residue of order 1e-16 of the access it removed,
// which would read as supply in reach.
const tinyAccess = 1e-12

// Update applies changes to res, the E2SFCA of w with supply and demand
// (res, supply and demand are not modified). The outcome equals the full
// E2SFCA with the changed supply and catchments within float rounding
// (the tests hold it to 1e-9 relative); a cell whose access falls to
// within tinyAccess of what it was is set to 0.
func (w *Weights) Update(res Result, supply, demand []float64, changes []Change) (Updated, error) {
	c := w.c
	if len(supply) != c.nFac || len(res.FacilityRatio) != c.nFac || len(res.CellAccess) != c.nCell {
		return Updated{}, fmt.Errorf("access: update of a result of %d facilities and %d cells with %d supply values: it is not of these weights (%d facilities, %d cells)", len(res.FacilityRatio), len(res.CellAccess), len(supply), c.nFac, c.nCell)
	}
	if len(demand) != c.nCell {
		return Updated{}, fmt.Errorf("access: demand has %d values for %d cells", len(demand), c.nCell)
	}
	out := Updated{Result: Result{
		FacilityRatio:     append([]float64(nil), res.FacilityRatio...),
		WeightedDemand:    append([]float64(nil), res.WeightedDemand...),
		CellAccess:        append([]float64(nil), res.CellAccess...),
		SupplyDistributed: res.SupplyDistributed,
		SupplyUnreached:   res.SupplyUnreached,
	}}
	type touch struct {
		cell   int32
		before float64
	}
	var touched []touch
	seen := map[int32]bool{}
	for k, ch := range changes {
		if !(ch.To >= 0) || math.IsInf(ch.To, 0) {
			return Updated{}, fmt.Errorf("access: change %d: supply %v: must be finite and non-negative", k, ch.To)
		}
		cat, from, oldRatio, oldDem := ch.Catchment, 0.0, 0.0, 0.0
		if ch.Facility >= 0 {
			if ch.Facility >= c.nFac {
				return Updated{}, fmt.Errorf("access: change %d: facility %d of %d", k, ch.Facility, c.nFac)
			}
			cat = w.Facility(ch.Facility)
			from, oldRatio, oldDem = supply[ch.Facility], out.FacilityRatio[ch.Facility], res.WeightedDemand[ch.Facility]
		} else if len(cat.Weights) != len(cat.Cells) {
			return Updated{}, fmt.Errorf("access: change %d: %d cells, %d weights", k, len(cat.Cells), len(cat.Weights))
		}
		var dem float64
		for m, ci := range cat.Cells {
			if ci < 0 || int(ci) >= c.nCell {
				return Updated{}, fmt.Errorf("access: change %d: cell %d of %d", k, ci, c.nCell)
			}
			dem += demand[ci] * float64(cat.Weights[m])
		}
		if ch.Facility >= 0 {
			// The weighted demand the result holds: the ratio it removes is
			// the one it added.
			dem = oldDem
		}
		ratio := 0.0
		if dem > 0 {
			ratio = ch.To / dem
		}
		// The supply moves between distributed and unreached as the full
		// run counts it.
		if dem > 0 {
			out.SupplyDistributed += ch.To - from
		} else {
			out.SupplyUnreached += ch.To - from
		}
		if ch.Facility >= 0 {
			out.FacilityRatio[ch.Facility] = ratio
		} else {
			out.FacilityRatio = append(out.FacilityRatio, ratio)
			out.WeightedDemand = append(out.WeightedDemand, dem)
		}
		delta := ratio - oldRatio
		if delta == 0 {
			continue
		}
		for m, ci := range cat.Cells {
			if cat.Weights[m] == 0 {
				continue
			}
			if !seen[ci] {
				seen[ci] = true
				touched = append(touched, touch{ci, res.CellAccess[ci]})
			}
			out.CellAccess[ci] += delta * float64(cat.Weights[m])
		}
	}
	sort.Slice(touched, func(a, b int) bool { return touched[a].cell < touched[b].cell })
	out.Touched = make([]int32, len(touched))
	for k, t := range touched {
		out.Touched[k] = t.cell
		if a := out.CellAccess[t.cell]; a <= tinyAccess*t.before {
			out.CellAccess[t.cell] = 0
		}
	}
	return out, nil
}
