package analysis

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/geo/par"
	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// cellChunk is the fewest cells worth a goroutine of their own when work
// over the cells is shared out (par.Chunks).
const cellChunk = 4096

// parseCellIDs parses the id of every cell (in parallel); an id that does
// not parse gives the zero grid.ID (whose ResolutionM is 0, which no
// parsed id has).
func parseCellIDs(cells []layers.Cell) []grid.ID {
	ids := make([]grid.ID, len(cells))
	par.Chunks(len(cells), cellChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if id, err := grid.ParseID(cells[i].ID); err == nil {
				ids[i] = id
			}
		}
	})
	return ids
}

// addCells keeps the populated cells with a parseable id (ids[i] is the
// parsed id of cells[i], see parseCellIDs) in id order and computes their
// centres. Of cells with the same id, the first in the layer is kept.
// centres, when not nil, is called once the cells are known and may
// return their centres as an engine snapshot stores them, which then
// replace the projections (see Engine.centresFrom).
func (e *Engine) addCells(cells []layers.Cell, ids []grid.ID, centres func() snapshot.Centres) error {
	// The populated cells, as (id, position) sorted by id. The first 16
	// bytes of each id after the prefix all ids share go into two integers
	// that decide most comparisons without reading the strings.
	refs := make([]cellRef, 0, len(cells))
	prefix := -1
	for i := range cells {
		c := &cells[i]
		if !c.Known {
			e.stats.SecretCells++
			continue
		}
		if c.Population <= 0 {
			continue
		}
		if prefix < 0 {
			prefix = len(c.ID)
		} else {
			prefix = commonPrefix(c.ID[:min(prefix, len(c.ID))], cells[refs[0].i].ID)
		}
		refs = append(refs, cellRef{i: int32(i)})
	}
	for k := range refs {
		r := &refs[k]
		r.hi, r.lo = idKey(cells[r.i].ID[prefix:])
	}
	slices.SortFunc(refs, func(a, b cellRef) int {
		if a.hi != b.hi {
			return cmp.Compare(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmp.Compare(a.lo, b.lo)
		}
		if c := strings.Compare(cells[a.i].ID, cells[b.i].ID); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})

	// The cells' fields in parallel, into the slots of out (a zero id:
	// the id does not parse); the skips and their warnings follow in id
	// order.
	out := make([]cell, len(refs))
	par.Chunks(len(refs), cellChunk, func(lo, hi int) {
		lastAGS, lastMuni := "", int32(-1)
		for k := lo; k < hi; k++ {
			ci := refs[k].i
			if ids[ci].ResolutionM == 0 {
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
			out[k] = cell{id: c.ID, ags: c.AGS, muni: lastMuni, pop: c.Population, u18: shareOf(c.ShareUnder18), o65: shareOf(c.Share65Plus)}
		}
	})
	n := 0
	for k := range out {
		c := &out[k]
		if c.id == "" {
			id := cells[refs[k].i].ID
			_, err := grid.ParseID(id)
			e.stats.Warnings = append(e.stats.Warnings, fmt.Sprintf("cell %q: %v; skipped", id, err))
			continue
		}
		// Equal ids are neighbours in id order, with equal keys.
		if n > 0 && refs[k].hi == refs[n-1].hi && refs[k].lo == refs[n-1].lo && out[n-1].id == c.id {
			e.stats.Warnings = append(e.stats.Warnings, fmt.Sprintf("cell %q: duplicate id; second record skipped", c.id))
			continue
		}
		e.stats.PopulatedCells++
		e.stats.Population += c.pop
		out[n], refs[n] = *c, refs[k]
		n++
	}
	clear(out[n:])
	e.cells, refs = out[:n], refs[:n]

	if centres != nil && e.centresFrom(centres(), func(k int) grid.ID { return ids[refs[k].i] }) {
		return nil
	}
	// The projections are most of the work (a cold start without
	// snapshot does this for 400,000 cells): in parallel, the first
	// error in id order wins.
	errs := make([]int, 0, 8)
	var mu sync.Mutex
	par.Chunks(n, cellChunk, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			c := &e.cells[k]
			var err error
			if c.lonlat, c.utm, err = cellCentre(ids[refs[k].i]); err != nil {
				mu.Lock()
				errs = append(errs, k)
				mu.Unlock()
				return
			}
		}
	})
	if len(errs) > 0 {
		k := slices.Min(errs)
		_, _, err := cellCentre(ids[refs[k].i])
		return fmt.Errorf("analysis: build: cell %q: %w", e.cells[k].id, err)
	}
	return nil
}

// cellRef is a populated cell being sorted by id: hi and lo hold the
// first 16 bytes of the id after the prefix all ids share (big endian,
// zero bytes past its end), i its position in the layer.
type cellRef struct {
	hi, lo uint64
	i      int32
}

// idKey packs the first 16 bytes of s, big endian, zero bytes past its
// end: two keys compare as the strings do, or equal (then the strings
// decide).
func idKey(s string) (hi, lo uint64) {
	var b [16]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// commonPrefix returns the length of the common prefix of a and b.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
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

// shareOf turns a grid share in percent into a fraction, NaN when absent
// or out of range.
func shareOf(p *float64) float32 {
	if p == nil || !(*p >= 0 && *p <= 100) {
		return float32(math.NaN())
	}
	return float32(*p / 100)
}
