package analysis

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

// parallelChunks calls f(lo, hi) on contiguous chunks of [0, n), one per
// processor (one chunk when n is small), and waits for all of them; each
// call must write only its own part of any shared slice.
func parallelChunks(n int, f func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/4096))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Go(func() { f(lo, hi) })
	}
	f(0, min(n, chunk))
	wg.Wait()
}

// parseCellIDs parses the id of every cell (in parallel); an id that does
// not parse gives the zero grid.ID (whose ResolutionM is 0, which no
// parsed id has).
func parseCellIDs(cells []layers.Cell) []grid.ID {
	ids := make([]grid.ID, len(cells))
	parallelChunks(len(cells), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if id, err := grid.ParseID(cells[i].ID); err == nil {
				ids[i] = id
			}
		}
	})
	return ids
}

// Outcome of a cell in addCells' parallel pass.
const (
	cellOK uint8 = iota
	cellBadID
	cellBadCentre
)

// addCells keeps the populated cells with a parseable id (ids[i] is the
// parsed id of cells[i], see parseCellIDs) in id order and computes their
// centres. Of cells with the same id, the first in the layer is kept.
func (e *Engine) addCells(cells []layers.Cell, ids []grid.ID) error {
	// The populated cells, as (id, position) sorted by id: 24 bytes a
	// cell to move instead of the whole record.
	type ref struct {
		id string
		i  int32
	}
	refs := make([]ref, 0, len(cells))
	for i := range cells {
		c := &cells[i]
		if !c.Known {
			e.stats.SecretCells++
			continue
		}
		if c.Population <= 0 {
			continue
		}
		refs = append(refs, ref{c.ID, int32(i)})
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})

	// Centres and municipalities in parallel (the projections are most of
	// the work: a cold start does this for 400,000 cells), into the
	// slots of out; the skips and their warnings follow in id order.
	out := make([]cell, len(refs))
	state := make([]uint8, len(refs))
	parallelChunks(len(refs), func(lo, hi int) {
		lastAGS, lastMuni := "", int32(-1)
		for k := lo; k < hi; k++ {
			ci := refs[k].i
			id := ids[ci]
			if id.ResolutionM == 0 {
				state[k] = cellBadID
				continue
			}
			ll, utm, err := cellCentre(id)
			if err != nil {
				state[k] = cellBadCentre
				continue
			}
			c := &cells[ci]
			// Cells in id order mostly follow each other within one
			// municipality.
			if c.AGS != lastAGS || k == lo {
				lastAGS, lastMuni = c.AGS, -1
				if mi, ok := e.muniIdx[c.AGS]; ok {
					lastMuni = int32(mi)
				}
			}
			out[k] = cell{id: c.ID, ags: c.AGS, muni: lastMuni, pop: c.Population, utm: utm, lonlat: ll}
		}
	})
	n := 0
	for k := range out {
		c := &cells[refs[k].i]
		switch state[k] {
		case cellBadID:
			_, err := grid.ParseID(c.ID)
			e.stats.Warnings = append(e.stats.Warnings, fmt.Sprintf("cell %q: %v; skipped", c.ID, err))
			continue
		case cellBadCentre:
			_, _, err := cellCentre(ids[refs[k].i])
			return fmt.Errorf("analysis: build: cell %q: %w", c.ID, err)
		}
		// Equal ids are neighbours in id order.
		if n > 0 && out[n-1].id == c.ID {
			e.stats.Warnings = append(e.stats.Warnings, fmt.Sprintf("cell %q: duplicate id; second record skipped", c.ID))
			continue
		}
		out[n] = out[k]
		n++
		e.stats.PopulatedCells++
		e.stats.Population += c.Population
	}
	clear(out[n:])
	e.cells = out[:n]
	return nil
}

// cellCentre returns the centre of a cell in lon/lat and EPSG:25833.
func cellCentre(id grid.ID) (ll, utm orb.Point, err error) {
	// One inverse projection for both: crs.Transform(LAEA, UTM33N) is
	// ToLonLat then FromLonLat, so this is the same point.
	ll, err = crs.ToLonLat(crs.LAEA, id.Center())
	if err != nil {
		return ll, utm, err
	}
	utm, err = crs.FromLonLat(crs.UTM33N, ll)
	return ll, utm, err
}
