package route

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unsafe"

	"reach/geo/graph"
	"reach/geo/snapshotio"
)

// Hierarchy snapshot layout (little endian):
//
//	magic "REACHCH1"
//	u64 nodes, u64 graph arcs, u64 levels+1, u64 up arcs, u64 down arcs
//	u32 × nodes      node at each sweep position
//	u32 × levels+1   first position of each level, then nodes
//	u32 × nodes+1    upFirst, then u32 × nodes+1 downFirst
//	(u32 position, u32 cost, f32 metres) × up arcs, then × down arcs
//	u32 CRC-32C of everything after the magic
const chMagic = "REACHCH1"

// ErrHierarchySnapshot is wrapped by ReadHierarchy's errors about a
// malformed or damaged snapshot.
var ErrHierarchySnapshot = errors.New("route: invalid hierarchy snapshot")

func arcWords(s []hArc) []uint32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&s[0])), 3*len(s))
}

func nodeWords(s []graph.NodeID) []uint32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&s[0])), len(s))
}

// WriteTo writes h to w in the snapshot layout above and returns the bytes
// written.
func (h *Hierarchy) WriteTo(w io.Writer) (int64, error) {
	sw := snapshotio.NewWriter(w)
	sw.Write([]byte(chMagic))
	sw.Begin()
	for _, x := range []int{h.n, h.arcs, len(h.levels), len(h.up), len(h.down)} {
		sw.U64(uint64(x))
	}
	for _, s := range [][]uint32{nodeWords(h.node), h.levels, h.upFirst, h.downFirst, arcWords(h.up), arcWords(h.down)} {
		sw.Words(s)
	}
	sw.End()
	if err := sw.Err(); err != nil {
		return sw.N(), fmt.Errorf("route: write hierarchy: %w", err)
	}
	return sw.N(), nil
}

// ReadHierarchy reads a hierarchy written by Hierarchy.WriteTo for a graph
// of nodes nodes and checks it (checksum, then Validate). Errors about the
// content wrap ErrHierarchySnapshot.
func ReadHierarchy(r io.Reader, nodes int) (*Hierarchy, error) {
	fail := func(format string, a ...any) (*Hierarchy, error) {
		return nil, fmt.Errorf("%w: %s", ErrHierarchySnapshot, fmt.Sprintf(format, a...))
	}
	sr := snapshotio.NewReader(r)
	var head [8 + 40]byte
	if err := sr.Full(head[:8]); err != nil {
		return nil, fmt.Errorf("route: read hierarchy: %w", err)
	}
	if string(head[:8]) != chMagic {
		return fail("magic %q, want %q", head[:8], chMagic)
	}
	sr.Begin()
	if err := sr.Full(head[8:]); err != nil {
		return nil, fmt.Errorf("route: read hierarchy: %w", err)
	}
	var v [5]uint64
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(head[8+8*i:])
	}
	n, arcs, nlev, nup, ndown := v[0], v[1], v[2], v[3], v[4]
	if n != uint64(nodes) {
		return fail("%d nodes, the graph has %d", n, nodes)
	}
	const most = 1 << 31
	if arcs > most || nlev > n+1 || nlev < 1 || nup > most || ndown > most {
		return fail("sizes out of range: %d graph arcs, %d level bounds, %d and %d arcs", arcs, nlev, nup, ndown)
	}
	h := &Hierarchy{n: int(n), arcs: int(arcs),
		node: make([]graph.NodeID, n), levels: make([]uint32, nlev),
		upFirst: make([]uint32, n+1), downFirst: make([]uint32, n+1)}
	words := sr.Words
	for _, s := range [][]uint32{nodeWords(h.node), h.levels, h.upFirst, h.downFirst} {
		if err := words(s); err != nil {
			return nil, fmt.Errorf("route: read hierarchy: %w", err)
		}
	}
	if uint64(h.upFirst[n]) != nup || uint64(h.downFirst[n]) != ndown {
		return fail("arc offsets end at %d and %d, header says %d and %d arcs", h.upFirst[n], h.downFirst[n], nup, ndown)
	}
	// A plausible count (road hierarchies have a few arcs per node) is
	// allocated at once; a larger one as the arcs arrive, a block at a
	// time, so that a damaged count cannot claim much memory before the
	// input ends.
	arcsOf := func(k uint64) ([]hArc, error) {
		const block = 1 << 20
		if k <= 16*n+block {
			out := make([]hArc, k)
			return out, words(arcWords(out))
		}
		out := make([]hArc, 0, block)
		for uint64(len(out)) < k {
			c := int(min(k-uint64(len(out)), block))
			out = slices.Grow(out, c)
			if err := words(arcWords(out[len(out) : len(out)+c])); err != nil {
				return nil, err
			}
			out = out[:len(out)+c]
		}
		return out, nil
	}
	var err error
	if h.up, err = arcsOf(nup); err == nil {
		h.down, err = arcsOf(ndown)
	}
	if err != nil {
		return nil, fmt.Errorf("route: read hierarchy: %w", err)
	}
	if err := sr.End(); err != nil {
		if errors.Is(err, snapshotio.ErrChecksum) {
			return nil, fmt.Errorf("%w: %w", ErrHierarchySnapshot, err)
		}
		return nil, fmt.Errorf("route: read hierarchy checksum: %w", err)
	}
	h.pos = make([]uint32, n)
	for p, v := range h.node {
		if uint64(v) >= n {
			return fail("position %d names node %d of %d", p, v, n)
		}
		h.pos[v] = uint32(p)
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHierarchySnapshot, err)
	}
	return h, nil
}
