package analysis

// The engine snapshot, its format: the expensive derived parts of an
// engine (the network of every mode and where every populated cell and
// every facility meets it) stored so that a cold start reads them instead
// of building the networks from the road layer and snapping about 400,000
// cells. The writer is in snapshot_write.go, the reader in
// snapshot_read.go; every section is checksummed by geo/snapshotio.
//
// Layout (little endian throughout):
//
//	magic "REACHES8"
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
//	  the populated cells on it, in engine order, with departures and
//	    arrivals (network.Places.WriteTo, format REACHPL1, checksummed)
//	  the facilities on it, in engine order, with arrivals (the same)
//	magic "REACHEND"
//
// Snapshots of the earlier formats (REACHES7 and before) are refused with
// that reason; the engine is then built from the layers and the snapshot
// written anew.
//
// A string is a u16 length and the bytes.

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/layers"
)

const (
	snapshotMagic    = "REACHES8"
	snapshotEndMagic = "REACHEND"
	// snapshotCentreBytes is the size of one cell centre in the centre block.
	snapshotCentreBytes = 32
	// snapshotMaxHeader bounds the header read before its checksum is known.
	snapshotMaxHeader = 1 << 20
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

// snapshotFingerprint identifies what a snapshot was derived from.
type snapshotFingerprint struct {
	version  string
	radius   float64
	modes    []layers.Mode
	versions [][2]string // sorted by layer name
	cells    layerDigest
	facs     layerDigest
	roads    layerDigest
}

// layerDigest is the count and SHA-256 of one layer's records.
type layerDigest struct {
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
func (p *partHasher) digest() layerDigest {
	if p.n > 0 {
		sum := p.w.sum()
		p.parts.Write(sum[:])
	}
	d := layerDigest{n: uint64(p.n)}
	p.parts.Sum(d.sum[:0])
	return d
}

// digestOf returns the digest of n records, add(w, i) adding record i to
// w, with the parts hashed by up to GOMAXPROCS goroutines.
func digestOf(n int, add func(w *hashWriter, i int)) layerDigest {
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
	d := layerDigest{n: uint64(n)}
	parts.Sum(d.sum[:0])
	return d
}

// cellsDigest hashes the engine's populated cells in engine order: id and
// centre (EPSG:25833), the inputs of their snapping.
func (e *Engine) cellsDigest() layerDigest {
	return digestOf(len(e.cells), func(w *hashWriter, i int) {
		c := &e.cells[i]
		w.str(c.id)
		w.point(c.utm)
	})
}

// facilitiesDigest hashes the engine's facilities in engine order: id,
// category and location (EPSG:25833).
func (e *Engine) facilitiesDigest() layerDigest {
	return digestOf(len(e.facs), func(w *hashWriter, i int) {
		f := &e.facs[i]
		w.str(f.ID)
		w.str(string(f.Category))
		w.point(f.Location)
	})
}

// roadsDigest hashes what the networks are built from, segment by
// segment in layer order (see hashWriter.road).
func roadsDigest(roads []layers.RoadSegment) layerDigest {
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
func (e *Engine) fingerprintOf(cells, facs, roads layerDigest) snapshotFingerprint {
	fp := snapshotFingerprint{version: Version, radius: e.opts.SnapRadiusM, modes: slices.Clone(e.opts.Modes), cells: cells, facs: facs, roads: roads}
	for k, v := range e.info.Versions {
		fp.versions = append(fp.versions, [2]string{k, v})
	}
	sort.Slice(fp.versions, func(i, j int) bool { return fp.versions[i][0] < fp.versions[j][0] })
	return fp
}

// mismatch compares the fingerprint of a snapshot (fp) with that of the
// layers (want) and returns an error naming the first difference, or nil.
func (fp snapshotFingerprint) mismatch(want snapshotFingerprint) error {
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
		snap, have layerDigest
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
