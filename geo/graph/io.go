package graph

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/paulmach/orb"
)

// snapshot layout (all little endian):
//
//	magic "REACHGR1"
//	u32 flags (bit 0: reversed), u64 nodes, u64 edges, u64 sources
//	nodes × (f64 x, f64 y, i64 key)
//	edges × (u32 from, u32 to, u32 fwd, u32 bwd, f64 length, i64 key, u32 sourceEnd)
//	sources × (i64 id), then ceil(sources/8) bytes of reversed bits
//	u32 CRC-32 (IEEE) of everything before it
//
// The CSR arrays are not stored: ReadFrom rebuilds them with one counting
// sort, which is faster than reading them.
const snapshotMagic = "REACHGR1"

// maxSnapshotCount bounds the counts in a snapshot header so that a corrupt
// header cannot make ReadFrom allocate without limit.
const maxSnapshotCount = 1 << 31

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	crc uint32
	buf [8]byte
	err error
}

func (c *countingWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	c.crc = crc32.Update(c.crc, crc32.IEEETable, b)
	k, err := c.w.Write(b)
	c.n += int64(k)
	c.err = err
}

func (c *countingWriter) u32(v uint32) {
	binary.LittleEndian.PutUint32(c.buf[:4], v)
	c.write(c.buf[:4])
}

func (c *countingWriter) u64(v uint64) {
	binary.LittleEndian.PutUint64(c.buf[:8], v)
	c.write(c.buf[:8])
}

// WriteTo writes a binary snapshot of g to w (see ReadFrom). It returns the
// number of bytes written.
func (g *Graph) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriterSize(w, 1<<16)}
	cw.write([]byte(snapshotMagic))
	var flags uint32
	if g.reversed {
		flags |= 1
	}
	cw.u32(flags)
	cw.u64(uint64(len(g.pts)))
	cw.u64(uint64(len(g.eFrom)))
	cw.u64(uint64(len(g.src)))
	for i, p := range g.pts {
		cw.u64(math.Float64bits(p[0]))
		cw.u64(math.Float64bits(p[1]))
		cw.u64(uint64(g.keys[i]))
	}
	for e := range g.eFrom {
		cw.u32(uint32(g.eFrom[e]))
		cw.u32(uint32(g.eTo[e]))
		cw.u32(uint32(g.eFwd[e]))
		cw.u32(uint32(g.eBwd[e]))
		cw.u64(math.Float64bits(g.eLen[e]))
		cw.u64(uint64(g.eKey[e]))
		cw.u32(g.srcStart[e+1])
	}
	for _, s := range g.src {
		cw.u64(uint64(s))
	}
	bits := make([]byte, (len(g.srcRev)+7)/8)
	for i, r := range g.srcRev {
		if r {
			bits[i/8] |= 1 << (i % 8)
		}
	}
	cw.write(bits)
	sum := cw.crc
	binary.LittleEndian.PutUint32(cw.buf[:4], sum)
	if cw.err == nil {
		k, err := cw.w.Write(cw.buf[:4])
		cw.n += int64(k)
		cw.err = err
	}
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return cw.n, fmt.Errorf("graph: write snapshot: %w", cw.err)
	}
	return cw.n, nil
}

type snapReader struct {
	r   *bufio.Reader
	crc uint32
	off int64
	err error
}

func (s *snapReader) read(b []byte) {
	if s.err != nil {
		return
	}
	_, err := io.ReadFull(s.r, b)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		s.err = fmt.Errorf("graph: read snapshot at byte %d: %w", s.off, err)
		return
	}
	s.crc = crc32.Update(s.crc, crc32.IEEETable, b)
	s.off += int64(len(b))
}

// ReadFrom reads a snapshot written by WriteTo, checks its checksum and
// invariants (Validate) and returns the graph. Errors about content wrap
// ErrInvalid.
func ReadFrom(r io.Reader) (*Graph, error) {
	sr := &snapReader{r: bufio.NewReaderSize(r, 1<<20)}
	magic := make([]byte, len(snapshotMagic))
	sr.read(magic)
	if sr.err != nil {
		return nil, sr.err
	}
	if string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: snapshot magic %q, want %q", ErrInvalid, magic, snapshotMagic)
	}
	hdr := make([]byte, 4+3*8)
	sr.read(hdr)
	if sr.err != nil {
		return nil, sr.err
	}
	flags := binary.LittleEndian.Uint32(hdr)
	n := binary.LittleEndian.Uint64(hdr[4:])
	m := binary.LittleEndian.Uint64(hdr[12:])
	ns := binary.LittleEndian.Uint64(hdr[20:])
	if n >= maxSnapshotCount || m >= maxSnapshotCount || ns >= maxSnapshotCount || flags > 1 {
		return nil, fmt.Errorf("%w: snapshot header: flags %d, %d nodes, %d edges, %d sources", ErrInvalid, flags, n, m, ns)
	}
	g := &Graph{reversed: flags&1 == 1}
	// capacities from the header, capped so that a corrupt header cannot
	// demand much memory before the data run out
	const capLimit = 1 << 22
	g.pts = make([]orb.Point, 0, min(n, capLimit))
	g.keys = make([]int64, 0, min(n, capLimit))
	g.eFrom, g.eTo = make([]NodeID, 0, min(m, capLimit)), make([]NodeID, 0, min(m, capLimit))
	g.eFwd, g.eBwd = make([]Cost, 0, min(m, capLimit)), make([]Cost, 0, min(m, capLimit))
	g.eLen, g.eKey = make([]float64, 0, min(m, capLimit)), make([]int64, 0, min(m, capLimit))
	g.src = make([]int64, 0, min(ns, capLimit))
	// Read in chunks so that a truncated file fails before huge allocations
	// are filled; slices grow with the data actually present.
	const chunk = 1 << 16
	buf := make([]byte, 36*chunk)
	for done := uint64(0); done < n; {
		k := min(n-done, chunk)
		b := buf[:24*k]
		sr.read(b)
		if sr.err != nil {
			return nil, sr.err
		}
		for i := uint64(0); i < k; i++ {
			x := math.Float64frombits(binary.LittleEndian.Uint64(b[24*i:]))
			y := math.Float64frombits(binary.LittleEndian.Uint64(b[24*i+8:]))
			g.pts = append(g.pts, orb.Point{x, y})
			g.keys = append(g.keys, int64(binary.LittleEndian.Uint64(b[24*i+16:])))
		}
		done += k
	}
	if g.pts == nil {
		g.pts, g.keys = []orb.Point{}, []int64{}
	}
	const es = 36
	g.srcStart = make([]uint32, 1, min(m+1, capLimit))
	for done := uint64(0); done < m; {
		k := min(m-done, chunk)
		b := buf[:es*k]
		sr.read(b)
		if sr.err != nil {
			return nil, sr.err
		}
		for i := uint64(0); i < k; i++ {
			p := b[es*i:]
			g.eFrom = append(g.eFrom, NodeID(binary.LittleEndian.Uint32(p)))
			g.eTo = append(g.eTo, NodeID(binary.LittleEndian.Uint32(p[4:])))
			g.eFwd = append(g.eFwd, Cost(binary.LittleEndian.Uint32(p[8:])))
			g.eBwd = append(g.eBwd, Cost(binary.LittleEndian.Uint32(p[12:])))
			g.eLen = append(g.eLen, math.Float64frombits(binary.LittleEndian.Uint64(p[16:])))
			g.eKey = append(g.eKey, int64(binary.LittleEndian.Uint64(p[24:])))
			end := binary.LittleEndian.Uint32(p[32:])
			if end < g.srcStart[len(g.srcStart)-1] || uint64(end) > ns {
				return nil, fmt.Errorf("%w: snapshot edge %d: source offset %d", ErrInvalid, len(g.eFrom)-1, end)
			}
			g.srcStart = append(g.srcStart, end)
		}
		done += k
	}
	if uint64(g.srcStart[len(g.srcStart)-1]) != ns {
		return nil, fmt.Errorf("%w: snapshot: edges name %d sources, header %d", ErrInvalid, g.srcStart[len(g.srcStart)-1], ns)
	}
	for done := uint64(0); done < ns; {
		k := min(ns-done, 3*chunk)
		b := buf[:8*k]
		sr.read(b)
		if sr.err != nil {
			return nil, sr.err
		}
		for i := uint64(0); i < k; i++ {
			g.src = append(g.src, int64(binary.LittleEndian.Uint64(b[8*i:])))
		}
		done += k
	}
	if g.src == nil {
		g.src = []int64{}
	}
	g.srcRev = make([]bool, 0, len(g.src))
	for done := uint64(0); done < ns; {
		k := min(ns-done, 8*chunk)
		b := buf[:(k+7)/8]
		sr.read(b)
		if sr.err != nil {
			return nil, sr.err
		}
		for i := uint64(0); i < k; i++ {
			g.srcRev = append(g.srcRev, b[i/8]&(1<<(i%8)) != 0)
		}
		done += k
	}
	want := sr.crc
	var tail [4]byte
	sr.read(tail[:])
	if sr.err != nil {
		return nil, sr.err
	}
	if got := binary.LittleEndian.Uint32(tail[:]); got != want {
		return nil, fmt.Errorf("%w: snapshot checksum %08x, computed %08x", ErrInvalid, got, want)
	}
	for e := range g.eFrom {
		if uint64(g.eFrom[e]) >= n || uint64(g.eTo[e]) >= n {
			return nil, fmt.Errorf("%w: snapshot edge %d: node out of range", ErrInvalid, e)
		}
	}
	if g.eFrom == nil {
		g.eFrom, g.eTo, g.eFwd, g.eBwd, g.eLen, g.eKey = []NodeID{}, []NodeID{}, []Cost{}, []Cost{}, []float64{}, []int64{}
	}
	g.buildCSR()
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}
