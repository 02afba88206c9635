package route

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"unsafe"

	"reach/geo/graph"
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

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// littleEndian reports whether the machine stores integers little endian,
// so that arrays can be written and read as they lie in memory.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// u32Bytes views s as bytes (on little-endian machines the snapshot
// layout).
func u32Bytes(s []uint32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

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
	var total int64
	crc := uint32(0)
	put := func(b []byte, sum bool) error {
		k, err := w.Write(b)
		total += int64(k)
		if sum {
			crc = crc32.Update(crc, castagnoli, b)
		}
		return err
	}
	words := func(s []uint32) error {
		if littleEndian {
			return put(u32Bytes(s), true)
		}
		buf := make([]byte, 0, 1<<16)
		for len(s) > 0 {
			k := min(len(s), cap(buf)/4)
			buf = buf[:0]
			for _, x := range s[:k] {
				buf = binary.LittleEndian.AppendUint32(buf, x)
			}
			if err := put(buf, true); err != nil {
				return err
			}
			s = s[k:]
		}
		return nil
	}
	if err := put([]byte(chMagic), false); err != nil {
		return total, fmt.Errorf("route: write hierarchy: %w", err)
	}
	var head [40]byte
	for i, x := range []int{h.n, h.arcs, len(h.levels), len(h.up), len(h.down)} {
		binary.LittleEndian.PutUint64(head[8*i:], uint64(x))
	}
	err := put(head[:], true)
	for _, s := range [][]uint32{nodeWords(h.node), h.levels, h.upFirst, h.downFirst, arcWords(h.up), arcWords(h.down)} {
		if err == nil {
			err = words(s)
		}
	}
	if err == nil {
		var tail [4]byte
		binary.LittleEndian.PutUint32(tail[:], crc)
		err = put(tail[:], false)
	}
	if err != nil {
		return total, fmt.Errorf("route: write hierarchy: %w", err)
	}
	return total, nil
}

// ReadHierarchy reads a hierarchy written by Hierarchy.WriteTo for a graph
// of nodes nodes and checks it (checksum, then Validate). Errors about the
// content wrap ErrHierarchySnapshot.
func ReadHierarchy(r io.Reader, nodes int) (*Hierarchy, error) {
	fail := func(format string, a ...any) (*Hierarchy, error) {
		return nil, fmt.Errorf("%w: %s", ErrHierarchySnapshot, fmt.Sprintf(format, a...))
	}
	var head [8 + 40]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("route: read hierarchy: %w", err)
	}
	if string(head[:8]) != chMagic {
		return fail("magic %q, want %q", head[:8], chMagic)
	}
	crc := crc32.Update(0, castagnoli, head[8:])
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
	words := func(s []uint32) error {
		if littleEndian {
			b := u32Bytes(s)
			if _, err := io.ReadFull(r, b); err != nil {
				return err
			}
			crc = crc32.Update(crc, castagnoli, b)
			return nil
		}
		buf := make([]byte, 1<<16)
		for len(s) > 0 {
			k := min(len(s), len(buf)/4)
			b := buf[:4*k]
			if _, err := io.ReadFull(r, b); err != nil {
				return err
			}
			crc = crc32.Update(crc, castagnoli, b)
			for i := range k {
				s[i] = binary.LittleEndian.Uint32(b[4*i:])
			}
			s = s[k:]
		}
		return nil
	}
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
	var tail [4]byte
	if _, err := io.ReadFull(r, tail[:]); err != nil {
		return nil, fmt.Errorf("route: read hierarchy checksum: %w", err)
	}
	if got := binary.LittleEndian.Uint32(tail[:]); got != crc {
		return fail("checksum %08x, computed %08x", got, crc)
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
