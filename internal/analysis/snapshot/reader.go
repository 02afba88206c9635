package snapshot

// The reader of the engine snapshot: the decoder, and its run in the
// background while the engine reads the layers (Start); the layout is in
// format.go.

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"sync/atomic"

	"reach/geo/snapshotio"
	"reach/internal/network"
	"reach/layers"
)

// Data is a decoded snapshot, not yet checked against the layers.
type Data struct {
	Fingerprint Fingerprint
	Centres     Centres
	Nets        []Net
	Transit     *layers.TransitFeed // nil when the snapshot carries no timetable
}

// Read decodes a whole snapshot from r, calling onHeader with the
// fingerprint as soon as the header is read (nil: no call). It checks the
// structure and every checksum, and that every node id lies within its
// network, but not the fingerprint. A damaged snapshot is an error
// wrapping ErrInvalid.
func Read(r io.Reader, onHeader func(Fingerprint)) (*Data, error) {
	return decode(r, onHeader, nil)
}

// errStopped ends a background decode that is no longer wanted.
var errStopped = errors.New("snapshot: read stopped")

// stopReader fails every Read once stop is set, so that a background
// decode ends soon after the engine gives up on it.
type stopReader struct {
	r    io.Reader
	stop *atomic.Bool
}

func (s stopReader) Read(p []byte) (int, error) {
	if s.stop.Load() {
		return 0, errStopped
	}
	return s.r.Read(p)
}

// RoadSource streams the road layer (a layers.Reader is one).
type RoadSource interface {
	Roads(ctx context.Context) iter.Seq2[layers.RoadSegment, error]
}

// Pending is a snapshot being decoded in the background while the engine
// reads the layers, and the road layer being read and hashed in a second
// goroutine (both independent of the cells and the classification, which
// the engine computes meanwhile). The segments are kept: the engine holds
// the road layer its networks were made from (road scenarios start from
// it), so that it needs no reader after Build.
type Pending struct {
	stop    atomic.Bool
	header  chan struct{} // closed when fp is set
	fp      Fingerprint
	centred chan struct{} // closed when centres is set or the decode ended
	centres Centres
	done    chan struct{} // closed when data or err is set
	data    *Data
	err     error

	roadsDone chan struct{} // closed when roads and roadsSum, or roadsErr, are set
	roads     []layers.RoadSegment
	roadsSum  Digest
	roadsErr  error
}

// Start starts decoding snap and hashing the roads of r. Close must be
// called once the results are taken or no longer wanted.
func Start(ctx context.Context, snap io.Reader, r RoadSource) *Pending {
	p := &Pending{header: make(chan struct{}), centred: make(chan struct{}), done: make(chan struct{}), roadsDone: make(chan struct{})}
	go func() {
		defer close(p.done)
		centred := false
		p.data, p.err = decode(stopReader{r: snap, stop: &p.stop}, func(fp Fingerprint) {
			p.fp = fp
			close(p.header)
		}, func(b Centres) {
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
		// The header, which comes first, sizes the layer: wait for it
		// (or for the decode to end without one).
		var n uint64
		select {
		case <-p.header:
			n = p.fp.Roads.N
		case <-p.done:
		}
		p.roads, p.roadsSum, p.roadsErr = ReadRoads(ctx, r, n, p.stop.Load)
	}()
	return p
}

// Centres waits for the centre block of the snapshot and returns it, or
// nil when the snapshot has none to give (damaged before it) or ctx ends
// first.
func (p *Pending) Centres(ctx context.Context) Centres {
	select {
	case <-p.centred:
		return p.centres
	case <-ctx.Done():
		return nil
	}
}

// Roads waits for the road layer and its digest.
func (p *Pending) Roads(ctx context.Context) ([]layers.RoadSegment, Digest, error) {
	select {
	case <-p.roadsDone:
	case <-ctx.Done():
		return nil, Digest{}, ctx.Err()
	}
	return p.roads, p.roadsSum, p.roadsErr
}

// Header waits for the fingerprint of the snapshot. An error is that of
// the decode (wrapping ErrInvalid for a damaged header) or of ctx.
func (p *Pending) Header(ctx context.Context) (Fingerprint, error) {
	select {
	case <-p.header:
	case <-p.done:
		select {
		case <-p.header:
		default:
			return Fingerprint{}, p.err
		}
	case <-ctx.Done():
		return Fingerprint{}, ctx.Err()
	}
	return p.fp, nil
}

// Data waits for the whole snapshot. An error is that of the decode or
// of ctx.
func (p *Pending) Data(ctx context.Context) (*Data, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p.data, p.err
}

// Close stops the decode and the road reading if they still run and waits
// for both, so that neither reader is used after Close returns.
func (p *Pending) Close() {
	p.stop.Store(true)
	<-p.done
	<-p.roadsDone
}

// ReadRoads reads the road layer of r and returns its segments and their
// digest (each segment hashed as it arrives); n, the number of segments
// expected, sizes the slice (a hint, never trusted beyond 2^26). It stops
// with an error once stop reports true.
func ReadRoads(ctx context.Context, r RoadSource, n uint64, stop func() bool) ([]layers.RoadSegment, Digest, error) {
	ph := NewPartHasher()
	roads := make([]layers.RoadSegment, 0, min(n, 1<<26))
	for seg, err := range r.Roads(ctx) {
		if err != nil {
			return nil, Digest{}, fmt.Errorf("roads: %w", err)
		}
		if stop() {
			return nil, Digest{}, errStopped
		}
		roads = append(roads, seg)
		ph.Record().Road(&roads[len(roads)-1])
	}
	return roads, ph.Digest(), nil
}

// decode is Read, also calling onCentres with the centre block (without
// its count) as soon as it is read and checked (nil: no call).
func decode(r io.Reader, onHeader func(Fingerprint), onCentres func(Centres)) (*Data, error) {
	sr := snapshotio.NewReader(bufio.NewReaderSize(r, 1<<20))
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
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
		return fmt.Errorf("snapshot: read %s: %w", what, err)
	}
	placesErr := func(what string, err error) error {
		if errors.Is(err, network.ErrPlaces) {
			return fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
		}
		return short(what, err)
	}
	var b8 [8]byte
	if err := sr.Full(b8[:]); err != nil {
		return nil, short("magic", err)
	}
	if string(b8[:]) != Magic {
		if string(b8[:7]) == Magic[:7] {
			return nil, bad("format %q written by an earlier version of reach, this one reads %q (the snapshot is rebuilt from the layers)", b8[:], Magic)
		}
		return nil, bad("magic %q, want %q", b8[:], Magic)
	}
	hlen, err := sr.U32()
	if err != nil {
		return nil, short("header", err)
	}
	if hlen > maxHeader {
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
	var fp Fingerprint
	fp.Version = d.Str()
	fp.Radius = d.F64()
	nm := int(d.U8())
	for range nm {
		m, ok := layers.ParseMode(d.Str())
		if !ok && d.Err == nil {
			d.Err = fmt.Errorf("unknown mode")
		}
		fp.Modes = append(fp.Modes, m)
	}
	nv := d.U32()
	if uint64(nv) > uint64(len(d.B)) {
		return nil, bad("header: %d data versions", nv)
	}
	for range nv {
		k := d.Str()
		fp.Versions = append(fp.Versions, [2]string{k, d.Str()})
	}
	for _, dg := range []*Digest{&fp.Cells, &fp.Facs, &fp.Roads} {
		dg.N = d.U64()
		copy(dg.Sum[:], d.Bytes(32))
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
	out := &Data{Fingerprint: fp}
	clen, err := sr.U64()
	if err != nil {
		return nil, short("centre block", err)
	}
	if clen < 4 || (clen-4)%CentreBytes != 0 || (clen-4)/CentreBytes > math.MaxUint32 {
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
	if n := binary.LittleEndian.Uint32(centres); uint64(n)*CentreBytes != clen-4 {
		return nil, bad("centre block: %d cells in %d bytes", n, clen-4)
	}
	out.Centres = centres[4:]
	if onCentres != nil {
		onCentres(out.Centres)
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
		for _, sn := range out.Nets {
			if sn.Mode == mode {
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
			if errors.Is(err, errStopped) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s network: %w", ErrInvalid, mode, err)
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
		out.Nets = append(out.Nets, Net{Mode: mode, Network: n, Cells: cells, Facilities: facs})
	}
	switch has, err := sr.U8(); {
	case err != nil:
		return nil, short("timetable", err)
	case has > 1:
		return nil, bad("timetable flag %d", has)
	case has == 1:
		size, err := sr.U64()
		if err != nil {
			return nil, short("timetable", err)
		}
		sr.Begin()
		block, err := sr.Bytes(size)
		if err == nil {
			err = sr.End()
		}
		if err != nil {
			return nil, short("timetable", err)
		}
		if out.Transit, err = DecodeTransit(block); err != nil {
			return nil, err
		}
	}
	if err := sr.Full(b8[:]); err != nil {
		return nil, short("end marker", err)
	}
	if string(b8[:]) != endMagic {
		return nil, bad("end marker %q, want %q", b8[:], endMagic)
	}
	return out, nil
}
