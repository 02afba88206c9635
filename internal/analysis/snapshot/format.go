// Package snapshot is the file format of the engine snapshot: the
// expensive derived parts of an engine (the network of every mode and
// where every populated cell and every facility meets it) stored so that a
// cold start reads them instead of building the networks from the road
// layer and snapping about 400,000 cells; and the fingerprint of the
// layers and options they were derived from (format.go), its writer
// (writer.go) and its reader (reader.go: a decode in the background while
// the engine reads the layers). It knows networks and places, not the
// engine: internal/analysis fills and takes its parts.
package snapshot

// Layout (little endian throughout):
//
//	magic "REACHES9"
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
//	u8 1 when the timetable follows, else 0; then u64 length of the
//	  timetable block, the block (transit.go), u32 CRC-32C of it
//	magic "REACHEND"
//
// Snapshots of the earlier formats (REACHES8 and before) are refused with
// that reason; the engine is then built from the layers and the snapshot
// written anew. Every section is checksummed by geo/snapshotio.
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
	// Magic opens a snapshot of this format.
	Magic    = "REACHES9"
	endMagic = "REACHEND"
	// CentreBytes is the size of one cell centre in the centre block.
	CentreBytes = 32
	// maxHeader bounds the header read before its checksum is known.
	maxHeader = 1 << 20
)

// ErrInvalid is wrapped by the errors of a snapshot that cannot be read:
// wrong magic, truncated, a checksum that does not match, a value out of
// range.
var ErrInvalid = errors.New("snapshot: invalid engine snapshot")

// ErrMismatch is wrapped by the errors of a well-formed snapshot that was
// made from other layers or other options than the engine it is given to
// (data versions, cells, facilities, roads, snap radius, modes or engine
// version differ). Such a snapshot is never used.
var ErrMismatch = errors.New("snapshot: engine snapshot does not match the layers")

// Fingerprint identifies what a snapshot was derived from.
type Fingerprint struct {
	Version string  // engine version
	Radius  float64 // snap radius in metres
	Modes   []layers.Mode
	// Versions are the data versions of the layers, sorted by layer name.
	Versions [][2]string
	Cells    Digest // the populated cells: id and centre
	Facs     Digest // the facilities: id, category, location
	Roads    Digest // the road segments (Hasher.Road)
}

// NewFingerprint returns the fingerprint of an engine of version with
// radius and modes, built from layers with the data versions given and
// the digests of its cells, facilities and roads.
func NewFingerprint(version string, radius float64, modes []layers.Mode, versions map[string]string, cells, facs, roads Digest) Fingerprint {
	fp := Fingerprint{Version: version, Radius: radius, Modes: slices.Clone(modes), Cells: cells, Facs: facs, Roads: roads}
	for k, v := range versions {
		fp.Versions = append(fp.Versions, [2]string{k, v})
	}
	sort.Slice(fp.Versions, func(i, j int) bool { return fp.Versions[i][0] < fp.Versions[j][0] })
	return fp
}

// Digest is the count and SHA-256 of one layer's records.
type Digest struct {
	N   uint64
	Sum [32]byte
}

// Hasher feeds the fields of records into a hash through a buffer (one
// hash call per 64 KiB rather than per field).
type Hasher struct {
	h   hash.Hash
	buf []byte
}

func newHasher() *Hasher {
	return &Hasher{h: sha256.New(), buf: make([]byte, 0, 1<<16)}
}

func (w *Hasher) room(k int) {
	if len(w.buf)+k > cap(w.buf) {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

// Str adds a string, prefixed with its length.
func (w *Hasher) Str(s string) {
	w.room(binary.MaxVarintLen64)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
	for len(s) > 0 {
		w.room(1)
		k := min(len(s), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, s[:k]...)
		s = s[k:]
	}
}

// Point adds a point.
func (w *Hasher) Point(p orb.Point) {
	w.room(16)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(p[0]))
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(p[1]))
}

// sum returns the hash of everything added and starts afresh.
func (w *Hasher) sum() [32]byte {
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

// PartHasher hashes records one after another as they arrive.
type PartHasher struct {
	w     *Hasher
	parts hash.Hash
	n     int
}

// NewPartHasher returns a hasher of a layer's records.
func NewPartHasher() *PartHasher {
	return &PartHasher{w: newHasher(), parts: sha256.New()}
}

// Record returns the writer for the next record.
func (p *PartHasher) Record() *Hasher {
	if p.n > 0 && p.n%digestPart == 0 {
		sum := p.w.sum()
		p.parts.Write(sum[:])
	}
	p.n++
	return p.w
}

// Digest returns the digest of the records so far (the hasher is done).
func (p *PartHasher) Digest() Digest {
	if p.n > 0 {
		sum := p.w.sum()
		p.parts.Write(sum[:])
	}
	d := Digest{N: uint64(p.n)}
	p.parts.Sum(d.Sum[:0])
	return d
}

// DigestOf returns the digest of n records, add(w, i) adding record i to
// w, with the parts hashed by up to GOMAXPROCS goroutines. It equals the
// digest of a PartHasher fed the same records in order.
func DigestOf(n int, add func(w *Hasher, i int)) Digest {
	sums := make([][32]byte, (n+digestPart-1)/digestPart)
	var next atomic.Int64
	work := func() {
		w := newHasher()
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
	d := Digest{N: uint64(n)}
	parts.Sum(d.Sum[:0])
	return d
}

// RoadsDigest hashes what the networks are built from, segment by
// segment in layer order (see Hasher.Road).
func RoadsDigest(roads []layers.RoadSegment) Digest {
	return DigestOf(len(roads), func(w *Hasher, i int) { w.Road(&roads[i]) })
}

// roadModes are the modes whose access a road's hash covers.
var roadModes = layers.Modes()

// Road adds one road segment to the hash: its id, end nodes, class,
// length, duration, access of every mode and geometry; strings and the
// geometry prefixed with their lengths, the access directions of a mode in
// one byte.
func (w *Hasher) Road(s *layers.RoadSegment) {
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

// Mismatch compares the fingerprint of a snapshot (fp) with that of the
// layers (want) and returns an error wrapping ErrMismatch that names the
// first difference, or nil.
func (fp Fingerprint) Mismatch(want Fingerprint) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrMismatch, fmt.Sprintf(format, a...))
	}
	if fp.Version != want.Version {
		return fail("engine version: snapshot %q, engine %q", fp.Version, want.Version)
	}
	if fp.Radius != want.Radius {
		return fail("snap radius: snapshot %g m, options %g m", fp.Radius, want.Radius)
	}
	if !slices.Equal(fp.Modes, want.Modes) {
		return fail("modes: snapshot %v, options %v", fp.Modes, want.Modes)
	}
	have := map[string]string{}
	for _, kv := range fp.Versions {
		have[kv[0]] = kv[1]
	}
	for _, kv := range want.Versions {
		v, ok := have[kv[0]]
		if !ok {
			return fail("data version of layer %q: absent from the snapshot, layers have %q", kv[0], kv[1])
		}
		if v != kv[1] {
			return fail("data version of layer %q: snapshot %q, layers %q", kv[0], v, kv[1])
		}
		delete(have, kv[0])
	}
	for _, kv := range fp.Versions {
		if _, ok := have[kv[0]]; ok {
			return fail("data version of layer %q: snapshot %q, absent from the layers", kv[0], kv[1])
		}
	}
	for _, d := range []struct {
		name       string
		snap, have Digest
	}{{"populated cells", fp.Cells, want.Cells}, {"facilities", fp.Facs, want.Facs}, {"road segments", fp.Roads, want.Roads}} {
		if d.snap.N != d.have.N {
			return fail("%s: snapshot has %d, layers have %d", d.name, d.snap.N, d.have.N)
		}
		if d.snap.Sum != d.have.Sum {
			return fail("%s: same count (%d) but different content (sha256 %x… in the snapshot, %x… in the layers)", d.name, d.snap.N, d.snap.Sum[:6], d.have.Sum[:6])
		}
	}
	return nil
}

// Centres is the centre block of a snapshot without its count:
// CentreBytes per populated cell, in engine order.
type Centres []byte

// Len returns the number of centres in the block.
func (c Centres) Len() int { return len(c) / CentreBytes }

// At returns the centre of cell k in lon/lat and in EPSG:25833.
func (c Centres) At(k int) (lonlat, utm orb.Point) {
	b := c[k*CentreBytes:]
	f := func(j int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:])) }
	return orb.Point{f(0), f(1)}, orb.Point{f(2), f(3)}
}
