package analysis

// The writer of the engine snapshot; the layout is in snapshot_format.go.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"reach/geo/snapshotio"
	"reach/internal/network"
	"reach/layers"
)

// WriteSnapshot writes the engine's networks, the snapping of every
// populated cell and facility and the fingerprint of the layers and
// options they were derived from to w, for a cold start with
// Options.Snapshot. See the layout in snapshot_format.go. It writes
// the whole network once to count its bytes and once to w, so it takes a
// few seconds at the scale of Saxony; it is safe to call concurrently with
// analyses.
func (e *Engine) WriteSnapshot(w io.Writer) error {
	fp := e.fingerprintOf(e.cellsDigest(), e.facilitiesDigest(), e.roadLayerDigest())
	bw := bufio.NewWriterSize(w, 1<<20)
	sw := snapshotio.NewWriter(bw)
	fail := func(err error) error { return fmt.Errorf("analysis: write snapshot: %w", err) }

	var modes []layers.Mode
	for _, m := range layers.Modes() {
		if e.nets[m] != nil {
			modes = append(modes, m)
		}
	}
	var head []byte
	head = snapshotio.AppendStr(head, fp.version)
	head = binary.LittleEndian.AppendUint64(head, math.Float64bits(fp.radius))
	head = append(head, byte(len(fp.modes)))
	for _, m := range fp.modes {
		head = snapshotio.AppendStr(head, string(m))
	}
	head = binary.LittleEndian.AppendUint32(head, uint32(len(fp.versions)))
	for _, kv := range fp.versions {
		head = snapshotio.AppendStr(head, kv[0])
		head = snapshotio.AppendStr(head, kv[1])
	}
	for _, d := range []layerDigest{fp.cells, fp.facs, fp.roads} {
		head = binary.LittleEndian.AppendUint64(head, d.n)
		head = append(head, d.sum[:]...)
	}
	head = append(head, byte(len(modes)))
	sw.Write([]byte(snapshotMagic))
	sw.U32(uint32(len(head)))
	sw.Begin()
	sw.Write(head)
	sw.End()
	centres := e.encodeCentres()
	sw.U64(uint64(len(centres)))
	sw.Begin()
	sw.Write(centres)
	sw.End()

	for _, m := range modes {
		mn := e.nets[m]
		size, err := mn.n.WriteTo(io.Discard)
		if err != nil {
			return fail(err)
		}
		sw.Write(binary.LittleEndian.AppendUint64(snapshotio.AppendStr(nil, string(m)), uint64(size)))
		sw.Begin()
		if sw.Err() == nil {
			k, err := mn.n.WriteTo(sw)
			if err != nil {
				return fail(err)
			}
			if k != size {
				return fail(fmt.Errorf("%s network: wrote %d bytes, counted %d", m, k, size))
			}
		}
		sw.End()
		for _, pl := range []*network.Places{mn.cells, mn.facs} {
			if sw.Err() == nil {
				if _, err := pl.WriteTo(sw); err != nil {
					return fail(err)
				}
			}
		}
	}
	sw.Write([]byte(snapshotEndMagic))
	err := sw.Err()
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// encodeCentres encodes the centre block (see the layout).
func (e *Engine) encodeCentres() []byte {
	out := make([]byte, 0, 4+len(e.cells)*snapshotCentreBytes)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(e.cells)))
	for i := range e.cells {
		c := &e.cells[i]
		for _, v := range [4]float64{c.lonlat[0], c.lonlat[1], c.utm[0], c.utm[1]} {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
	}
	return out
}
