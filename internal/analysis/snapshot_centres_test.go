package analysis

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strings"
	"testing"

	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// centreBlock returns the offset and length of the centre block of an
// engine snapshot (see the layout in internal/analysis/snapshot).
func centreBlock(tb testing.TB, data []byte) (int, int) {
	tb.Helper()
	hlen := int(binary.LittleEndian.Uint32(data[8:]))
	at := 8 + 4 + hlen + 4
	clen := int(binary.LittleEndian.Uint64(data[at:]))
	if clen < 4 || at+8+clen+4 > len(data) {
		tb.Fatalf("centre block of %d bytes at %d in a snapshot of %d", clen, at+8, len(data))
	}
	return at + 8, clen
}

// rewriteCentres returns a copy of data with change applied to the
// centres of the cells in its centre block (lon, lat, x, y per cell) and
// the checksum of the block computed anew.
func rewriteCentres(tb testing.TB, data []byte, change func(k int, v *[4]float64)) []byte {
	tb.Helper()
	out := bytes.Clone(data)
	at, clen := centreBlock(tb, out)
	block := out[at : at+clen]
	for k := 0; 4+(k+1)*snapshot.CentreBytes <= clen; k++ {
		b := block[4+k*snapshot.CentreBytes:]
		var v [4]float64
		for j := range v {
			v[j] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:]))
		}
		change(k, &v)
		for j := range v {
			binary.LittleEndian.PutUint64(b[8*j:], math.Float64bits(v[j]))
		}
	}
	binary.LittleEndian.PutUint32(out[at+clen:], crc32.Checksum(block, crc32.MakeTable(crc32.Castagnoli)))
	return out
}

// sameCells reports the first difference between the cells of two
// engines, bit for bit, or "".
func sameCells(a, b *Engine) string {
	if len(a.cells) != len(b.cells) {
		return fmt.Sprintf("%d cells, want %d", len(a.cells), len(b.cells))
	}
	for i := range a.cells {
		if fmt.Sprintf("%v", a.cells[i]) != fmt.Sprintf("%v", b.cells[i]) {
			return fmt.Sprintf("cell %d: %+v, want %+v", i, a.cells[i], b.cells[i])
		}
	}
	return ""
}

// TestSnapshotCentres checks that an engine built from a snapshot takes the
// cell centres from it exactly as the engine built from the layers
// projected them; that centres which are not the projections of the
// cells' ids are caught, by the sample of projections (then every centre
// is projected) or else by the fingerprint; and that a centre block of
// the wrong size is not used.
func TestSnapshotCentres(t *testing.T) {
	ctx := context.Background()
	r, _ := demoReader(t)
	car := []layers.Mode{layers.Car}
	ref, err := Build(ctx, r, Options{Modes: car})
	if err != nil {
		t.Fatal(err)
	}
	data := writeSnapshot(t, ref)
	if _, clen := centreBlock(t, data); clen != 4+len(ref.cells)*snapshot.CentreBytes {
		t.Fatalf("centre block of %d bytes for %d cells", clen, len(ref.cells))
	}
	build := func(snap []byte) (*Engine, error) {
		return Build(ctx, r, Options{Modes: car, Snapshot: bytes.NewReader(snap)})
	}
	got, err := build(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameCells(got, ref); d != "" {
		t.Fatalf("engine from the snapshot: %s", d)
	}

	// Every centre moved by a metre: the sample sees it, the centres are
	// projected, and the engine is the same.
	moved := rewriteCentres(t, data, func(_ int, v *[4]float64) { v[2]++ })
	if got, err = build(moved); err != nil {
		t.Fatalf("snapshot with other centres: %v", err)
	}
	if d := sameCells(got, ref); d != "" {
		t.Fatalf("engine from a snapshot with other centres: %s", d)
	}

	// One centre outside the sample moved: the cell digest tells.
	n := len(ref.cells)
	step := max(1, n/64)
	if step < 3 {
		t.Fatalf("%d cells: too few for a cell outside the sample", n)
	}
	one := rewriteCentres(t, data, func(k int, v *[4]float64) {
		if k == step+1 {
			v[3] += 0.5
		}
	})
	_, err = build(one)
	if !errors.Is(err, ErrSnapshotMismatch) || !strings.Contains(err.Error(), "populated cells: same count") {
		t.Fatalf("snapshot with one centre moved: error %v, want a mismatch of the populated cells", err)
	}

	// A block of the wrong size is never taken.
	e := &Engine{cells: make([]cell, 3)}
	if e.centresFrom(make([]byte, 2*snapshot.CentreBytes), nil) || e.centresFrom(nil, nil) {
		t.Error("centresFrom took a block with too few centres")
	}
}
