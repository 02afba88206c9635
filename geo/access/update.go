package access

import (
	"fmt"
	"math"
	"slices"
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
	ps := pairs
	if !slices.IsSortedFunc(ps, func(a, b Pair) int { return int(a.Cell) - int(b.Cell) }) {
		ps = append([]Pair(nil), pairs...)
		sort.Slice(ps, func(a, b int) bool { return ps[a].Cell < ps[b].Cell })
	}
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
// its catchment in Catchment, cells ascending, supply To), a closure (To 0)
// or a new supply of existing facility Facility of the result (its
// catchment from the weights the result was computed with; Catchment is
// ignored; at most one change per facility).
type Change struct {
	Facility  int
	Catchment FacilityCatchment
	To        float64
}

// Updated is a result with changes applied. The cells whose access
// changes are listed with their new access; every other cell keeps the
// access of the original result (CellAccess gives either).
type Updated struct {
	// FacilityRatio and WeightedDemand have the facilities of the original
	// in their places (with the new supply's ratio) and one more per new
	// facility, in the order of the changes.
	FacilityRatio, WeightedDemand      []float64
	SupplyDistributed, SupplyUnreached float64
	// Touched are the cells whose access changed, ascending, and
	// TouchedAccess their access after the changes.
	Touched       []int32
	TouchedAccess []float64
	// before is the original's access per cell.
	before []float64
}

// CellAccess returns the access of cell i after the changes.
func (u Updated) CellAccess(i int) float64 {
	if k, ok := slices.BinarySearch(u.Touched, int32(i)); ok {
		return u.TouchedAccess[k]
	}
	return u.before[i]
}

// tinyAccess is the share of a cell's access before a change below which
// its access after is taken as 0: closing the only facility of a cell
// leaves a rounding residue of order 1e-16 of the access it removed,
// which would read as supply in reach.
const tinyAccess = 1e-12

// Update applies changes to res, the E2SFCA of w with supply and demand
// (res, supply and demand are not modified, and the result shares res's
// access per cell). The outcome equals the full E2SFCA with the changed
// supply and catchments within float rounding (the tests hold it to 1e-9
// relative); a cell whose access falls to within tinyAccess of what it
// was is set to 0. Its cost grows with the changed facilities' catchments,
// not with the region.
func (w *Weights) Update(res Result, supply, demand []float64, changes []Change) (Updated, error) {
	c := w.c
	if len(supply) != c.nFac || len(res.FacilityRatio) != c.nFac || len(res.CellAccess) != c.nCell {
		return Updated{}, fmt.Errorf("access: update of a result of %d facilities and %d cells with %d supply values: it is not of these weights (%d facilities, %d cells)", len(res.FacilityRatio), len(res.CellAccess), len(supply), c.nFac, c.nCell)
	}
	if len(demand) != c.nCell {
		return Updated{}, fmt.Errorf("access: demand has %d values for %d cells", len(demand), c.nCell)
	}
	out := Updated{
		FacilityRatio:     append([]float64(nil), res.FacilityRatio...),
		WeightedDemand:    append([]float64(nil), res.WeightedDemand...),
		SupplyDistributed: res.SupplyDistributed,
		SupplyUnreached:   res.SupplyUnreached,
		before:            res.CellAccess,
	}
	// The change of access of every cell in a changed catchment, ascending
	// by cell once sorted (one change: already).
	type delta struct {
		cell int32
		d    float64
	}
	var deltas []delta
	runs := 0
	once := map[int]bool{}
	for k, ch := range changes {
		if !(ch.To >= 0) || math.IsInf(ch.To, 0) {
			return Updated{}, fmt.Errorf("access: change %d: supply %v: must be finite and non-negative", k, ch.To)
		}
		cat, from, oldRatio, oldDem := ch.Catchment, 0.0, 0.0, 0.0
		if ch.Facility >= 0 {
			if ch.Facility >= c.nFac {
				return Updated{}, fmt.Errorf("access: change %d: facility %d of %d", k, ch.Facility, c.nFac)
			}
			if once[ch.Facility] {
				return Updated{}, fmt.Errorf("access: change %d: facility %d is changed twice", k, ch.Facility)
			}
			once[ch.Facility] = true
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
			if m > 0 && ci <= cat.Cells[m-1] {
				return Updated{}, fmt.Errorf("access: change %d: cells not ascending at %d (cell %d after %d)", k, m, ci, cat.Cells[m-1])
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
		dr := ratio - oldRatio
		if dr == 0 {
			continue
		}
		runs++
		for m, ci := range cat.Cells {
			if cat.Weights[m] != 0 {
				deltas = append(deltas, delta{ci, dr * float64(cat.Weights[m])})
			}
		}
	}
	if runs > 1 {
		slices.SortStableFunc(deltas, func(a, b delta) int { return int(a.cell) - int(b.cell) })
	}
	for k := 0; k < len(deltas); {
		ci := deltas[k].cell
		before := res.CellAccess[ci]
		a := before
		for ; k < len(deltas) && deltas[k].cell == ci; k++ {
			a += deltas[k].d
		}
		if a <= tinyAccess*before {
			a = 0
		}
		out.Touched = append(out.Touched, ci)
		out.TouchedAccess = append(out.TouchedAccess, a)
	}
	return out, nil
}
