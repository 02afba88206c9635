package analysis

// The reader of the engine snapshot (decoded in the background while Build
// reads the layers) and its use by Build; the layout is in
// snapshot_format.go.

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/geo/grid"
	"reach/geo/snapshotio"
	"reach/internal/network"
	"reach/layers"
)

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
	if block == nil || len(block) != n*snapshotCentreBytes {
		return false
	}
	at := func(k int) (ll, utm orb.Point) {
		b := block[k*snapshotCentreBytes:]
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

// snapshotData is a decoded snapshot, not yet checked against the layers.
type snapshotData struct {
	fp snapshotFingerprint
	// centres is the centre block without its count: snapshotCentreBytes per
	// populated cell.
	centres []byte
	nets    []*modeNet
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

// pendingSnapshot is a snapshot being decoded in the background while
// Build reads the layers, and the road layer being read and hashed (not
// kept) in a second goroutine (both independent of the cells and the
// classification, which Build computes meanwhile).
type pendingSnapshot struct {
	stop    atomic.Bool
	header  chan struct{} // closed when fp is set
	fp      snapshotFingerprint
	centred chan struct{} // closed when centres is set or the decode ended
	centres []byte        // the centre block without its count
	done    chan struct{} // closed when data or err is set
	data    *snapshotData
	err     error

	roadsDone chan struct{} // closed when roadsSum or roadsErr is set
	roadsSum  layerDigest
	roadsErr  error
}

// startSnapshot starts decoding snap and reading the roads of r.
func startSnapshot(ctx context.Context, snap io.Reader, r layers.Reader) *pendingSnapshot {
	p := &pendingSnapshot{header: make(chan struct{}), centred: make(chan struct{}), done: make(chan struct{}), roadsDone: make(chan struct{})}
	go func() {
		defer close(p.done)
		centred := false
		p.data, p.err = decodeSnapshot(stopReader{r: snap, stop: &p.stop}, func(fp snapshotFingerprint) {
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
func readSnapshot(r io.Reader, onHeader func(snapshotFingerprint)) (*snapshotData, error) {
	return decodeSnapshot(r, onHeader, nil)
}

// decodeSnapshot is readSnapshot, also calling onCentres with the centre
// block (without its count) as soon as it is read and checked (nil: no
// call).
func decodeSnapshot(r io.Reader, onHeader func(snapshotFingerprint), onCentres func([]byte)) (*snapshotData, error) {
	sr := snapshotio.NewReader(bufio.NewReaderSize(r, 1<<20))
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	// short names the part whose read failed: a truncated file or a
	// checksum that does not match is a damaged snapshot, anything else
	// an error of the reader.
	short := func(what string, err error) error {
		switch {
		case errors.Is(err, snapshotio.ErrChecksum):
			return bad("%s: %v", what, err)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return bad("truncated in %s", what)
		}
		return fmt.Errorf("analysis: read snapshot %s: %w", what, err)
	}
	placesErr := func(what string, err error) error {
		if errors.Is(err, network.ErrPlaces) {
			return fmt.Errorf("%w: %s: %w", ErrSnapshot, what, err)
		}
		return short(what, err)
	}
	var b8 [8]byte
	if err := sr.Full(b8[:]); err != nil {
		return nil, short("magic", err)
	}
	if string(b8[:]) != snapshotMagic {
		if string(b8[:7]) == snapshotMagic[:7] {
			return nil, bad("format %q written by an earlier version of reach, this one reads %q (the snapshot is rebuilt from the layers)", b8[:], snapshotMagic)
		}
		return nil, bad("magic %q, want %q", b8[:], snapshotMagic)
	}
	hlen, err := sr.U32()
	if err != nil {
		return nil, short("header", err)
	}
	if hlen > snapshotMaxHeader {
		return nil, bad("header of %d bytes", hlen)
	}
	sr.Begin()
	head, err := sr.Bytes(uint64(hlen))
	if err == nil {
		err = sr.End()
	}
	if err != nil {
		return nil, short("header", err)
	}
	d := &snapshotio.Fields{B: head}
	var fp snapshotFingerprint
	fp.version = d.Str()
	fp.radius = d.F64()
	nm := int(d.U8())
	for range nm {
		m, ok := layers.ParseMode(d.Str())
		if !ok && d.Err == nil {
			d.Err = fmt.Errorf("unknown mode")
		}
		fp.modes = append(fp.modes, m)
	}
	nv := d.U32()
	if uint64(nv) > uint64(len(d.B)) {
		return nil, bad("header: %d data versions", nv)
	}
	for range nv {
		k := d.Str()
		fp.versions = append(fp.versions, [2]string{k, d.Str()})
	}
	for _, dg := range []*layerDigest{&fp.cells, &fp.facs, &fp.roads} {
		dg.n = d.U64()
		copy(dg.sum[:], d.Bytes(32))
	}
	nnets := int(d.U8())
	if d.Err != nil || len(d.B) != 0 {
		return nil, bad("header: malformed (%v, %d bytes left)", d.Err, len(d.B))
	}
	if nnets > len(layers.Modes()) {
		return nil, bad("header: %d networks", nnets)
	}
	if onHeader != nil {
		onHeader(fp)
	}
	out := &snapshotData{fp: fp}
	clen, err := sr.U64()
	if err != nil {
		return nil, short("centre block", err)
	}
	if clen < 4 || (clen-4)%snapshotCentreBytes != 0 || (clen-4)/snapshotCentreBytes > math.MaxUint32 {
		return nil, bad("centre block of %d bytes", clen)
	}
	sr.Begin()
	centres, err := sr.Bytes(clen)
	if err == nil {
		err = sr.End()
	}
	if err != nil {
		return nil, short("centre block", err)
	}
	if n := binary.LittleEndian.Uint32(centres); uint64(n)*snapshotCentreBytes != clen-4 {
		return nil, bad("centre block: %d cells in %d bytes", n, clen-4)
	}
	out.centres = centres[4:]
	if onCentres != nil {
		onCentres(out.centres)
	}
	for i := range nnets {
		var b2 [2]byte
		if err := sr.Full(b2[:]); err != nil {
			return nil, short(fmt.Sprintf("network %d", i), err)
		}
		name := make([]byte, binary.LittleEndian.Uint16(b2[:]))
		if err := sr.Full(name); err != nil {
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
		size, err := sr.U64()
		if err != nil {
			return nil, short(fmt.Sprintf("%s network", mode), err)
		}
		sr.Begin()
		lr := &io.LimitedReader{R: sr, N: int64(min(size, 1<<50))}
		n, err := network.ReadFrom(lr)
		if err != nil {
			if errors.Is(err, errSnapshotStopped) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s network: %w", ErrSnapshot, mode, err)
		}
		// network.ReadFrom buffers: drain what it left of the section so
		// that the checksum covers every byte.
		if _, err := io.Copy(io.Discard, lr); err != nil {
			return nil, short(fmt.Sprintf("%s network", mode), err)
		}
		if lr.N != 0 {
			return nil, bad("%s network: truncated (%d of %d bytes missing)", mode, lr.N, size)
		}
		if n.Mode() != mode {
			return nil, bad("network section %s holds a %s network", mode, n.Mode())
		}
		if err := sr.End(); err != nil {
			return nil, short(fmt.Sprintf("%s network", mode), err)
		}
		cells, err := network.ReadPlaces(sr, n)
		if err != nil {
			return nil, placesErr(fmt.Sprintf("%s cells", mode), err)
		}
		facs, err := network.ReadPlaces(sr, n)
		if err != nil {
			return nil, placesErr(fmt.Sprintf("%s facilities", mode), err)
		}
		sn := &modeNet{mode: mode, n: n, cells: cells, facs: facs}
		out.nets = append(out.nets, sn)
	}
	if err := sr.Full(b8[:]); err != nil {
		return nil, short("end marker", err)
	}
	if string(b8[:]) != snapshotEndMagic {
		return nil, bad("end marker %q, want %q", b8[:], snapshotEndMagic)
	}
	return out, nil
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
		if sn.cells.Len() != len(e.cells) || sn.facs.Len() != len(e.facs) {
			return fmt.Errorf("analysis: build: %w: %s network holds %d cells and %d facilities, layers have %d and %d",
				ErrSnapshot, sn.mode, sn.cells.Len(), sn.facs.Len(), len(e.cells), len(e.facs))
		}
		e.nets[sn.mode] = sn
	}
	e.networkStats()
	return nil
}
