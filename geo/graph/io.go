package graph

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/snapshotio"
)

// snapshot layout (all little endian):
//
//	magic "REACHGR2"
//	u32 flags (bit 0: reversed), u64 nodes, u64 edges, u64 sources
//	columns, one array per field:
//	  nodes × (f64 x, f64 y), nodes × i64 key
//	  edges × u32 from, edges × u32 to, edges × u32 forward cost,
//	  edges × u32 backward cost, edges × f64 length, edges × i64 key,
//	  edges × u32 end of the edge's sources
//	  sources × i64 id, then ceil(sources/8) bytes of reversed bits
//	u32 CRC-32C (Castagnoli) of everything before it
//
// Columns are written and read in chunks of about a megabyte, each
// checksummed and decoded in one loop, so the cost per byte stays low
// however large the graph. The CSR arrays are not stored: ReadFrom rebuilds
// them with one counting sort.
const snapshotMagic = "REACHGR2"

// maxSnapshotCount bounds the counts in a snapshot header so that a corrupt
// header cannot make ReadFrom allocate without limit.
const maxSnapshotCount = 1 << 31

// capLimit caps the capacity allocated from a header count before the data
// arrive: a column longer than this grows as it is read, so a corrupt header
// cannot demand much memory before the input runs out.
const capLimit = 1 << 22

var le = binary.LittleEndian

// WriteTo writes a binary snapshot of g to w (see ReadFrom). It returns the
// number of bytes written.
func (g *Graph) WriteTo(w io.Writer) (int64, error) {
	cw := snapshotio.NewWriter(w)
	var flags uint32
	if g.reversed {
		flags |= 1
	}
	head := append([]byte(snapshotMagic), make([]byte, 4+3*8)...)
	le.PutUint32(head[8:], flags)
	le.PutUint64(head[12:], uint64(len(g.pts)))
	le.PutUint64(head[20:], uint64(len(g.eFrom)))
	le.PutUint64(head[28:], uint64(len(g.src)))
	cw.Write(head)
	n, m := len(g.pts), len(g.eFrom)
	cw.Column(n, 16, func(b []byte, lo int) {
		for i := 0; i < len(b); i += 16 {
			p := g.pts[lo+i/16]
			le.PutUint64(b[i:], math.Float64bits(p[0]))
			le.PutUint64(b[i+8:], math.Float64bits(p[1]))
		}
	})
	cw.Column(n, 8, func(b []byte, lo int) { encode64(b, g.keys[lo:]) })
	cw.Column(m, 4, func(b []byte, lo int) { encode32(b, g.eFrom[lo:]) })
	cw.Column(m, 4, func(b []byte, lo int) { encode32(b, g.eTo[lo:]) })
	cw.Column(m, 4, func(b []byte, lo int) { encode32(b, g.eFwd[lo:]) })
	cw.Column(m, 4, func(b []byte, lo int) { encode32(b, g.eBwd[lo:]) })
	cw.Column(m, 8, func(b []byte, lo int) {
		for i := 0; i < len(b); i += 8 {
			le.PutUint64(b[i:], math.Float64bits(g.eLen[lo+i/8]))
		}
	})
	cw.Column(m, 8, func(b []byte, lo int) { encode64(b, g.eKey[lo:]) })
	cw.Column(m, 4, func(b []byte, lo int) { encode32(b, g.srcStart[1+lo:]) })
	cw.Column(len(g.src), 8, func(b []byte, lo int) { encode64(b, g.src[lo:]) })
	cw.Column((len(g.srcRev)+7)/8, 1, func(b []byte, lo int) {
		clear(b)
		rev := g.srcRev[8*lo:]
		for i, r := range rev[:min(len(rev), 8*len(b))] {
			if r {
				b[i/8] |= 1 << (i % 8)
			}
		}
	})
	cw.End()
	if err := cw.Err(); err != nil {
		return cw.N(), fmt.Errorf("graph: write snapshot: %w", err)
	}
	return cw.N(), nil
}

// encode32 writes len(b)/4 values of src to b.
func encode32[T ~uint32](b []byte, src []T) {
	src = src[:len(b)/4]
	for i, v := range src {
		le.PutUint32(b[4*i:], uint32(v))
	}
}

// encode64 writes len(b)/8 values of src to b.
func encode64[T ~int64 | ~uint64](b []byte, src []T) {
	src = src[:len(b)/8]
	for i, v := range src {
		le.PutUint64(b[8*i:], uint64(v))
	}
}

func decode32[T ~uint32](dst []T, b []byte) {
	b = b[:4*len(dst)]
	for i := range dst {
		dst[i] = T(le.Uint32(b[4*i:]))
	}
}

func decode64[T ~int64 | ~uint64](dst []T, b []byte) {
	b = b[:8*len(dst)]
	for i := range dst {
		dst[i] = T(le.Uint64(b[8*i:]))
	}
}

func decodeF64(dst []float64, b []byte) {
	b = b[:8*len(dst)]
	for i := range dst {
		dst[i] = math.Float64frombits(le.Uint64(b[8*i:]))
	}
}

func decodePoints(dst []orb.Point, b []byte) {
	b = b[:16*len(dst)]
	for i := range dst {
		dst[i] = orb.Point{math.Float64frombits(le.Uint64(b[16*i:])), math.Float64frombits(le.Uint64(b[16*i+8:]))}
	}
}

// ReadFrom reads a snapshot written by WriteTo, checks its checksum and
// the invariants of Validate and returns the graph. Errors about content
// wrap ErrInvalid.
func ReadFrom(r io.Reader) (*Graph, error) {
	g, err := readFrom(snapshotio.NewReader(r))
	if err != nil && !errors.Is(err, ErrInvalid) {
		err = fmt.Errorf("graph: read snapshot: %w", err)
	}
	return g, err
}

func readFrom(cr *snapshotio.Reader) (*Graph, error) {
	head := make([]byte, len(snapshotMagic)+4+3*8)
	if err := cr.Full(head[:len(snapshotMagic)]); err != nil {
		return nil, err
	}
	if magic := head[:len(snapshotMagic)]; string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: snapshot magic %q, want %q", ErrInvalid, magic, snapshotMagic)
	}
	if err := cr.Full(head[len(snapshotMagic):]); err != nil {
		return nil, err
	}
	hdr := head[len(snapshotMagic):]
	flags := le.Uint32(hdr)
	n := le.Uint64(hdr[4:])
	m := le.Uint64(hdr[12:])
	ns := le.Uint64(hdr[20:])
	if n >= maxSnapshotCount || m >= maxSnapshotCount || ns >= maxSnapshotCount || flags > 1 {
		return nil, fmt.Errorf("%w: snapshot header: flags %d, %d nodes, %d edges, %d sources", ErrInvalid, flags, n, m, ns)
	}
	g := &Graph{reversed: flags&1 == 1}
	cr.SetChunk(int(min(snapshotio.Chunk, max(16*n, 8*m, 8*ns, 64))))
	var err error
	column(cr, &err, &g.pts, n, 16, decodePoints)
	column(cr, &err, &g.keys, n, 8, decode64[int64])
	column(cr, &err, &g.eFrom, m, 4, decode32[NodeID])
	column(cr, &err, &g.eTo, m, 4, decode32[NodeID])
	column(cr, &err, &g.eFwd, m, 4, decode32[Cost])
	column(cr, &err, &g.eBwd, m, 4, decode32[Cost])
	column(cr, &err, &g.eLen, m, 8, decodeF64)
	column(cr, &err, &g.eKey, m, 8, decode64[int64])
	// the ends of the edges' sources, after srcStart[0] = 0
	g.srcStart = make([]uint32, 1, min(m+1, capLimit))
	column(cr, &err, &g.srcStart, m, 4, decode32[uint32])
	if err != nil {
		return nil, err
	}
	for e := range m {
		if end := g.srcStart[e+1]; end < g.srcStart[e] || uint64(end) > ns {
			return nil, fmt.Errorf("%w: snapshot edge %d: source offset %d", ErrInvalid, e, end)
		}
	}
	if uint64(g.srcStart[m]) != ns {
		return nil, fmt.Errorf("%w: snapshot: edges name %d sources, header %d", ErrInvalid, g.srcStart[m], ns)
	}
	column(cr, &err, &g.src, ns, 8, decode64[int64])
	var bits []byte
	column(cr, &err, &bits, (ns+7)/8, 1, func(dst, b []byte) { copy(dst, b) })
	if err != nil {
		return nil, err
	}
	if ns%8 != 0 && bits[len(bits)-1]>>(ns%8) != 0 {
		return nil, fmt.Errorf("%w: snapshot: reversed bits beyond the %d sources", ErrInvalid, ns)
	}
	g.srcRev = make([]bool, ns)
	for i := range g.srcRev {
		g.srcRev[i] = bits[i/8]&(1<<(i%8)) != 0
	}
	if err := cr.End(); err != nil {
		if errors.Is(err, snapshotio.ErrChecksum) {
			return nil, fmt.Errorf("%w: snapshot %w", ErrInvalid, err)
		}
		return nil, err
	}
	if err := g.validateColumns(); err != nil {
		return nil, err
	}
	g.buildCSR()
	return g, nil
}

// column appends n values of size bytes to *dst (see
// snapshotio.ReadColumn) unless *err is set, and sets *err on failure.
func column[T any](cr *snapshotio.Reader, err *error, dst *[]T, n uint64, size int, dec func(dst []T, b []byte)) {
	if *err == nil {
		*dst, *err = snapshotio.ReadColumn(cr, *dst, n, size, capLimit, dec)
	}
}

// validateColumns checks what Validate checks of the node and edge arrays:
// ends in range, lengths and coordinates finite and lengths not negative.
// The CSR arrays that buildCSR makes from checked arrays satisfy the rest
// of Validate by construction.
func (g *Graph) validateColumns() error {
	n := uint32(len(g.pts))
	for v, p := range g.pts {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return fmt.Errorf("%w: node %d: coordinate %v not finite", ErrInvalid, v, p)
		}
	}
	for e := range g.eFrom {
		if uint32(g.eFrom[e]) >= n || uint32(g.eTo[e]) >= n {
			return fmt.Errorf("%w: edge %d (key %d): end node out of range", ErrInvalid, e, g.eKey[e])
		}
		if l := g.eLen[e]; math.IsNaN(l) || l < 0 || math.IsInf(l, 0) {
			return fmt.Errorf("%w: edge %d (key %d): length %v", ErrInvalid, e, g.eKey[e], l)
		}
	}
	return nil
}
