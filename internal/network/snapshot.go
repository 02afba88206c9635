package network

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/geo/snapshotio"
	"reach/layers"
)

// network snapshot layout (little endian):
//
//	magic "REACHNW5"
//	u8 length + mode name, f64 access speed (m/s), f64 snap radius (m)
//	u64 length of the graph snapshot, then the graph snapshot (graph.WriteTo)
//	geometry:
//	  u64 total vertex count
//	  edges × u32 vertex count (bit 31 set when places must not snap to the
//	  edge: motorways, ferries)
//	  vertices × (f64 x, f64 y), the lines of all edges one after another
//	  u32 CRC-32C (Castagnoli) of the geometry part
//	strongly connected components (graph.StrongComponents):
//	  u32 component count, components × u32 size (decreasing),
//	  nodes × u32 component of the node
//	  u32 CRC-32C of the components part
//	contraction hierarchy: u8 1 and the hierarchy (route.Hierarchy.WriteTo,
//	  with its own magic and checksum) when the network had one prepared,
//	  else u8 0
//
// The columns are written and read in chunks of about a megabyte, each
// checksummed and decoded in one loop. The components are stored because
// reading them costs a few milliseconds and computing them a hundred.
const netMagic = "REACHNW5"

// blockPoints is the most vertices allocated before they are read: the
// lines share backing arrays of this many points (one line longer than
// that has an array of its own, grown as its vertices arrive), each
// allocated when its first vertex is read, so that a corrupt count cannot
// demand much memory before the input runs out.
const blockPoints = 1 << 22

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
	sw := snapshotio.NewWriter(w)
	sw.Write([]byte(netMagic))
	sw.U8(byte(len(n.mode)))
	sw.Write([]byte(n.mode))
	sw.F64(n.speed)
	sw.F64(n.radius)
	sw.U64(uint64(size))
	if sw.Err() == nil {
		if _, err := n.g.WriteTo(sw); err != nil {
			return sw.N(), err
		}
	}

	sw.Begin()
	vertices := 0
	for _, line := range n.geom {
		vertices += len(line)
	}
	sw.U64(uint64(vertices))
	sw.Column(len(n.geom), 4, func(b []byte, lo int) {
		for i := range len(b) / 4 {
			k := uint32(len(n.geom[lo+i]))
			if n.endsOnly[lo+i] {
				k |= endsOnlyBit
			}
			le.PutUint32(b[4*i:], k)
		}
	})
	// the vertices of all lines one after another, in chunks that may
	// split a line
	line, at := 0, 0
	sw.Column(vertices, 16, func(b []byte, _ int) {
		for i := 0; i < len(b); i += 16 {
			for at == len(n.geom[line]) {
				line, at = line+1, 0
			}
			p := n.geom[line][at]
			at++
			le.PutUint64(b[i:], math.Float64bits(p[0]))
			le.PutUint64(b[i+8:], math.Float64bits(p[1]))
		}
	})
	sw.End()

	sw.Begin()
	sw.U32(uint32(len(n.comp.Size)))
	sw.Column(len(n.comp.Size), 4, func(b []byte, lo int) {
		for i := range len(b) / 4 {
			le.PutUint32(b[4*i:], uint32(n.comp.Size[lo+i]))
		}
	})
	sw.Words(n.comp.Of)
	sw.End()

	if h := n.Hierarchy(); h == nil {
		sw.U8(0)
	} else {
		sw.U8(1)
		if sw.Err() == nil {
			if _, err := h.WriteTo(sw); err != nil {
				return sw.N(), fmt.Errorf("network: write snapshot: %w", err)
			}
		}
	}
	if err := sw.Err(); err != nil {
		return sw.N(), fmt.Errorf("network: write snapshot: %w", err)
	}
	return sw.N(), nil
}

// ReadFrom reads a snapshot written by Network.WriteTo and rebuilds the
// reverse graph, components, snap index and query pools.
func ReadFrom(r io.Reader) (*Network, error) {
	sr := snapshotio.NewReader(bufio.NewReaderSize(r, 1<<16))
	fail := func(format string, a ...any) (*Network, error) {
		return nil, fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	head := make([]byte, len(netMagic)+1)
	if err := sr.Full(head); err != nil {
		return nil, fmt.Errorf("network: read snapshot: %w", err)
	}
	if string(head[:len(netMagic)]) != netMagic {
		return fail("magic %q", head[:len(netMagic)])
	}
	rest := make([]byte, int(head[len(netMagic)])+24)
	if err := sr.Full(rest); err != nil {
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
	lr := &io.LimitedReader{R: sr, N: int64(size)}
	g, err := graph.ReadFrom(lr)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if lr.N != 0 {
		return fail("graph snapshot shorter than its stated %d bytes", size)
	}
	geom, endsOnly, err := readGeometry(sr, g.NumEdges())
	if err != nil {
		return nil, err
	}
	comp, err := readComponents(sr, g.NumNodes())
	if err != nil {
		return nil, err
	}
	flag, err := sr.U8()
	if err != nil {
		return nil, fmt.Errorf("network: read snapshot hierarchy flag: %w", err)
	}
	var h *route.Hierarchy
	switch flag {
	case 0:
	case 1:
		if h, err = route.ReadHierarchy(sr, g.NumNodes()); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSnapshot, err)
		}
	default:
		return fail("hierarchy flag %d", flag)
	}
	n := assemble(mode, g, geom, endsOnly, speed, radius, comp)
	if err := n.SetHierarchy(h); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	return n, nil
}

// part reads one checksummed part of a snapshot (geometry, components),
// naming it and what is read in its errors.
type part struct {
	r    *snapshotio.Reader
	name string
}

// read reads exactly len(b) bytes of what into b.
func (p part) read(b []byte, what string) error {
	if err := p.r.Full(b); err != nil {
		return fmt.Errorf("network: read snapshot %s of the %s: %w", what, p.name, err)
	}
	return nil
}

// u32s reads n little-endian u32 values of what, chunk by chunk, and
// calls f with each chunk (which f must not keep) and the index of its
// first value; it stops at f's first error.
func (p part) u32s(n int, what string, f func(v []byte, first int) error) error {
	var ferr error
	err := p.r.Chunks(uint64(n), 4, func(b []byte, first uint64) error {
		ferr = f(b, int(first))
		return ferr
	})
	if err != nil && err != ferr {
		return fmt.Errorf("network: read snapshot %s of the %s: %w", what, p.name, err)
	}
	return err
}

// checksum reads the part's stored checksum and compares it with the one
// computed.
func (p part) checksum() error {
	if err := p.r.End(); err != nil {
		if errors.Is(err, snapshotio.ErrChecksum) {
			return fmt.Errorf("%w: %s %w", ErrSnapshot, p.name, err)
		}
		return fmt.Errorf("network: read snapshot checksum of the %s: %w", p.name, err)
	}
	return nil
}

// readComponents reads the components part of a snapshot for a graph of
// nodes nodes and checks that it is a partition: sizes decreasing and
// positive, every node in a component, each component as large as its
// size says.
func readComponents(r *snapshotio.Reader, nodes int) (*graph.Components, error) {
	r.Begin()
	r.SetChunk(min(snapshotio.Chunk, 4*nodes+64))
	p := part{r: r, name: "components"}
	fail := func(format string, a ...any) (*graph.Components, error) {
		return nil, fmt.Errorf("%w: components: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	var b4 [4]byte
	if err := p.read(b4[:], "count"); err != nil {
		return nil, err
	}
	k := int(le.Uint32(b4[:]))
	if k > nodes || (k == 0) != (nodes == 0) {
		return fail("%d for %d nodes", k, nodes)
	}
	comp := &graph.Components{Of: make([]uint32, nodes), Size: make([]int, k)}
	sum := 0
	err := p.u32s(k, "sizes", func(b []byte, first int) error {
		for i := range len(b) / 4 {
			c, size := first+i, int(le.Uint32(b[4*i:]))
			if size == 0 || size > nodes || c > 0 && size > comp.Size[c-1] {
				return fmt.Errorf("%w: components: component %d of size %d", ErrSnapshot, c, size)
			}
			comp.Size[c] = size
			sum += size
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sum != nodes {
		return fail("sizes add up to %d nodes, graph has %d", sum, nodes)
	}
	count := make([]int, k)
	err = p.u32s(nodes, "nodes", func(b []byte, first int) error {
		of := comp.Of[first : first+len(b)/4]
		for i := range of {
			c := le.Uint32(b[4*i:])
			if c >= uint32(k) {
				return fmt.Errorf("%w: components: node %d in component %d of %d", ErrSnapshot, first+i, c, k)
			}
			of[i] = c
			count[c]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for c, size := range comp.Size {
		if count[c] != size {
			return fail("component %d has %d nodes, its size says %d", c, count[c], size)
		}
	}
	if err := p.checksum(); err != nil {
		return nil, err
	}
	return comp, nil
}

// readGeometry reads the geometry part of a snapshot for m edges.
func readGeometry(r *snapshotio.Reader, m int) ([]orb.LineString, []bool, error) {
	r.Begin()
	p := part{r: r, name: "geometry"}
	fail := func(format string, a ...any) ([]orb.LineString, []bool, error) {
		return nil, nil, fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	var b8 [8]byte
	if err := p.read(b8[:], "vertex count"); err != nil {
		return nil, nil, err
	}
	vertices := le.Uint64(b8[:])
	if vertices > 1<<32 {
		return fail("%d vertices", vertices)
	}
	r.SetChunk(int(min(snapshotio.Chunk, max(4*uint64(m), 16*vertices, 64))))
	counts := make([]uint32, m)
	endsOnly := make([]bool, m)
	sum := uint64(0)
	err := p.u32s(m, "vertex counts", func(b []byte, first int) error {
		for i := range len(b) / 4 {
			e, c := first+i, le.Uint32(b[4*i:])
			if c&endsOnlyBit != 0 {
				endsOnly[e] = true
				c &^= endsOnlyBit
			}
			if c > 1<<24 {
				return fmt.Errorf("%w: edge %d: %d vertices", ErrSnapshot, e, c)
			}
			sum += uint64(c)
			counts[e] = c
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
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
		pts, err := snapshotio.ReadColumn(r, nil, uint64(k), 16, blockPoints, decodePoints)
		if err != nil {
			return nil, nil, fmt.Errorf("network: read snapshot vertices of the geometry: %w", err)
		}
		at := 0
		for ; e < f; e++ {
			c := int(counts[e])
			geom[e] = orb.LineString(pts[at : at+c : at+c])
			at += c
		}
	}
	if err := p.checksum(); err != nil {
		return nil, nil, err
	}
	return geom, endsOnly, nil
}

func decodePoints(dst []orb.Point, b []byte) {
	for i := range dst {
		dst[i] = orb.Point{math.Float64frombits(le.Uint64(b[16*i:])), math.Float64frombits(le.Uint64(b[16*i+8:]))}
	}
}

// endsOnlyBit marks an edge's vertex count in a snapshot when places must not
// snap to the edge.
const endsOnlyBit = 1 << 31
