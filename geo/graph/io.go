package graph

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"

	"github.com/paulmach/orb"
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

// ioChunk is the size of the buffer columns are encoded into and decoded
// from.
const ioChunk = 1 << 20

// capLimit caps the capacity allocated from a header count before the data
// arrive: a column longer than this grows as it is read, so a corrupt header
// cannot demand much memory before the input runs out.
const capLimit = 1 << 22

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var le = binary.LittleEndian

// colWriter writes columns through a chunk buffer, keeping a running
// CRC-32C, the byte count and the first error.
type colWriter struct {
	w   io.Writer
	buf []byte
	crc uint32
	n   int64
	err error
}

func (c *colWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	c.crc = crc32.Update(c.crc, castagnoli, b)
	k, err := c.w.Write(b)
	c.n += int64(k)
	c.err = err
}

// column writes n values of size bytes each; enc fills b with the values
// from lo on (len(b)/size of them).
func (c *colWriter) column(n, size int, enc func(b []byte, lo int)) {
	per := len(c.buf) / size
	for lo := 0; lo < n && c.err == nil; lo += per {
		k := min(n-lo, per)
		b := c.buf[:k*size]
		enc(b, lo)
		c.write(b)
	}
}

// WriteTo writes a binary snapshot of g to w (see ReadFrom). It returns the
// number of bytes written.
func (g *Graph) WriteTo(w io.Writer) (int64, error) {
	cw := &colWriter{w: w, buf: make([]byte, ioChunk)}
	var flags uint32
	if g.reversed {
		flags |= 1
	}
	head := append([]byte(snapshotMagic), make([]byte, 4+3*8)...)
	le.PutUint32(head[8:], flags)
	le.PutUint64(head[12:], uint64(len(g.pts)))
	le.PutUint64(head[20:], uint64(len(g.eFrom)))
	le.PutUint64(head[28:], uint64(len(g.src)))
	cw.write(head)
	n, m := len(g.pts), len(g.eFrom)
	cw.column(n, 16, func(b []byte, lo int) {
		for i := 0; i < len(b); i += 16 {
			p := g.pts[lo+i/16]
			le.PutUint64(b[i:], math.Float64bits(p[0]))
			le.PutUint64(b[i+8:], math.Float64bits(p[1]))
		}
	})
	cw.column(n, 8, func(b []byte, lo int) { encode64(b, g.keys[lo:]) })
	cw.column(m, 4, func(b []byte, lo int) { encode32(b, g.eFrom[lo:]) })
	cw.column(m, 4, func(b []byte, lo int) { encode32(b, g.eTo[lo:]) })
	cw.column(m, 4, func(b []byte, lo int) { encode32(b, g.eFwd[lo:]) })
	cw.column(m, 4, func(b []byte, lo int) { encode32(b, g.eBwd[lo:]) })
	cw.column(m, 8, func(b []byte, lo int) {
		for i := 0; i < len(b); i += 8 {
			le.PutUint64(b[i:], math.Float64bits(g.eLen[lo+i/8]))
		}
	})
	cw.column(m, 8, func(b []byte, lo int) { encode64(b, g.eKey[lo:]) })
	cw.column(m, 4, func(b []byte, lo int) { encode32(b, g.srcStart[1+lo:]) })
	cw.column(len(g.src), 8, func(b []byte, lo int) { encode64(b, g.src[lo:]) })
	cw.column((len(g.srcRev)+7)/8, 1, func(b []byte, lo int) {
		clear(b)
		rev := g.srcRev[8*lo:]
		for i, r := range rev[:min(len(rev), 8*len(b))] {
			if r {
				b[i/8] |= 1 << (i % 8)
			}
		}
	})
	if cw.err == nil {
		var sum [4]byte
		le.PutUint32(sum[:], cw.crc)
		k, err := w.Write(sum[:])
		cw.n += int64(k)
		cw.err = err
	}
	if cw.err != nil {
		return cw.n, fmt.Errorf("graph: write snapshot: %w", cw.err)
	}
	return cw.n, nil
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

// colReader reads columns through a chunk buffer, keeping a running
// CRC-32C of what it read, the offset and the first error.
type colReader struct {
	r   io.Reader
	buf []byte
	crc uint32
	off int64
	err error
}

// read reads exactly len(b) bytes into b and adds them to the checksum.
func (c *colReader) read(b []byte) {
	if c.err != nil {
		return
	}
	if _, err := io.ReadFull(c.r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		c.err = fmt.Errorf("graph: read snapshot at byte %d: %w", c.off, err)
		return
	}
	c.crc = crc32.Update(c.crc, castagnoli, b)
	c.off += int64(len(b))
}

// readColumn reads n values of size bytes each, chunk by chunk, and
// appends them to out (a new slice when nil); dec decodes a chunk b into
// dst (len(b)/size values). A new slice has room for at most capLimit
// values and grows with the data actually read. It returns nil after an
// error.
func readColumn[T any](c *colReader, out []T, n uint64, size int, dec func(dst []T, b []byte)) []T {
	if out == nil {
		out = make([]T, 0, min(n, capLimit))
	}
	per := uint64(len(c.buf) / size)
	for done := uint64(0); done < n; {
		k := int(min(n-done, per))
		b := c.buf[:k*size]
		c.read(b)
		if c.err != nil {
			return nil
		}
		out = slices.Grow(out, k)
		dec(out[len(out):len(out)+k], b)
		out = out[:len(out)+k]
		done += uint64(k)
	}
	return out
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
	cr := &colReader{r: r}
	head := make([]byte, len(snapshotMagic)+4+3*8)
	cr.read(head[:len(snapshotMagic)])
	if cr.err != nil {
		return nil, cr.err
	}
	if magic := head[:len(snapshotMagic)]; string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: snapshot magic %q, want %q", ErrInvalid, magic, snapshotMagic)
	}
	cr.read(head[len(snapshotMagic):])
	if cr.err != nil {
		return nil, cr.err
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
	cr.buf = make([]byte, min(ioChunk, max(16*n, 8*m, 8*ns, 64)))
	g.pts = readColumn(cr, nil, n, 16, decodePoints)
	g.keys = readColumn(cr, nil, n, 8, decode64[int64])
	g.eFrom = readColumn(cr, nil, m, 4, decode32[NodeID])
	g.eTo = readColumn(cr, nil, m, 4, decode32[NodeID])
	g.eFwd = readColumn(cr, nil, m, 4, decode32[Cost])
	g.eBwd = readColumn(cr, nil, m, 4, decode32[Cost])
	g.eLen = readColumn(cr, nil, m, 8, decodeF64)
	g.eKey = readColumn(cr, nil, m, 8, decode64[int64])
	// the ends of the edges' sources, after srcStart[0] = 0
	g.srcStart = readColumn(cr, make([]uint32, 1, min(m+1, capLimit)), m, 4, decode32[uint32])
	if cr.err != nil {
		return nil, cr.err
	}
	for e := range m {
		if end := g.srcStart[e+1]; end < g.srcStart[e] || uint64(end) > ns {
			return nil, fmt.Errorf("%w: snapshot edge %d: source offset %d", ErrInvalid, e, end)
		}
	}
	if uint64(g.srcStart[m]) != ns {
		return nil, fmt.Errorf("%w: snapshot: edges name %d sources, header %d", ErrInvalid, g.srcStart[m], ns)
	}
	g.src = readColumn(cr, nil, ns, 8, decode64[int64])
	bits := readColumn(cr, nil, (ns+7)/8, 1, func(dst, b []byte) { copy(dst, b) })
	if cr.err != nil {
		return nil, cr.err
	}
	if ns%8 != 0 && bits[len(bits)-1]>>(ns%8) != 0 {
		return nil, fmt.Errorf("%w: snapshot: reversed bits beyond the %d sources", ErrInvalid, ns)
	}
	g.srcRev = make([]bool, ns)
	for i := range g.srcRev {
		g.srcRev[i] = bits[i/8]&(1<<(i%8)) != 0
	}
	want := cr.crc
	var tail [4]byte
	cr.read(tail[:])
	if cr.err != nil {
		return nil, cr.err
	}
	if got := le.Uint32(tail[:]); got != want {
		return nil, fmt.Errorf("%w: snapshot checksum %08x, computed %08x", ErrInvalid, got, want)
	}
	if err := g.validateColumns(); err != nil {
		return nil, err
	}
	g.buildCSR()
	return g, nil
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
