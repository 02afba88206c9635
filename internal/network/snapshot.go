package network

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/layers"
)

// network snapshot layout (little endian):
//
//	magic "REACHNW3"
//	u8 length + mode name, f64 access speed (m/s), f64 snap radius (m)
//	u64 length of the graph snapshot, then the graph snapshot (graph.WriteTo)
//	geometry:
//	  u64 total vertex count
//	  edges × u32 vertex count (bit 31 set when places must not snap to the
//	  edge: motorways, ferries)
//	  vertices × (f64 x, f64 y), the lines of all edges one after another
//	  u32 CRC-32C (Castagnoli) of the geometry part
//
// Both columns are written and read in chunks of about a megabyte, each
// checksummed and decoded in one loop.
const netMagic = "REACHNW3"

// ioChunk is the size of the buffer the geometry is encoded into and decoded
// from.
const ioChunk = 1 << 20

// blockPoints is the most vertices allocated before they are read: the
// lines share backing arrays of this many points (one line longer than
// that has an array of its own, grown as its vertices arrive), each
// allocated when its first vertex is read, so that a corrupt count cannot
// demand much memory before the input runs out.
const blockPoints = 1 << 22

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var le = binary.LittleEndian

// ErrSnapshot is wrapped by ReadFrom's errors about a malformed snapshot.
var ErrSnapshot = errors.New("network: invalid snapshot")

// WriteTo writes a snapshot of the network (graph, edge geometry, access
// speed and snap radius) to w, for a cold start with ReadFrom that skips
// reading and contracting the road layer. It returns the bytes written.
func (n *Network) WriteTo(w io.Writer) (int64, error) {
	size, err := n.g.WriteTo(io.Discard)
	if err != nil {
		return 0, err
	}
	var total int64
	put := func(b []byte) {
		if err == nil {
			var k int
			k, err = w.Write(b)
			total += int64(k)
		}
	}
	head := []byte(netMagic)
	head = append(head, byte(len(n.mode)))
	head = append(head, n.mode...)
	head = le.AppendUint64(head, math.Float64bits(n.speed))
	head = le.AppendUint64(head, math.Float64bits(n.radius))
	head = le.AppendUint64(head, uint64(size))
	put(head)
	if err == nil {
		var k int64
		k, err = n.g.WriteTo(w)
		total += k
	}
	crc := uint32(0)
	buf := make([]byte, 0, ioChunk)
	flush := func() {
		crc = crc32.Update(crc, castagnoli, buf)
		put(buf)
		buf = buf[:0]
	}
	vertices := 0
	for _, line := range n.geom {
		vertices += len(line)
	}
	buf = le.AppendUint64(buf, uint64(vertices))
	for e, line := range n.geom {
		if len(buf)+4 > cap(buf) {
			flush()
		}
		k := uint32(len(line))
		if n.noSnap[e] {
			k |= noSnapBit
		}
		buf = le.AppendUint32(buf, k)
	}
	for _, line := range n.geom {
		for _, p := range line {
			if len(buf)+16 > cap(buf) {
				flush()
			}
			buf = le.AppendUint64(buf, math.Float64bits(p[0]))
			buf = le.AppendUint64(buf, math.Float64bits(p[1]))
		}
	}
	flush()
	put(le.AppendUint32(nil, crc))
	if err != nil {
		return total, fmt.Errorf("network: write snapshot: %w", err)
	}
	return total, nil
}

// ReadFrom reads a snapshot written by Network.WriteTo and rebuilds the
// reverse graph, components, snap index and query pools.
func ReadFrom(r io.Reader) (*Network, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	fail := func(format string, a ...any) (*Network, error) {
		return nil, fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	head := make([]byte, len(netMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, fmt.Errorf("network: read snapshot: %w", err)
	}
	if string(head[:len(netMagic)]) != netMagic {
		return fail("magic %q", head[:len(netMagic)])
	}
	rest := make([]byte, int(head[len(netMagic)])+24)
	if _, err := io.ReadFull(br, rest); err != nil {
		return nil, fmt.Errorf("network: read snapshot: %w", err)
	}
	mode, ok := layers.ParseMode(string(rest[:len(rest)-24]))
	if !ok {
		return fail("mode %q", rest[:len(rest)-24])
	}
	tail := rest[len(rest)-24:]
	speed := math.Float64frombits(le.Uint64(tail))
	radius := math.Float64frombits(le.Uint64(tail[8:]))
	size := le.Uint64(tail[16:])
	if !(speed > 0) || !(radius > 0) || math.IsInf(speed, 0) || math.IsInf(radius, 0) || size > 1<<40 {
		return fail("access speed %v m/s, radius %v m, graph size %d", speed, radius, size)
	}
	lr := &io.LimitedReader{R: br, N: int64(size)}
	g, err := graph.ReadFrom(lr)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if lr.N != 0 {
		return fail("graph snapshot shorter than its stated %d bytes", size)
	}
	geom, noSnap, err := readGeometry(br, g.NumEdges())
	if err != nil {
		return nil, err
	}
	return assemble(mode, g, geom, noSnap, speed, radius), nil
}

// readGeometry reads the geometry part of a snapshot for m edges.
func readGeometry(r io.Reader, m int) ([]orb.LineString, []bool, error) {
	crc := uint32(0)
	var off int64
	read := func(b []byte, what string) error {
		if _, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("network: read snapshot %s at byte %d of the geometry: %w", what, off, err)
		}
		crc = crc32.Update(crc, castagnoli, b)
		off += int64(len(b))
		return nil
	}
	fail := func(format string, a ...any) ([]orb.LineString, []bool, error) {
		return nil, nil, fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	var b8 [8]byte
	if err := read(b8[:], "geometry"); err != nil {
		return nil, nil, err
	}
	vertices := le.Uint64(b8[:])
	if vertices > 1<<32 {
		return fail("%d vertices", vertices)
	}
	buf := make([]byte, min(ioChunk, max(4*uint64(m), 16*vertices, 64)))
	counts := make([]uint32, 0, min(m, blockPoints))
	noSnap := make([]bool, m)
	sum := uint64(0)
	for len(counts) < m {
		k := min(m-len(counts), len(buf)/4)
		b := buf[:4*k]
		if err := read(b, "vertex counts"); err != nil {
			return nil, nil, err
		}
		for i := range k {
			c := le.Uint32(b[4*i:])
			if c&noSnapBit != 0 {
				noSnap[len(counts)] = true
				c &^= noSnapBit
			}
			if c > 1<<24 {
				return fail("edge %d: %d vertices", len(counts), c)
			}
			sum += uint64(c)
			counts = append(counts, c)
		}
	}
	if sum != vertices {
		return fail("edges have %d vertices, header says %d", sum, vertices)
	}
	// The lines fill backing arrays of blockPoints points one after
	// another; a block is read as one stream of vertices, in chunks.
	geom := make([]orb.LineString, m)
	for e := 0; e < m; {
		// the edges [e, f) whose lines go into the next block
		f, k := e, 0
		for f < m && (f == e || k+int(counts[f]) <= blockPoints) {
			k += int(counts[f])
			f++
		}
		pts := make([]orb.Point, 0, min(k, blockPoints))
		for len(pts) < k {
			c := min(k-len(pts), len(buf)/16)
			b := buf[:16*c]
			if err := read(b, "vertices"); err != nil {
				return nil, nil, err
			}
			pts = slices.Grow(pts, c)
			dst := pts[len(pts) : len(pts)+c]
			for i := range dst {
				dst[i] = orb.Point{math.Float64frombits(le.Uint64(b[16*i:])), math.Float64frombits(le.Uint64(b[16*i+8:]))}
			}
			pts = pts[:len(pts)+c]
		}
		at := 0
		for ; e < f; e++ {
			c := int(counts[e])
			geom[e] = orb.LineString(pts[at : at+c : at+c])
			at += c
		}
	}
	want := crc
	if err := read(b8[:4], "checksum"); err != nil {
		return nil, nil, err
	}
	if got := le.Uint32(b8[:4]); got != want {
		return fail("geometry checksum %08x, computed %08x", got, want)
	}
	return geom, noSnap, nil
}

// noSnapBit marks an edge's vertex count in a snapshot when places must not
// snap to the edge.
const noSnapBit = 1 << 31
