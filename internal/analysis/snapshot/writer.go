package snapshot

// The writer of the engine snapshot; the layout is in format.go.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/snapshotio"
	"reach/internal/network"
	"reach/layers"
)

// Net is the network of one mode with the populated cells and the
// facilities on it, each in engine order.
type Net struct {
	Mode       layers.Mode
	Network    *network.Network
	Cells      *network.Places
	Facilities *network.Places
}

// Contents is what a snapshot holds.
type Contents struct {
	Fingerprint Fingerprint
	// Cells is the number of populated cells; Centre(k) gives the centre
	// of cell k (engine order) in lon/lat and in EPSG:25833.
	Cells  int
	Centre func(k int) (lonlat, utm orb.Point)
	// Nets are the networks, in the order of layers.Modes().
	Nets []Net
	// Transit is the public transport timetable, nil for none.
	Transit *layers.TransitFeed
}

// Write writes the snapshot of c to w (see the layout in format.go). It
// writes every network once to count its bytes and once to w, so it takes
// a few seconds at the scale of Saxony.
func Write(w io.Writer, c Contents) error {
	fp := c.Fingerprint
	bw := bufio.NewWriterSize(w, 1<<20)
	sw := snapshotio.NewWriter(bw)
	fail := func(err error) error { return fmt.Errorf("snapshot: write: %w", err) }

	var head []byte
	head = snapshotio.AppendStr(head, fp.Version)
	head = binary.LittleEndian.AppendUint64(head, math.Float64bits(fp.Radius))
	head = append(head, byte(len(fp.Modes)))
	for _, m := range fp.Modes {
		head = snapshotio.AppendStr(head, string(m))
	}
	head = binary.LittleEndian.AppendUint32(head, uint32(len(fp.Versions)))
	for _, kv := range fp.Versions {
		head = snapshotio.AppendStr(head, kv[0])
		head = snapshotio.AppendStr(head, kv[1])
	}
	for _, d := range []Digest{fp.Cells, fp.Facs, fp.Roads} {
		head = binary.LittleEndian.AppendUint64(head, d.N)
		head = append(head, d.Sum[:]...)
	}
	head = append(head, byte(len(c.Nets)))
	sw.Write([]byte(Magic))
	sw.U32(uint32(len(head)))
	sw.Begin()
	sw.Write(head)
	sw.End()
	centres := encodeCentres(c.Cells, c.Centre)
	sw.U64(uint64(len(centres)))
	sw.Begin()
	sw.Write(centres)
	sw.End()

	for _, mn := range c.Nets {
		size, err := mn.Network.WriteTo(io.Discard)
		if err != nil {
			return fail(err)
		}
		sw.Write(binary.LittleEndian.AppendUint64(snapshotio.AppendStr(nil, string(mn.Mode)), uint64(size)))
		sw.Begin()
		if sw.Err() == nil {
			k, err := mn.Network.WriteTo(sw)
			if err != nil {
				return fail(err)
			}
			if k != size {
				return fail(fmt.Errorf("%s network: wrote %d bytes, counted %d", mn.Mode, k, size))
			}
		}
		sw.End()
		for _, pl := range []*network.Places{mn.Cells, mn.Facilities} {
			if sw.Err() == nil {
				if _, err := pl.WriteTo(sw); err != nil {
					return fail(err)
				}
			}
		}
	}
	if c.Transit == nil {
		sw.U8(0)
	} else {
		block := AppendTransit(nil, c.Transit)
		sw.U8(1)
		sw.U64(uint64(len(block)))
		sw.Begin()
		sw.Write(block)
		sw.End()
	}
	sw.Write([]byte(endMagic))
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
func encodeCentres(n int, centre func(k int) (lonlat, utm orb.Point)) []byte {
	out := make([]byte, 0, 4+n*CentreBytes)
	out = binary.LittleEndian.AppendUint32(out, uint32(n))
	for k := range n {
		ll, utm := centre(k)
		for _, v := range [4]float64{ll[0], ll[1], utm[0], utm[1]} {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
	}
	return out
}
