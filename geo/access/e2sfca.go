package access

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"reach/geo/par"
)

// Pair is one entry of a catchment: cell Cell reaches facility Facility in
// Seconds.
type Pair struct {
	Facility int32
	Cell     int32
	Seconds  float32
}

// Catchments is the sparse facility–cell travel-time matrix within the
// catchment threshold, in facility order (a CSR list of cells per
// facility). Immutable once built; safe for concurrent use. The weights of
// one decay are computed once (Weigh) and reused by every rerun with other
// supply or demand, which needs no routing.
type Catchments struct {
	nFac, nCell int
	// By facility: pairs facFirst[j]..facFirst[j+1] of facCell/facSecs.
	facFirst []int32
	facCell  []int32
	facSecs  []float32
	// byCell is the same matrix in cell order, built on first use by the
	// two-step baseline only (e2sfcaTwoStep).
	byCell    sync.Once
	cellFirst []int32
	cellFac   []int32
	cellPos   []int32
}

// NewCatchments builds the catchments of nFac facilities over nCell cells
// from pairs (any order). A (facility, cell) pair given twice is an error:
// a resident is counted once within a catchment. Times must be finite and
// non-negative.
// minChunk is the fewest cells, facilities or pairs worth a goroutine of
// their own (par.Chunks).
const minChunk = 2048

func NewCatchments(nFac, nCell int, pairs []Pair) (*Catchments, error) {
	if nFac < 0 || nCell < 0 || nFac > math.MaxInt32 || nCell > math.MaxInt32 || len(pairs) > math.MaxInt32 {
		return nil, fmt.Errorf("access: catchments of %d facilities, %d cells, %d pairs: out of range", nFac, nCell, len(pairs))
	}
	c := &Catchments{nFac: nFac, nCell: nCell,
		facFirst: make([]int32, nFac+1), facCell: make([]int32, len(pairs)), facSecs: make([]float32, len(pairs)),
	}
	for k, p := range pairs {
		if p.Facility < 0 || int(p.Facility) >= nFac || p.Cell < 0 || int(p.Cell) >= nCell {
			return nil, fmt.Errorf("access: catchment pair %d (facility %d, cell %d): index out of range (%d facilities, %d cells)", k, p.Facility, p.Cell, nFac, nCell)
		}
		if !(p.Seconds >= 0) || math.IsInf(float64(p.Seconds), 0) {
			return nil, fmt.Errorf("access: catchment pair %d (facility %d, cell %d): time %v s must be finite and non-negative", k, p.Facility, p.Cell, p.Seconds)
		}
		c.facFirst[p.Facility+1]++
	}
	for j := 0; j < nFac; j++ {
		c.facFirst[j+1] += c.facFirst[j]
	}
	next := append([]int32(nil), c.facFirst[:nFac]...)
	for _, p := range pairs {
		k := next[p.Facility]
		next[p.Facility]++
		c.facCell[k] = p.Cell
		c.facSecs[k] = p.Seconds
	}
	// Within each facility, cells in increasing order: duplicates are
	// neighbours, and the cell order below is deterministic.
	for j := 0; j < nFac; j++ {
		lo, hi := c.facFirst[j], c.facFirst[j+1]
		s := pairSorter{c.facCell[lo:hi], c.facSecs[lo:hi]}
		if !sort.IsSorted(s) {
			sort.Sort(s)
		}
		for k := lo + 1; k < hi; k++ {
			if c.facCell[k] == c.facCell[k-1] {
				return nil, fmt.Errorf("access: facility %d lists cell %d twice in its catchment", j, c.facCell[k])
			}
		}
	}
	return c, nil
}

// cellOrder builds the matrix in cell order (once).
func (c *Catchments) cellOrder() {
	c.byCell.Do(func() {
		c.cellFirst = make([]int32, c.nCell+1)
		c.cellFac = make([]int32, len(c.facCell))
		c.cellPos = make([]int32, len(c.facCell))
		for _, ci := range c.facCell {
			c.cellFirst[ci+1]++
		}
		for i := 0; i < c.nCell; i++ {
			c.cellFirst[i+1] += c.cellFirst[i]
		}
		next := append([]int32(nil), c.cellFirst[:c.nCell]...)
		for j := 0; j < c.nFac; j++ {
			for k := c.facFirst[j]; k < c.facFirst[j+1]; k++ {
				ci := c.facCell[k]
				m := next[ci]
				next[ci]++
				c.cellFac[m] = int32(j)
				c.cellPos[m] = k
			}
		}
	})
}

type pairSorter struct {
	cell []int32
	secs []float32
}

func (s pairSorter) Len() int           { return len(s.cell) }
func (s pairSorter) Less(a, b int) bool { return s.cell[a] < s.cell[b] }
func (s pairSorter) Swap(a, b int) {
	s.cell[a], s.cell[b] = s.cell[b], s.cell[a]
	s.secs[a], s.secs[b] = s.secs[b], s.secs[a]
}

// Facilities and Cells return the dimensions; Pairs the number of entries.
func (c *Catchments) Facilities() int { return c.nFac }
func (c *Catchments) Cells() int      { return c.nCell }
func (c *Catchments) Pairs() int      { return len(c.facCell) }

// Catchment calls fn for every cell in facility j's catchment with its time.
func (c *Catchments) Catchment(j int, fn func(cell int, seconds float64)) {
	for k := c.facFirst[j]; k < c.facFirst[j+1]; k++ {
		fn(int(c.facCell[k]), float64(c.facSecs[k]))
	}
}

// Weights are the decay weights of every pair of a Catchments, in its
// facility order.
type Weights struct {
	c     *Catchments
	w     []float32
	decay Decay
}

// Weigh computes the weight of every pair under d.
func (c *Catchments) Weigh(d Decay) (*Weights, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	w := make([]float32, len(c.facSecs))
	par.Chunks(len(w), minChunk, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			w[k] = float32(d.Weight(float64(c.facSecs[k])))
		}
	})
	return &Weights{c: c, w: w, decay: d}, nil
}

// Decay returns the decay the weights were computed with.
func (w *Weights) Decay() Decay { return w.decay }

// Result is the outcome of one E2SFCA run.
type Result struct {
	// FacilityRatio is R_j = S_j / Σ_i D_i·W_ij: supply per weighted
	// resident of demand in facility j's catchment; 0 when no demand is
	// within it (then the facility's supply reaches nobody).
	FacilityRatio []float64
	// WeightedDemand is Σ_i D_i·W_ij per facility.
	WeightedDemand []float64
	// CellAccess is A_i = Σ_j R_j·W_ij: the supply available per resident
	// of demand in cell i (e.g. doctors per resident; multiply by 1e5 for
	// "per 100,000").
	CellAccess []float64
	// SupplyDistributed is Σ_j S_j over facilities with weighted demand >
	// 0; it equals Σ_i D_i·A_i (the balance the tests check).
	SupplyDistributed float64
	// SupplyUnreached is the supply of facilities with no weighted demand.
	SupplyUnreached float64
}

// E2SFCA runs the enhanced two-step floating catchment with supply per
// facility and demand per cell (both non-negative, lengths matching the
// catchments). The weights are applied in both steps, so that the supply of
// every facility with demand in reach is distributed exactly:
// Σ_i D_i·A_i = Σ_j S_j over those facilities.
//
// Both steps run per facility, one after the other over the same pairs
// while they are in cache: step 1 sums the weighted demand of the
// facility's catchment, step 2 adds its ratio, weighted, to the access of
// each of its cells. The facilities are shared out over the processors by
// their number of pairs; each processor adds into an access vector of its
// own, and the vectors are summed at the end.
func (w *Weights) E2SFCA(supply, demand []float64) (Result, error) {
	c := w.c
	res, err := w.newResult(supply, demand)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	var partial [][]float64
	c.parallelFacilities(func(lo, hi int) {
		acc := make([]float64, c.nCell)
		for j := lo; j < hi; j++ {
			a, b := c.facFirst[j], c.facFirst[j+1]
			cells, ws := c.facCell[a:b], w.w[a:b]
			var sum float64
			for k, ci := range cells {
				sum += demand[ci] * float64(ws[k])
			}
			res.WeightedDemand[j] = sum
			if !(sum > 0) {
				continue
			}
			r := supply[j] / sum
			res.FacilityRatio[j] = r
			for k, ci := range cells {
				acc[ci] += r * float64(ws[k])
			}
		}
		mu.Lock()
		partial = append(partial, acc)
		mu.Unlock()
	})
	if len(partial) == 1 {
		res.CellAccess = partial[0]
	} else {
		par.Chunks(c.nCell, minChunk, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				var a float64
				for _, p := range partial {
					a += p[i]
				}
				res.CellAccess[i] = a
			}
		})
	}
	res.tally(supply)
	return res, nil
}

// newResult checks the inputs and allocates the result.
func (w *Weights) newResult(supply, demand []float64) (Result, error) {
	c := w.c
	if len(supply) != c.nFac {
		return Result{}, fmt.Errorf("access: supply has %d values for %d facilities", len(supply), c.nFac)
	}
	if len(demand) != c.nCell {
		return Result{}, fmt.Errorf("access: demand has %d values for %d cells", len(demand), c.nCell)
	}
	for j, s := range supply {
		if !(s >= 0) || math.IsInf(s, 0) {
			return Result{}, fmt.Errorf("access: supply of facility %d is %v: must be finite and non-negative", j, s)
		}
	}
	for i, d := range demand {
		if !(d >= 0) || math.IsInf(d, 0) {
			return Result{}, fmt.Errorf("access: demand of cell %d is %v: must be finite and non-negative", i, d)
		}
	}
	return Result{FacilityRatio: make([]float64, c.nFac), WeightedDemand: make([]float64, c.nFac), CellAccess: make([]float64, c.nCell)}, nil
}

// tally splits the supply into distributed and unreached.
func (res *Result) tally(supply []float64) {
	for j, s := range supply {
		if res.WeightedDemand[j] > 0 {
			res.SupplyDistributed += s
		} else {
			res.SupplyUnreached += s
		}
	}
}

// e2sfcaTwoStep is the earlier way of E2SFCA, kept as the baseline of
// BenchmarkE2SFCASaxonySize: step 1 over all facilities (shared out by
// facility count), then step 2 over all cells in cell order, gathering
// the ratios through the matrix in cell order.
func (w *Weights) e2sfcaTwoStep(supply, demand []float64) (Result, error) {
	c := w.c
	res, err := w.newResult(supply, demand)
	if err != nil {
		return res, err
	}
	c.cellOrder()
	par.Chunks(c.nFac, minChunk, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			var sum float64
			for k := c.facFirst[j]; k < c.facFirst[j+1]; k++ {
				sum += demand[c.facCell[k]] * float64(w.w[k])
			}
			res.WeightedDemand[j] = sum
			if sum > 0 {
				res.FacilityRatio[j] = supply[j] / sum
			}
		}
	})
	par.Chunks(c.nCell, minChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var sum float64
			for m := c.cellFirst[i]; m < c.cellFirst[i+1]; m++ {
				sum += res.FacilityRatio[c.cellFac[m]] * float64(w.w[c.cellPos[m]])
			}
			res.CellAccess[i] = sum
		}
	})
	res.tally(supply)
	return res, nil
}

// GroupAccess aggregates cell access to groups (municipalities, say): the
// demand-weighted mean Σ D_i·A_i / Σ D_i over the cells of each group
// (group < 0: none), and the demand per group. A group without demand has
// access 0 and demand 0.
func GroupAccess(access, demand []float64, group []int32, nGroups int) (mean, groupDemand []float64, err error) {
	if len(access) != len(demand) || len(group) != len(demand) {
		return nil, nil, fmt.Errorf("access: group access over %d access values, %d demand values and %d group labels: lengths differ", len(access), len(demand), len(group))
	}
	mean = make([]float64, nGroups)
	groupDemand = make([]float64, nGroups)
	for i, g := range group {
		if g < 0 {
			continue
		}
		if int(g) >= nGroups {
			return nil, nil, fmt.Errorf("access: cell %d is in group %d of %d", i, g, nGroups)
		}
		mean[g] += demand[i] * access[i]
		groupDemand[g] += demand[i]
	}
	for g := range mean {
		if groupDemand[g] > 0 {
			mean[g] /= groupDemand[g]
		} else {
			mean[g] = 0
		}
	}
	return mean, groupDemand, nil
}

// parallelFacilities splits the facilities into one contiguous run per
// processor holding about the same number of pairs, and waits for all.
func (c *Catchments) parallelFacilities(f func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), len(c.facCell)/(1<<16), c.nFac))
	if workers == 1 {
		f(0, c.nFac)
		return
	}
	per := (len(c.facCell) + workers - 1) / workers
	var wg sync.WaitGroup
	lo := 0
	for w := 0; w < workers && lo < c.nFac; w++ {
		hi := c.nFac
		if w < workers-1 {
			// The first facility whose pairs start at or after the share
			// of this worker's end.
			target := int32(min(len(c.facCell), (w+1)*per))
			hi = lo + sort.Search(c.nFac-lo, func(k int) bool { return c.facFirst[lo+k] >= target })
			hi = max(hi, lo+1)
		}
		a, b := lo, hi
		wg.Go(func() { f(a, b) })
		lo = hi
	}
	wg.Wait()
}
