package network

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/geo/snapshotio"
)

// Legs says which legs of its places a Places keeps.
type Legs uint8

const (
	// Departures: how each place leaves onto the network (for searches
	// on the reverse graph towards facilities, and forward searches from
	// the place).
	Departures Legs = 1 << iota
	// Arrivals: how each place is reached from the network.
	Arrivals
)

// Places are many points (the populated cells, the facilities) where they
// meet one network, snapped once: per place its departures and arrivals
// (those Legs keeps; nil when not snapped or not kept) and whether it was
// snapped; with departures kept, the places indexed by the node they leave
// through, so that a search that settles few nodes touches only their
// places. Immutable once made and safe for concurrent use.
type Places struct {
	legs    Legs
	nodes   int // of the network
	out, in [][]route.Source
	snapped []bool
	// first and byNode list, per node, the places that leave through it
	// (CSR: byNode[first[v]:first[v+1]]); nil without departures.
	first  []uint32
	byNode []int32
}

// SnapPlaces snaps every point (EPSG:25833) to n within its snap radius,
// in parallel, and keeps the legs asked for.
func (n *Network) SnapPlaces(pts []orb.Point, legs Legs) *Places {
	p := &Places{legs: legs, nodes: n.Graph().NumNodes(), snapped: make([]bool, len(pts))}
	if legs&Departures != 0 {
		p.out = make([][]route.Source, len(pts))
	}
	if legs&Arrivals != 0 {
		p.in = make([][]route.Source, len(pts))
	}
	// Snapping is most of the work and the network is safe for concurrent
	// use: the points are snapped in contiguous chunks, one per
	// processor, each goroutine writing only its own places' entries.
	workers := max(1, min(runtime.GOMAXPROCS(0), len(pts)/4096))
	chunk := (len(pts) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min(len(pts), (w+1)*chunk)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				s := n.Snap(pts[i])
				if !s.Snapped {
					continue
				}
				p.snapped[i] = true
				if p.out != nil {
					p.out[i] = append([]route.Source(nil), s.Departures()...)
				}
				if p.in != nil {
					p.in[i] = append([]route.Source(nil), s.Arrivals()...)
				}
			}
		})
	}
	wg.Wait()
	p.index()
	return p
}

// Len returns the number of places.
func (p *Places) Len() int { return len(p.snapped) }

// Snapped reports whether place i was snapped.
func (p *Places) Snapped(i int) bool { return p.snapped[i] }

// Departures returns how place i leaves onto the network (nil when not
// snapped or when departures are not kept).
func (p *Places) Departures(i int) []route.Source {
	if p.out == nil {
		return nil
	}
	return p.out[i]
}

// Arrivals returns how place i is reached from the network (nil when not
// snapped or when arrivals are not kept).
func (p *Places) Arrivals(i int) []route.Source {
	if p.in == nil {
		return nil
	}
	return p.in[i]
}

// AllDepartures returns the departures of every place, indexed like the
// places (nil when not kept). The slice is shared: do not modify it.
func (p *Places) AllDepartures() [][]route.Source { return p.out }

// AllArrivals returns the arrivals of every place, indexed like the
// places (nil when not kept). The slice is shared: do not modify it.
func (p *Places) AllArrivals() [][]route.Source { return p.in }

// At returns the places that leave onto the network at node v (none when
// departures are not kept).
func (p *Places) At(v graph.NodeID) []int32 {
	if p.first == nil {
		return nil
	}
	return p.byNode[p.first[v]:p.first[v+1]]
}

// index builds first and byNode from the departures.
func (p *Places) index() {
	if p.out == nil {
		return
	}
	nodes := p.nodes
	counts := make([]uint32, nodes+1)
	for _, out := range p.out {
		for _, d := range out {
			counts[d.Node+1]++
		}
	}
	for v := 0; v < nodes; v++ {
		counts[v+1] += counts[v]
	}
	p.first = counts
	p.byNode = make([]int32, counts[nodes])
	next := append([]uint32(nil), counts[:nodes]...)
	for i, out := range p.out {
		for _, d := range out {
			p.byNode[next[d.Node]] = int32(i)
			next[d.Node]++
		}
	}
}

// Places snapshot layout (little endian):
//
//	magic "REACHPL1"
//	u8 legs, u32 places, u32 nodes of the network
//	u64 length of the body, the body, u32 CRC-32C of the body
//	  body: per place two count bytes (departures | 0x80 when snapped,
//	  arrivals), then the legs in place order (per place its departures,
//	  then its arrivals), 12 bytes each: u32 node, u32 offset (ms),
//	  f32 metres
const placesMagic = "REACHPL1"

// placeSourceBytes is the size of one encoded route.Source.
const placeSourceBytes = 12

// ErrPlaces is wrapped by ReadPlaces's errors about a malformed snapshot.
var ErrPlaces = errors.New("network: invalid places snapshot")

// WriteTo writes the places to w (see the layout above) for ReadPlaces.
// It returns the bytes written.
func (p *Places) WriteTo(w io.Writer) (int64, error) {
	total := 0
	for i := range p.snapped {
		nout, nin := len(p.Departures(i)), len(p.Arrivals(i))
		if nout > 127 || nin > 255 {
			return 0, fmt.Errorf("network: write places: place %d has %d departures and %d arrivals, the format holds 127 and 255", i, nout, nin)
		}
		total += nout + nin
	}
	body := make([]byte, 0, 2*len(p.snapped)+total*placeSourceBytes)
	for i, ok := range p.snapped {
		b := byte(len(p.Departures(i)))
		if ok {
			b |= 0x80
		}
		body = append(body, b, byte(len(p.Arrivals(i))))
	}
	put := func(ss []route.Source) {
		for _, s := range ss {
			body = le.AppendUint32(body, uint32(s.Node))
			body = le.AppendUint32(body, uint32(s.Offset))
			body = le.AppendUint32(body, math.Float32bits(s.Meters))
		}
	}
	for i := range p.snapped {
		put(p.Departures(i))
		put(p.Arrivals(i))
	}
	sw := snapshotio.NewWriter(w)
	sw.Write([]byte(placesMagic))
	sw.U8(uint8(p.legs))
	sw.U32(uint32(len(p.snapped)))
	sw.U32(uint32(p.nodes))
	sw.U64(uint64(len(body)))
	sw.Begin()
	sw.Write(body)
	sw.End()
	if err := sw.Err(); err != nil {
		return sw.N(), fmt.Errorf("network: write places: %w", err)
	}
	return sw.N(), nil
}

// ReadPlaces reads places written by Places.WriteTo for network n,
// reading no byte beyond them. It checks the checksum, the counts and that
// every node lies in n's graph. Errors about the content wrap ErrPlaces.
func ReadPlaces(r io.Reader, n *Network) (*Places, error) {
	fail := func(format string, a ...any) (*Places, error) {
		return nil, fmt.Errorf("%w: %s", ErrPlaces, fmt.Sprintf(format, a...))
	}
	sr := snapshotio.NewReader(r)
	var head [len(placesMagic) + 1 + 4 + 4 + 8]byte
	if err := sr.Full(head[:]); err != nil {
		return nil, fmt.Errorf("network: read places: %w", err)
	}
	if string(head[:len(placesMagic)]) != placesMagic {
		return fail("magic %q, want %q", head[:len(placesMagic)], placesMagic)
	}
	h := head[len(placesMagic):]
	legs := Legs(h[0])
	count := le.Uint32(h[1:])
	nodes := le.Uint32(h[5:])
	size := le.Uint64(h[9:])
	g := n.Graph()
	if legs&^(Departures|Arrivals) != 0 {
		return fail("legs %#x", legs)
	}
	if int(nodes) != g.NumNodes() {
		return fail("made for a network of %d nodes, this one has %d", nodes, g.NumNodes())
	}
	// At most 127 departures and 255 arrivals per place.
	if size < 2*uint64(count) || size > uint64(count)*(2+(127+255)*placeSourceBytes) {
		return fail("%d bytes for %d places", size, count)
	}
	sr.Begin()
	body, err := sr.Bytes(size)
	if err == nil {
		err = sr.End()
	}
	if errors.Is(err, snapshotio.ErrChecksum) {
		return fail("%v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("network: read places: %w", err)
	}
	p := &Places{legs: legs, nodes: int(nodes), snapped: make([]bool, count)}
	if legs&Departures != 0 {
		p.out = make([][]route.Source, count)
	}
	if legs&Arrivals != 0 {
		p.in = make([][]route.Source, count)
	}
	counts, src := body[:2*count], body[2*count:]
	total := 0
	for i := range int(count) {
		nout, nin := int(counts[2*i]&0x7f), int(counts[2*i+1])
		p.snapped[i] = counts[2*i]&0x80 != 0
		if (nout > 0 && p.out == nil) || (nin > 0 && p.in == nil) || (!p.snapped[i] && nout+nin > 0) {
			return fail("place %d: %d departures and %d arrivals (snapped %v, legs %#x)", i, nout, nin, p.snapped[i], legs)
		}
		total += nout + nin
	}
	if len(src) != total*placeSourceBytes {
		return fail("%d bytes of legs, the counts say %d", len(src), total*placeSourceBytes)
	}
	// One backing array for every leg; each place's slices are capped
	// views of it. Decoded in two halves in parallel (each writes only
	// its own part).
	all := make([]route.Source, total)
	decode := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			b := src[i*placeSourceBytes:]
			v := le.Uint32(b)
			m := math.Float32frombits(le.Uint32(b[8:]))
			if v >= nodes || !(m >= 0) || math.IsInf(float64(m), 0) {
				return fmt.Errorf("%w: leg %d: node %d (network has %d), %v m", ErrPlaces, i, v, nodes, m)
			}
			all[i] = route.Source{Node: graph.NodeID(v), Offset: graph.Cost(le.Uint32(b[4:])), Meters: m}
		}
		return nil
	}
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
		if k == 0 {
			return nil
		}
		s := all[at : at+k : at+k]
		at += k
		return s
	}
	for i := range int(count) {
		nout, nin := take(int(counts[2*i]&0x7f)), take(int(counts[2*i+1]))
		if p.out != nil {
			p.out[i] = nout
		}
		if p.in != nil {
			p.in[i] = nin
		}
	}
	p.index()
	return p, nil
}
