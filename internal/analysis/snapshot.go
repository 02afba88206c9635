package analysis

// Engine snapshots: the expensive derived parts of an engine (the network
// of every mode and where every populated cell and every facility meets
// it) stored so that a cold start reads them instead of building the
// networks from the road layer and snapping about 400,000 cells.
//
// Layout (little endian throughout):
//
//	magic "REACHES7"
//	u32 header length, header, u32 CRC-32C of the header
//	  header: str engine version, f64 snap radius (m),
//	          u8 mode count, str per requested mode (Options.Modes order),
//	          u32 version count, (str layer, str version) sorted by layer,
//	          3 × (u64 count, 32-byte digest) for cells, facilities, roads
//	          (the SHA-256 of the SHA-256 sums of parts of 65,536 records),
//	          u8 network count
//	u64 length of the centre block, the centre block, u32 CRC-32C of it
//	  centre block: u32 cells, then per populated cell in engine (id)
//	    order f64 lon, f64 lat, f64 x, f64 y (EPSG:25833) of its centre
//	per network, in the order of layers.Modes():
//	  str mode, u64 length of the network snapshot
//	  the network snapshot (network.WriteTo, format REACHNW5)
//	  u32 CRC-32C of the network snapshot bytes
//	  u64 length of the index block, the index block, u32 CRC-32C of it
//	    index block: u32 edges, exit bitset ((edges+7)/8 bytes, bit e of
//	      byte e/8: edge e can be left along the way),
//	      u32 cells, one count byte per cell (departures | arrivals<<2),
//	      u32 facilities, one count byte per facility (arrivals | 0x80
//	      when snapped), then the sources in the order counted (cells:
//	      departures then arrivals; facilities: arrivals), 12 bytes each:
//	      u32 node, u32 offset (ms), f32 metres
//	magic "REACHEND"
//
// A string is a u16 length and the bytes.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/grid"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

const (
	snapMagic    = "REACHES7"
	snapEndMagic = "REACHEND"
	// snapSourceBytes is the size of one encoded route.Source.
	snapSourceBytes = 12
	// snapCentreBytes is the size of one cell centre in the centre block.
	snapCentreBytes = 32
	// snapMaxHeader bounds the header read before its checksum is known.
	snapMaxHeader = 1 << 20
)

// ErrSnapshot is wrapped by the errors of a snapshot that cannot be read:
// wrong magic, truncated, a checksum that does not match, a value out of
// range.
var ErrSnapshot = errors.New("analysis: invalid engine snapshot")

// ErrSnapshotMismatch is wrapped by the errors of a well-formed snapshot
// that was made from other layers or other options than the Build it is
// given to (data versions, cells, facilities, roads, snap radius, modes or
// engine version differ). Such a snapshot is never used.
var ErrSnapshotMismatch = errors.New("analysis: engine snapshot does not match the layers")

// snapFingerprint identifies what a snapshot was derived from.
type snapFingerprint struct {
	version  string
	radius   float64
	modes    []layers.Mode
	versions [][2]string // sorted by layer name
	cells    snapDigest
	facs     snapDigest
	roads    snapDigest
}

// snapDigest is the count and SHA-256 of one layer's records.
type snapDigest struct {
	n   uint64
	sum [32]byte
}

// hashWriter feeds fields into a hash through a buffer (one hash call per
// 64 KiB rather than per field).
type hashWriter struct {
	h   hash.Hash
	buf []byte
}

func newHashWriter() *hashWriter {
	return &hashWriter{h: sha256.New(), buf: make([]byte, 0, 1<<16)}
}

func (w *hashWriter) room(k int) {
	if len(w.buf)+k > cap(w.buf) {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

// str adds a string, prefixed with its length.
func (w *hashWriter) str(s string) {
	w.room(binary.MaxVarintLen64)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
	for len(s) > 0 {
		w.room(1)
		k := min(len(s), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, s[:k]...)
		s = s[k:]
	}
}

func (w *hashWriter) point(p orb.Point) {
	w.room(16)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(p[0]))
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(p[1]))
}

// sum returns the hash of everything added and starts afresh.
func (w *hashWriter) sum() [32]byte {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
	var out [32]byte
	w.h.Sum(out[:0])
	w.h.Reset()
	return out
}

// A layer's digest hashes its records in parts of digestPart records: the
// SHA-256 of each part's records, then the SHA-256 of those sums in order,
// so that the parts can be hashed in parallel, or one after another as
// the records arrive.
const digestPart = 1 << 16

// partHasher hashes records one after another as they arrive.
type partHasher struct {
	w     *hashWriter
	parts hash.Hash
	n     int
}

func newPartHasher() *partHasher {
	return &partHasher{w: newHashWriter(), parts: sha256.New()}
}

// record returns the writer for the next record.
func (p *partHasher) record() *hashWriter {
	if p.n > 0 && p.n%digestPart == 0 {
		sum := p.w.sum()
		p.parts.Write(sum[:])
	}
	p.n++
	return p.w
}

// digest returns the digest of the records so far (the hasher is done).
func (p *partHasher) digest() snapDigest {
	if p.n > 0 {
		sum := p.w.sum()
		p.parts.Write(sum[:])
	}
	d := snapDigest{n: uint64(p.n)}
	p.parts.Sum(d.sum[:0])
	return d
}

// digestOf returns the digest of n records, add(w, i) adding record i to
// w, with the parts hashed by up to GOMAXPROCS goroutines.
func digestOf(n int, add func(w *hashWriter, i int)) snapDigest {
	sums := make([][32]byte, (n+digestPart-1)/digestPart)
	var next atomic.Int64
	work := func() {
		w := newHashWriter()
		for {
			k := int(next.Add(1) - 1)
			if k >= len(sums) {
				return
			}
			for i := k * digestPart; i < min(n, (k+1)*digestPart); i++ {
				add(w, i)
			}
			sums[k] = w.sum()
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(sums)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	parts := sha256.New()
	for _, s := range sums {
		parts.Write(s[:])
	}
	d := snapDigest{n: uint64(n)}
	parts.Sum(d.sum[:0])
	return d
}

// cellsDigest hashes the engine's populated cells in engine order: id and
// centre (EPSG:25833), the inputs of their snapping.
func (e *Engine) cellsDigest() snapDigest {
	return digestOf(len(e.cells), func(w *hashWriter, i int) {
		c := &e.cells[i]
		w.str(c.id)
		w.point(c.utm)
	})
}

// facilitiesDigest hashes the engine's facilities in engine order: id,
// category and location (EPSG:25833).
func (e *Engine) facilitiesDigest() snapDigest {
	return digestOf(len(e.facs), func(w *hashWriter, i int) {
		f := &e.facs[i]
		w.str(f.ID)
		w.str(string(f.Category))
		w.point(f.Location)
	})
}

// roadsDigest hashes what the networks are built from, segment by
// segment in layer order (see hashWriter.road).
func roadsDigest(roads []layers.RoadSegment) snapDigest {
	return digestOf(len(roads), func(w *hashWriter, i int) { w.road(&roads[i]) })
}

// roadModes are the modes whose access a road's hash covers.
var roadModes = layers.Modes()

// road adds one road segment to the hash: its id, end nodes, class,
// length, duration, access of every mode and geometry; strings and the
// geometry prefixed with their lengths, the access directions of a mode in
// one byte.
func (w *hashWriter) road(s *layers.RoadSegment) {
	le := binary.LittleEndian
	// One capacity check for the fixed fields, one per 1024 vertices (about
	// 2 million segments at the scale of Saxony).
	w.room(5*8 + 2*binary.MaxVarintLen64 + len(s.Highway) + 9*len(roadModes))
	b := w.buf
	b = le.AppendUint64(b, uint64(s.ID))
	b = le.AppendUint64(b, uint64(s.FromNode))
	b = le.AppendUint64(b, uint64(s.ToNode))
	b = binary.AppendUvarint(b, uint64(len(s.Highway)))
	b = append(b, s.Highway...)
	b = le.AppendUint64(b, math.Float64bits(s.LengthM))
	b = le.AppendUint64(b, math.Float64bits(s.DurationS))
	for _, m := range roadModes {
		a := s.Access(m)
		flags := byte(0)
		if a.Forward {
			flags |= 1
		}
		if a.Backward {
			flags |= 2
		}
		b = append(b, flags)
		b = le.AppendUint64(b, math.Float64bits(a.SpeedKmh))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Geometry)))
	w.buf = b
	for j := 0; j < len(s.Geometry); {
		k := min(len(s.Geometry)-j, 1024)
		w.room(16 * k)
		b := w.buf
		for _, p := range s.Geometry[j : j+k] {
			b = le.AppendUint64(b, math.Float64bits(p[0]))
			b = le.AppendUint64(b, math.Float64bits(p[1]))
		}
		w.buf = b
		j += k
	}
}

// fingerprintOf returns the fingerprint of the engine's options and its
// layers, given the digests of cells, facilities and roads.
func (e *Engine) fingerprintOf(cells, facs, roads snapDigest) snapFingerprint {
	fp := snapFingerprint{version: Version, radius: e.opts.SnapRadiusM, modes: slices.Clone(e.opts.Modes), cells: cells, facs: facs, roads: roads}
	for k, v := range e.info.Versions {
		fp.versions = append(fp.versions, [2]string{k, v})
	}
	sort.Slice(fp.versions, func(i, j int) bool { return fp.versions[i][0] < fp.versions[j][0] })
	return fp
}

// mismatch compares the fingerprint of a snapshot (fp) with that of the
// layers (want) and returns an error naming the first difference, or nil.
func (fp snapFingerprint) mismatch(want snapFingerprint) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshotMismatch, fmt.Sprintf(format, a...))
	}
	if fp.version != want.version {
		return fail("engine version: snapshot %q, engine %q", fp.version, want.version)
	}
	if fp.radius != want.radius {
		return fail("snap radius: snapshot %g m, options %g m", fp.radius, want.radius)
	}
	if !slices.Equal(fp.modes, want.modes) {
		return fail("modes: snapshot %v, options %v", fp.modes, want.modes)
	}
	have := map[string]string{}
	for _, kv := range fp.versions {
		have[kv[0]] = kv[1]
	}
	for _, kv := range want.versions {
		v, ok := have[kv[0]]
		if !ok {
			return fail("data version of layer %q: absent from the snapshot, layers have %q", kv[0], kv[1])
		}
		if v != kv[1] {
			return fail("data version of layer %q: snapshot %q, layers %q", kv[0], v, kv[1])
		}
		delete(have, kv[0])
	}
	for _, kv := range fp.versions {
		if _, ok := have[kv[0]]; ok {
			return fail("data version of layer %q: snapshot %q, absent from the layers", kv[0], kv[1])
		}
	}
	for _, d := range []struct {
		name       string
		snap, have snapDigest
	}{{"populated cells", fp.cells, want.cells}, {"facilities", fp.facs, want.facs}, {"road segments", fp.roads, want.roads}} {
		if d.snap.n != d.have.n {
			return fail("%s: snapshot has %d, layers have %d", d.name, d.snap.n, d.have.n)
		}
		if d.snap.sum != d.have.sum {
			return fail("%s: same count (%d) but different content (sha256 %x… in the snapshot, %x… in the layers)", d.name, d.snap.n, d.snap.sum[:6], d.have.sum[:6])
		}
	}
	return nil
}

// WriteSnapshot writes the engine's networks, the snapping of every
// populated cell and facility and the fingerprint of the layers and
// options they were derived from to w, for a cold start with
// Options.Snapshot. See the layout at the top of snapshot.go. It writes
// the whole network once to count its bytes and once to w, so it takes a
// few seconds at the scale of Saxony; it is safe to call concurrently with
// analyses.
func (e *Engine) WriteSnapshot(w io.Writer) error {
	fp := e.fingerprintOf(e.cellsDigest(), e.facilitiesDigest(), e.roadLayerDigest())
	cw := &crcWriter{w: bufio.NewWriterSize(w, 1<<20), tab: crc32.MakeTable(crc32.Castagnoli)}
	fail := func(err error) error { return fmt.Errorf("analysis: write snapshot: %w", err) }

	var modes []layers.Mode
	for _, m := range layers.Modes() {
		if e.nets[m] != nil {
			modes = append(modes, m)
		}
	}
	var head []byte
	head = appendStr(head, fp.version)
	head = binary.LittleEndian.AppendUint64(head, math.Float64bits(fp.radius))
	head = append(head, byte(len(fp.modes)))
	for _, m := range fp.modes {
		head = appendStr(head, string(m))
	}
	head = binary.LittleEndian.AppendUint32(head, uint32(len(fp.versions)))
	for _, kv := range fp.versions {
		head = appendStr(head, kv[0])
		head = appendStr(head, kv[1])
	}
	for _, d := range []snapDigest{fp.cells, fp.facs, fp.roads} {
		head = binary.LittleEndian.AppendUint64(head, d.n)
		head = append(head, d.sum[:]...)
	}
	head = append(head, byte(len(modes)))
	cw.write([]byte(snapMagic))
	cw.u32(uint32(len(head)))
	cw.reset()
	cw.write(head)
	cw.u32(cw.crc)
	centres := e.encodeCentres()
	cw.u64(uint64(len(centres)))
	cw.reset()
	cw.write(centres)
	cw.u32(cw.crc)

	for _, m := range modes {
		mn := e.nets[m]
		size, err := mn.n.WriteTo(io.Discard)
		if err != nil {
			return fail(err)
		}
		var sec []byte
		sec = appendStr(sec, string(m))
		sec = binary.LittleEndian.AppendUint64(sec, uint64(size))
		cw.write(sec)
		cw.reset()
		if cw.err == nil {
			var k int64
			k, err = mn.n.WriteTo(cw)
			if err != nil {
				return fail(err)
			}
			if k != size {
				return fail(fmt.Errorf("%s network: wrote %d bytes, counted %d", m, k, size))
			}
		}
		cw.u32(cw.crc)
		block := e.encodeIndex(mn)
		cw.u64(uint64(len(block)))
		cw.reset()
		cw.write(block)
		cw.u32(cw.crc)
	}
	cw.write([]byte(snapEndMagic))
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return fail(cw.err)
	}
	return nil
}

// encodeCentres encodes the centre block (see the layout).
func (e *Engine) encodeCentres() []byte {
	out := make([]byte, 0, 4+len(e.cells)*snapCentreBytes)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(e.cells)))
	for i := range e.cells {
		c := &e.cells[i]
		for _, v := range [4]float64{c.lonlat[0], c.lonlat[1], c.utm[0], c.utm[1]} {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
	}
	return out
}

// centresFrom sets the centres of e.cells from the cells of a snapshot's
// centre block (without its count) and reports whether it did: only when
// the block holds as many centres as the engine has cells and a sample of
// them (every cell when there are few, else the first and last of each of
// about 64 runs) are exactly the projections of the cells' ids (id(k) of
// cell k), so that a snapshot from an engine whose projections differ is
// never used. Whether they are the centres of these cells is
// the fingerprint's part: the cell digest hashes ids and centres.
func (e *Engine) centresFrom(block []byte, id func(k int) grid.ID) bool {
	n := len(e.cells)
	if block == nil || len(block) != n*snapCentreBytes {
		return false
	}
	at := func(k int) (ll, utm orb.Point) {
		b := block[k*snapCentreBytes:]
		f := func(j int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:])) }
		return orb.Point{f(0), f(1)}, orb.Point{f(2), f(3)}
	}
	same := func(a, b orb.Point) bool {
		return math.Float64bits(a[0]) == math.Float64bits(b[0]) && math.Float64bits(a[1]) == math.Float64bits(b[1])
	}
	step := max(1, n/64)
	for k := 0; k < n; k += step {
		for _, j := range []int{k, min(n-1, k+step-1)} {
			ll, utm, err := cellCentre(id(j))
			sll, sutm := at(j)
			if err != nil || !same(ll, sll) || !same(utm, sutm) {
				return false
			}
		}
	}
	parallelChunks(n, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			c := &e.cells[k]
			c.lonlat, c.utm = at(k)
		}
	})
	return true
}

// encodeIndex encodes the index block of mn (see the layout).
func (e *Engine) encodeIndex(mn *modeNet) []byte {
	nsrc := 0
	for ci := range e.cells {
		nsrc += len(mn.cellOut[ci]) + len(mn.cellIn[ci])
	}
	for fi := range e.facs {
		nsrc += len(mn.facIn[fi])
	}
	edges := len(mn.exit)
	out := make([]byte, 0, 12+(edges+7)/8+len(e.cells)+len(e.facs)+nsrc*snapSourceBytes)
	out = binary.LittleEndian.AppendUint32(out, uint32(edges))
	bits := make([]byte, (edges+7)/8)
	for ed, ok := range mn.exit {
		if ok {
			bits[ed/8] |= 1 << (ed % 8)
		}
	}
	out = append(out, bits...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(e.cells)))
	for ci := range e.cells {
		out = append(out, byte(len(mn.cellOut[ci])|len(mn.cellIn[ci])<<2))
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(e.facs)))
	for fi := range e.facs {
		b := byte(len(mn.facIn[fi]))
		if mn.facSnap[fi] {
			b |= 0x80
		}
		out = append(out, b)
	}
	put := func(ss []route.Source) {
		for _, s := range ss {
			out = binary.LittleEndian.AppendUint32(out, uint32(s.Node))
			out = binary.LittleEndian.AppendUint32(out, uint32(s.Offset))
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(s.Meters))
		}
	}
	for ci := range e.cells {
		put(mn.cellOut[ci])
		put(mn.cellIn[ci])
	}
	for fi := range e.facs {
		put(mn.facIn[fi])
	}
	return out
}

func appendStr(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// crcWriter writes to w, keeping the first error and a running CRC-32C
// of the bytes since the last reset.
type crcWriter struct {
	w   *bufio.Writer
	tab *crc32.Table
	crc uint32
	err error
}

func (c *crcWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	c.crc = crc32.Update(c.crc, c.tab, b)
	k, err := c.w.Write(b)
	c.err = err
	return k, err
}

func (c *crcWriter) write(b []byte) { c.Write(b) }
func (c *crcWriter) reset()         { c.crc = 0 }
func (c *crcWriter) u32(v uint32)   { c.write(binary.LittleEndian.AppendUint32(nil, v)) }
func (c *crcWriter) u64(v uint64)   { c.write(binary.LittleEndian.AppendUint64(nil, v)) }

// snapshotNet is one mode's part of a decoded snapshot.
type snapshotNet struct {
	mode    layers.Mode
	n       *network.Network
	exit    []bool
	cellOut [][]route.Source
	cellIn  [][]route.Source
	facIn   [][]route.Source
	facSnap []bool
	mn      *modeNet // made by index
}

// index makes the engine's network of sn, with the cells indexed by the
// node they leave from.
func (sn *snapshotNet) index() {
	sn.mn = &modeNet{mode: sn.mode, n: sn.n, cellOut: sn.cellOut, cellIn: sn.cellIn, facIn: sn.facIn, facSnap: sn.facSnap, exit: sn.exit}
	sn.mn.indexCells()
}

// snapshotData is a decoded snapshot, not yet checked against the layers.
type snapshotData struct {
	fp snapFingerprint
	// centres is the centre block without its count: snapCentreBytes per
	// populated cell.
	centres []byte
	nets    []*snapshotNet
}

// stopReader fails every Read once stop is set, so that a background
// decode ends soon after Build gives up on it.
type stopReader struct {
	r    io.Reader
	stop *atomic.Bool
}

var errSnapshotStopped = errors.New("analysis: snapshot read stopped")

func (s stopReader) Read(p []byte) (int, error) {
	if s.stop.Load() {
		return 0, errSnapshotStopped
	}
	return s.r.Read(p)
}

// crcReader reads from r, keeping a running CRC-32C of what it read.
type crcReader struct {
	r   io.Reader
	tab *crc32.Table
	crc uint32
}

func (c *crcReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, c.tab, p[:k])
	return k, err
}

// pendingSnapshot is a snapshot being decoded in the background while
// Build reads the layers, and the road layer being read and hashed (not
// kept) in a second goroutine (both independent of the cells and the
// classification, which Build computes meanwhile).
type pendingSnapshot struct {
	stop    atomic.Bool
	header  chan struct{} // closed when fp is set
	fp      snapFingerprint
	centred chan struct{} // closed when centres is set or the decode ended
	centres []byte        // the centre block without its count
	done    chan struct{} // closed when data or err is set
	data    *snapshotData
	err     error

	roadsDone chan struct{} // closed when roadsSum or roadsErr is set
	roadsSum  snapDigest
	roadsErr  error
}

// startSnapshot starts decoding snap and reading the roads of r.
func startSnapshot(ctx context.Context, snap io.Reader, r layers.Reader) *pendingSnapshot {
	p := &pendingSnapshot{header: make(chan struct{}), centred: make(chan struct{}), done: make(chan struct{}), roadsDone: make(chan struct{})}
	go func() {
		defer close(p.done)
		centred := false
		p.data, p.err = decodeSnapshot(stopReader{r: snap, stop: &p.stop}, func(fp snapFingerprint) {
			p.fp = fp
			close(p.header)
		}, func(b []byte) {
			p.centres = b
			centred = true
			close(p.centred)
		})
		if !centred {
			close(p.centred)
		}
		if p.err == nil {
			// here rather than in Build's goroutine, which is still
			// reading the other layers
			for _, sn := range p.data.nets {
				sn.index()
			}
		}
	}()
	go func() {
		defer close(p.roadsDone)
		// Only the digest is kept: the engine reads the segments again if
		// a road scenario needs them (roads.go).
		p.roadsSum, p.roadsErr = hashRoads(ctx, r, p.stop.Load)
	}()
	return p
}

// cellCentres waits for the centre block of the snapshot and returns it,
// or nil when the snapshot has none to give (damaged before it) or ctx
// ends first.
func (p *pendingSnapshot) cellCentres(ctx context.Context) []byte {
	select {
	case <-p.centred:
		return p.centres
	case <-ctx.Done():
		return nil
	}
}

// close stops the decode and the road reading if they still run and waits
// for both, so that neither reader is used after Build returns.
func (p *pendingSnapshot) close() {
	p.stop.Store(true)
	<-p.done
	<-p.roadsDone
}

// readSnapshot decodes a whole snapshot from r, calling onHeader with the
// fingerprint as soon as the header is read (nil: no call). It checks the
// structure and every checksum, and that every node id lies within its
// network, but not the fingerprint.
func readSnapshot(r io.Reader, onHeader func(snapFingerprint)) (*snapshotData, error) {
	return decodeSnapshot(r, onHeader, nil)
}

// decodeSnapshot is readSnapshot, also calling onCentres with the centre
// block (without its count) as soon as it is read and checked (nil: no
// call).
func decodeSnapshot(r io.Reader, onHeader func(snapFingerprint), onCentres func([]byte)) (*snapshotData, error) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	br := bufio.NewReaderSize(r, 1<<20)
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	short := func(what string, err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return bad("truncated in %s", what)
		}
		return fmt.Errorf("analysis: read snapshot %s: %w", what, err)
	}
	var b8 [8]byte
	if _, err := io.ReadFull(br, b8[:]); err != nil {
		return nil, short("magic", err)
	}
	if string(b8[:]) != snapMagic {
		return nil, bad("magic %q, want %q", b8[:], snapMagic)
	}
	if _, err := io.ReadFull(br, b8[:4]); err != nil {
		return nil, short("header", err)
	}
	hlen := binary.LittleEndian.Uint32(b8[:4])
	if hlen > snapMaxHeader {
		return nil, bad("header of %d bytes", hlen)
	}
	head := make([]byte, hlen+4)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, short("header", err)
	}
	if got, want := binary.LittleEndian.Uint32(head[hlen:]), crc32.Checksum(head[:hlen], tab); got != want {
		return nil, bad("header checksum %08x, computed %08x", got, want)
	}
	d := &decoder{b: head[:hlen]}
	var fp snapFingerprint
	fp.version = d.str()
	fp.radius = math.Float64frombits(d.u64())
	nm := int(d.u8())
	for range nm {
		m, ok := layers.ParseMode(d.str())
		if !ok && d.err == nil {
			d.err = fmt.Errorf("unknown mode")
		}
		fp.modes = append(fp.modes, m)
	}
	nv := d.u32()
	if uint64(nv) > uint64(len(d.b)) {
		return nil, bad("header: %d data versions", nv)
	}
	for range nv {
		k := d.str()
		fp.versions = append(fp.versions, [2]string{k, d.str()})
	}
	for _, dg := range []*snapDigest{&fp.cells, &fp.facs, &fp.roads} {
		dg.n = d.u64()
		copy(dg.sum[:], d.bytes(32))
	}
	nnets := int(d.u8())
	if d.err != nil || len(d.b) != 0 {
		return nil, bad("header: malformed (%v, %d bytes left)", d.err, len(d.b))
	}
	if nnets > len(layers.Modes()) {
		return nil, bad("header: %d networks", nnets)
	}
	if onHeader != nil {
		onHeader(fp)
	}
	out := &snapshotData{fp: fp}
	if _, err := io.ReadFull(br, b8[:]); err != nil {
		return nil, short("centre block", err)
	}
	clen := binary.LittleEndian.Uint64(b8[:])
	if clen < 4 || (clen-4)%snapCentreBytes != 0 || (clen-4)/snapCentreBytes > math.MaxUint32 {
		return nil, bad("centre block of %d bytes", clen)
	}
	centres, err := readBytes(br, clen)
	if err != nil {
		return nil, short("centre block", err)
	}
	if _, err := io.ReadFull(br, b8[:4]); err != nil {
		return nil, short("centre block checksum", err)
	}
	if got, want := binary.LittleEndian.Uint32(b8[:4]), crc32.Checksum(centres, tab); got != want {
		return nil, bad("centre block checksum %08x, computed %08x", got, want)
	}
	if n := binary.LittleEndian.Uint32(centres); uint64(n)*snapCentreBytes != clen-4 {
		return nil, bad("centre block: %d cells in %d bytes", n, clen-4)
	}
	out.centres = centres[4:]
	if onCentres != nil {
		onCentres(out.centres)
	}
	for i := range nnets {
		var b2 [2]byte
		if _, err := io.ReadFull(br, b2[:]); err != nil {
			return nil, short(fmt.Sprintf("network %d", i), err)
		}
		name := make([]byte, binary.LittleEndian.Uint16(b2[:]))
		if _, err := io.ReadFull(br, name); err != nil {
			return nil, short(fmt.Sprintf("network %d", i), err)
		}
		mode, ok := layers.ParseMode(string(name))
		if !ok {
			return nil, bad("network %d: mode %q", i, name)
		}
		for _, sn := range out.nets {
			if sn.mode == mode {
				return nil, bad("network %d: mode %s twice", i, mode)
			}
		}
		if _, err := io.ReadFull(br, b8[:]); err != nil {
			return nil, short(fmt.Sprintf("%s network", mode), err)
		}
		size := binary.LittleEndian.Uint64(b8[:])
		cr := &crcReader{r: &io.LimitedReader{R: br, N: int64(min(size, 1<<50))}, tab: tab}
		n, err := network.ReadFrom(cr)
		if err != nil {
			if errors.Is(err, errSnapshotStopped) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s network: %w", ErrSnapshot, mode, err)
		}
		// network.ReadFrom buffers: drain what it left of the section so
		// that the checksum covers every byte.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return nil, short(fmt.Sprintf("%s network", mode), err)
		}
		if lr := cr.r.(*io.LimitedReader); lr.N != 0 {
			return nil, bad("%s network: truncated (%d of %d bytes missing)", mode, lr.N, size)
		}
		if n.Mode() != mode {
			return nil, bad("network section %s holds a %s network", mode, n.Mode())
		}
		if _, err := io.ReadFull(br, b8[:4]); err != nil {
			return nil, short(fmt.Sprintf("%s network checksum", mode), err)
		}
		if got := binary.LittleEndian.Uint32(b8[:4]); got != cr.crc {
			return nil, bad("%s network checksum %08x, computed %08x", mode, got, cr.crc)
		}
		if _, err := io.ReadFull(br, b8[:]); err != nil {
			return nil, short(fmt.Sprintf("%s index", mode), err)
		}
		blen := binary.LittleEndian.Uint64(b8[:])
		// At most 1 + 4 sources per cell and facility; 2^32 of them.
		if blen > 12+1<<29+(1<<32)*(1+4*snapSourceBytes) {
			return nil, bad("%s index of %d bytes", mode, blen)
		}
		block, err := readBytes(br, blen)
		if err != nil {
			return nil, short(fmt.Sprintf("%s index", mode), err)
		}
		if _, err := io.ReadFull(br, b8[:4]); err != nil {
			return nil, short(fmt.Sprintf("%s index checksum", mode), err)
		}
		if got, want := binary.LittleEndian.Uint32(b8[:4]), crc32.Checksum(block, tab); got != want {
			return nil, bad("%s index checksum %08x, computed %08x", mode, got, want)
		}
		sn, err := decodeIndex(block, n)
		if err != nil {
			return nil, bad("%s index: %v", mode, err)
		}
		sn.mode = mode
		out.nets = append(out.nets, sn)
	}
	if _, err := io.ReadFull(br, b8[:]); err != nil {
		return nil, short("end marker", err)
	}
	if string(b8[:]) != snapEndMagic {
		return nil, bad("end marker %q, want %q", b8[:], snapEndMagic)
	}
	return out, nil
}

// readBytes reads exactly n bytes, growing the buffer as data arrive so
// that a corrupt length cannot make it allocate more than the input holds
// plus one chunk.
func readBytes(r io.Reader, n uint64) ([]byte, error) {
	const chunk = 1 << 24
	buf := make([]byte, 0, min(n, chunk))
	for uint64(len(buf)) < n {
		k := int(min(n-uint64(len(buf)), chunk))
		buf = slices.Grow(buf, k)
		if _, err := io.ReadFull(r, buf[len(buf):len(buf)+k]); err != nil {
			return nil, err
		}
		buf = buf[:len(buf)+k]
	}
	return buf, nil
}

// decodeIndex decodes an index block (see the layout) for network n.
func decodeIndex(block []byte, n *network.Network) (*snapshotNet, error) {
	d := &decoder{b: block}
	edges := int(d.u32())
	if d.err == nil && edges != n.Graph().NumEdges() {
		return nil, fmt.Errorf("%d edges, network has %d", edges, n.Graph().NumEdges())
	}
	bits := d.bytes((edges + 7) / 8)
	ncells := int(d.u32())
	ccount := d.bytes(ncells)
	nfacs := int(d.u32())
	fcount := d.bytes(nfacs)
	if d.err != nil {
		return nil, d.err
	}
	sn := &snapshotNet{n: n, exit: make([]bool, edges),
		cellOut: make([][]route.Source, ncells), cellIn: make([][]route.Source, ncells),
		facIn: make([][]route.Source, nfacs), facSnap: make([]bool, nfacs)}
	for ed := range sn.exit {
		sn.exit[ed] = bits[ed/8]&(1<<(ed%8)) != 0
	}
	total := 0
	for ci, c := range ccount {
		nout, nin := int(c&3), int(c>>2)
		if nout > 2 || nin > 2 {
			return nil, fmt.Errorf("cell %d: count byte %#x", ci, c)
		}
		total += nout + nin
	}
	for fi, c := range fcount {
		nin := int(c &^ 0x80)
		if nin > 2 || (nin > 0) != (c&0x80 != 0) {
			return nil, fmt.Errorf("facility %d: count byte %#x", fi, c)
		}
		total += nin
	}
	if len(d.b) != total*snapSourceBytes {
		return nil, fmt.Errorf("%d bytes of sources, counts say %d", len(d.b), total*snapSourceBytes)
	}
	// One backing array for every source; each cell's and facility's
	// slices are capped views of it.
	all := make([]route.Source, total)
	nodes := uint32(n.Graph().NumNodes())
	src := d.b
	decode := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			b := src[i*snapSourceBytes:]
			v := binary.LittleEndian.Uint32(b)
			m := math.Float32frombits(binary.LittleEndian.Uint32(b[8:]))
			if v >= nodes || !(m >= 0) || math.IsInf(float64(m), 0) {
				return fmt.Errorf("source %d: node %d (network has %d), %v m", i, v, nodes, m)
			}
			all[i] = route.Source{Node: graph.NodeID(v), Offset: graph.Cost(binary.LittleEndian.Uint32(b[4:])), Meters: m}
		}
		return nil
	}
	// Two halves in parallel (each writes only its own part of all).
	var errs [2]error
	var wg sync.WaitGroup
	half := total / 2
	wg.Go(func() { errs[0] = decode(0, half) })
	errs[1] = decode(half, total)
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return nil, err
	}
	at := 0
	take := func(k int) []route.Source {
		s := all[at : at+k : at+k]
		at += k
		if k == 0 {
			return nil
		}
		return s
	}
	for ci, c := range ccount {
		sn.cellOut[ci] = take(int(c & 3))
		sn.cellIn[ci] = take(int(c >> 2))
	}
	for fi, c := range fcount {
		sn.facIn[fi] = take(int(c &^ 0x80))
		sn.facSnap[fi] = c&0x80 != 0
	}
	return sn, nil
}

// decoder reads fields from a byte slice, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) bytes(k int) []byte {
	if d.err != nil {
		return nil
	}
	if k < 0 || k > len(d.b) {
		d.err = fmt.Errorf("want %d bytes, %d left", k, len(d.b))
		return nil
	}
	out := d.b[:k]
	d.b = d.b[k:]
	return out
}

func (d *decoder) u8() uint8 {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) str() string {
	b := d.bytes(2)
	if b == nil {
		return ""
	}
	return string(d.bytes(int(binary.LittleEndian.Uint16(b))))
}

// networksFromSnapshot is the snapshot branch of Build's network step:
// it takes the digest of the road layer hashed by p (the segments are
// read again when a road scenario needs them), checks
// the snapshot's fingerprint against the layers and options, and takes
// the networks and the snapping of cells and facilities from it.
func (e *Engine) networksFromSnapshot(ctx context.Context, p *pendingSnapshot) error {
	// the digests of the layers Build has read, while the roads may still
	// be read and hashed
	cells, facs := e.cellsDigest(), e.facilitiesDigest()
	select {
	case <-p.roadsDone:
	case <-ctx.Done():
		return fmt.Errorf("analysis: build: %w", ctx.Err())
	}
	if p.roadsErr != nil {
		return p.roadsErr
	}
	roads := p.roadsSum
	e.roadsSum = &roads
	select {
	case <-p.header:
	case <-p.done:
		select {
		case <-p.header:
		default:
			return fmt.Errorf("analysis: build: snapshot: %w", p.err)
		}
	case <-ctx.Done():
		return fmt.Errorf("analysis: build: %w", ctx.Err())
	}
	fp := p.fp
	want := e.fingerprintOf(cells, facs, p.roadsSum)
	if err := fp.mismatch(want); err != nil {
		return fmt.Errorf("analysis: build: %w", err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return fmt.Errorf("analysis: build: %w", ctx.Err())
	}
	if p.err != nil {
		return fmt.Errorf("analysis: build: snapshot: %w", p.err)
	}
	for _, sn := range p.data.nets {
		if !slices.Contains(e.opts.Modes, sn.mode) {
			return fmt.Errorf("analysis: build: %w: network of mode %s, options ask for %v", ErrSnapshotMismatch, sn.mode, e.opts.Modes)
		}
		if len(sn.cellOut) != len(e.cells) || len(sn.facIn) != len(e.facs) {
			return fmt.Errorf("analysis: build: %w: %s index holds %d cells and %d facilities, layers have %d and %d",
				ErrSnapshot, sn.mode, len(sn.cellOut), len(sn.facIn), len(e.cells), len(e.facs))
		}
		e.nets[sn.mode] = sn.mn
	}
	e.networkStats()
	return nil
}
