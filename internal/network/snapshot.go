package network

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/layers"
)

// network snapshot layout (little endian):
//
//	magic "REACHNW1"
//	u8 length + mode name, f64 access speed (m/s), f64 snap radius (m)
//	u64 length of the graph snapshot, then the graph snapshot (graph.WriteTo)
//	u64 total vertex count, then for every edge: u32 vertex count (bit 31
//	set when places must not snap to the edge: motorways, ferries), then
//	f64 x, f64 y per vertex
//	u32 CRC-32 (IEEE) of the geometry part
const netMagic = "REACHNW2"

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
	bw := bufio.NewWriterSize(w, 1<<16)
	var total int64
	put := func(b []byte) {
		if err == nil {
			var k int
			k, err = bw.Write(b)
			total += int64(k)
		}
	}
	var buf [8]byte
	put([]byte(netMagic))
	put([]byte{byte(len(n.mode))})
	put([]byte(n.mode))
	binary.LittleEndian.PutUint64(buf[:], math.Float64bits(n.speed))
	put(buf[:])
	binary.LittleEndian.PutUint64(buf[:], math.Float64bits(n.radius))
	put(buf[:])
	binary.LittleEndian.PutUint64(buf[:], uint64(size))
	put(buf[:])
	if err == nil {
		if err = bw.Flush(); err == nil {
			var k int64
			k, err = n.g.WriteTo(w)
			total += k
		}
	}
	crc := uint32(0)
	vertices := 0
	for _, line := range n.geom {
		vertices += len(line)
	}
	binary.LittleEndian.PutUint64(buf[:], uint64(vertices))
	crc = crc32.Update(crc, crc32.IEEETable, buf[:])
	put(buf[:])
	for e, line := range n.geom {
		k := uint32(len(line))
		if n.noSnap[e] {
			k |= noSnapBit
		}
		binary.LittleEndian.PutUint32(buf[:4], k)
		crc = crc32.Update(crc, crc32.IEEETable, buf[:4])
		put(buf[:4])
		for _, p := range line {
			for _, c := range p {
				binary.LittleEndian.PutUint64(buf[:], math.Float64bits(c))
				crc = crc32.Update(crc, crc32.IEEETable, buf[:])
				put(buf[:])
			}
		}
	}
	binary.LittleEndian.PutUint32(buf[:4], crc)
	put(buf[:4])
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return total, fmt.Errorf("network: write snapshot: %w", err)
	}
	return total, nil
}

// ReadFrom reads a snapshot written by Network.WriteTo and rebuilds the
// reverse graph, components, snap index and query pools.
func ReadFrom(r io.Reader) (*Network, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	fail := func(format string, a ...any) (*Network, error) {
		return nil, fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, a...))
	}
	head := make([]byte, len(netMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, fmt.Errorf("network: read snapshot: %w", err)
	}
	if string(head[:len(netMagic)]) != netMagic {
		return fail("magic %q", head[:len(netMagic)])
	}
	rest := make([]byte, int(head[len(netMagic)])+24)
	if _, err := io.ReadFull(br, rest); err != nil {
		return nil, fmt.Errorf("network: read snapshot: %w", err)
	}
	mode, ok := layers.ParseMode(string(rest[:len(rest)-24]))
	if !ok {
		return fail("mode %q", rest[:len(rest)-24])
	}
	tail := rest[len(rest)-24:]
	speed := math.Float64frombits(binary.LittleEndian.Uint64(tail))
	radius := math.Float64frombits(binary.LittleEndian.Uint64(tail[8:]))
	size := binary.LittleEndian.Uint64(tail[16:])
	if !(speed > 0) || !(radius > 0) || math.IsInf(speed, 0) || math.IsInf(radius, 0) || size > 1<<40 {
		return fail("access speed %v m/s, radius %v m, graph size %d", speed, radius, size)
	}
	lr := &io.LimitedReader{R: br, N: int64(size)}
	g, err := graph.ReadFrom(lr)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if lr.N != 0 {
		return fail("graph snapshot shorter than its stated %d bytes", size)
	}
	geom := make([]orb.LineString, g.NumEdges())
	var buf [16]byte
	if _, err := io.ReadFull(br, buf[:8]); err != nil {
		return nil, fmt.Errorf("network: read snapshot geometry: %w", err)
	}
	crc := crc32.Update(0, crc32.IEEETable, buf[:8])
	vertices := binary.LittleEndian.Uint64(buf[:8])
	if vertices > 1<<32 {
		return fail("%d vertices", vertices)
	}
	// one backing array for all lines, grown as data actually arrives
	pts := make([]orb.Point, 0, min(vertices, 1<<22))
	ends := make([]int, len(geom))
	noSnap := make([]bool, len(geom))
	for e := range geom {
		if _, err := io.ReadFull(br, buf[:4]); err != nil {
			return nil, fmt.Errorf("network: read snapshot geometry of edge %d: %w", e, err)
		}
		crc = crc32.Update(crc, crc32.IEEETable, buf[:4])
		k := binary.LittleEndian.Uint32(buf[:4])
		if k&noSnapBit != 0 {
			noSnap[e] = true
			k &^= noSnapBit
		}
		if k > 1<<24 {
			return fail("edge %d: %d vertices", e, k)
		}
		for range k {
			if _, err := io.ReadFull(br, buf[:16]); err != nil {
				return nil, fmt.Errorf("network: read snapshot geometry of edge %d: %w", e, err)
			}
			crc = crc32.Update(crc, crc32.IEEETable, buf[:16])
			pts = append(pts, orb.Point{
				math.Float64frombits(binary.LittleEndian.Uint64(buf[:8])),
				math.Float64frombits(binary.LittleEndian.Uint64(buf[8:16])),
			})
		}
		ends[e] = len(pts)
	}
	start := 0
	for e := range geom {
		geom[e] = orb.LineString(pts[start:ends[e]:ends[e]])
		start = ends[e]
	}
	if uint64(len(pts)) != vertices {
		return fail("%d vertices, header says %d", len(pts), vertices)
	}
	if _, err := io.ReadFull(br, buf[:4]); err != nil {
		return nil, fmt.Errorf("network: read snapshot checksum: %w", err)
	}
	if got := binary.LittleEndian.Uint32(buf[:4]); got != crc {
		return fail("geometry checksum %08x, computed %08x", got, crc)
	}
	return assemble(mode, g, geom, noSnap, speed, radius), nil
}

// noSnapBit marks an edge's vertex count in a snapshot when places must not
// snap to the edge.
const noSnapBit = 1 << 31
