package analysis

// The engine's side of its snapshot (internal/analysis/snapshot holds the
// format, the writer and the reader): what the engine puts into a
// snapshot, and how Build takes the networks and the cell centres from
// one.

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/grid"
	"reach/geo/par"
	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// ErrSnapshot is wrapped by the errors of an engine snapshot that cannot
// be read (snapshot.ErrInvalid).
var ErrSnapshot = snapshot.ErrInvalid

// ErrSnapshotMismatch is wrapped by the errors of a well-formed snapshot
// made from other layers or options than the Build it is given to, and of
// a road layer that changed since (snapshot.ErrMismatch).
var ErrSnapshotMismatch = snapshot.ErrMismatch

// WriteSnapshot writes the engine's networks, the snapping of every
// populated cell and facility and the fingerprint of the layers and
// options they were derived from to w, for a cold start with
// Options.Snapshot (format in internal/analysis/snapshot). It takes a few
// seconds at the scale of Saxony; it is safe to call concurrently with
// analyses.
func (e *Engine) WriteSnapshot(w io.Writer) error {
	c := snapshot.Contents{
		Fingerprint: e.fingerprintOf(e.cellsDigest(), e.facilitiesDigest(), e.roadLayerDigest()),
		Cells:       len(e.cells),
		Centre:      func(k int) (orb.Point, orb.Point) { return e.cells[k].lonlat, e.cells[k].utm },
		Transit:     e.snapshotTransit(),
	}
	for _, m := range layers.Modes() {
		if n, ok := e.Net(m); ok {
			c.Nets = append(c.Nets, n)
		}
	}
	if err := snapshot.Write(w, c); err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	return nil
}

// cellsDigest hashes the engine's populated cells in engine order: id and
// centre (EPSG:25833), the inputs of their snapping.
func (e *Engine) cellsDigest() snapshot.Digest {
	return snapshot.DigestOf(len(e.cells), func(w *snapshot.Hasher, i int) {
		c := &e.cells[i]
		w.Str(c.id)
		w.Point(c.utm)
	})
}

// facilitiesDigest hashes the engine's facilities in engine order: id,
// category and location (EPSG:25833).
func (e *Engine) facilitiesDigest() snapshot.Digest {
	return snapshot.DigestOf(len(e.facs), func(w *snapshot.Hasher, i int) {
		f := &e.facs[i]
		w.Str(f.ID)
		w.Str(string(f.Category))
		w.Point(f.Location)
	})
}

// fingerprintOf returns the fingerprint of the engine's options and its
// layers, given the digests of cells, facilities and roads.
func (e *Engine) fingerprintOf(cells, facs, roads snapshot.Digest) snapshot.Fingerprint {
	return snapshot.NewFingerprint(Version, e.opts.SnapRadiusM, e.opts.Modes, e.info.Versions, cells, facs, roads)
}

// centresFrom sets the centres of e.cells from the cells of a snapshot's
// centre block and reports whether it did: only when the block holds as
// many centres as the engine has cells and a sample of them (every cell
// when there are few, else the first and last of each of about 64 runs)
// are exactly the projections of the cells' ids (id(k) of cell k), so that
// a snapshot from an engine whose projections differ is never used.
// Whether they are the centres of these cells is the fingerprint's part:
// the cell digest hashes ids and centres.
func (e *Engine) centresFrom(block snapshot.Centres, id func(k int) grid.ID) bool {
	n := len(e.cells)
	if block == nil || len(block) != n*snapshot.CentreBytes {
		return false
	}
	same := func(a, b orb.Point) bool {
		return math.Float64bits(a[0]) == math.Float64bits(b[0]) && math.Float64bits(a[1]) == math.Float64bits(b[1])
	}
	step := max(1, n/64)
	for k := 0; k < n; k += step {
		for _, j := range []int{k, min(n-1, k+step-1)} {
			ll, utm, err := cellCentre(id(j))
			sll, sutm := block.At(j)
			if err != nil || !same(ll, sll) || !same(utm, sutm) {
				return false
			}
		}
	}
	par.Chunks(n, cellChunk, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			c := &e.cells[k]
			c.lonlat, c.utm = block.At(k)
		}
	})
	return true
}

// networksFromSnapshot is the snapshot branch of Build's network step:
// it takes the road layer read and hashed by p, checks the
// snapshot's fingerprint against the layers and options, and takes the
// networks and the snapping of cells and facilities from it.
func (e *Engine) networksFromSnapshot(ctx context.Context, p *snapshot.Pending) error {
	// the digests of the layers Build has read, while the roads may still
	// be read and hashed
	cells, facs := e.cellsDigest(), e.facilitiesDigest()
	segs, roads, err := p.Roads(ctx)
	if err != nil {
		return fmt.Errorf("analysis: build: %w", err)
	}
	e.roads, e.roadsSum = segs, &roads
	fp, err := p.Header(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("analysis: build: %w", err)
		}
		return fmt.Errorf("analysis: build: snapshot: %w", err)
	}
	if err := fp.Mismatch(e.fingerprintOf(cells, facs, roads)); err != nil {
		return fmt.Errorf("analysis: build: %w", err)
	}
	data, err := p.Data(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("analysis: build: %w", err)
		}
		return fmt.Errorf("analysis: build: snapshot: %w", err)
	}
	for _, sn := range data.Nets {
		if !slices.Contains(e.opts.Modes, sn.Mode) {
			return fmt.Errorf("analysis: build: %w: network of mode %s, options ask for %v", ErrSnapshotMismatch, sn.Mode, e.opts.Modes)
		}
		if sn.Cells.Len() != len(e.cells) || sn.Facilities.Len() != len(e.facs) {
			return fmt.Errorf("analysis: build: %w: %s network holds %d cells and %d facilities, layers have %d and %d",
				ErrSnapshot, sn.Mode, sn.Cells.Len(), sn.Facilities.Len(), len(e.cells), len(e.facs))
		}
		e.nets[sn.Mode] = &modeNet{mode: sn.Mode, n: sn.Network, cells: sn.Cells, facs: sn.Facilities}
	}
	e.networkStats()
	return nil
}
