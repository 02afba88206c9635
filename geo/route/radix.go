package route

import (
	"math/bits"

	"reach/geo/graph"
)

// radixHeap is a monotone priority queue on uint32 keys (Ahuja, Mehlhorn,
// Orlin and Tarjan's radix heap in its simple 33-bucket form). Every key
// pushed must be at least the last key popped, which Dijkstra guarantees.
// Bucket 0 holds entries whose key equals last; bucket i > 0 holds entries
// whose key first differs from last in bit i−1. pop empties the lowest
// non-empty bucket into lower ones around its minimum, so that every entry
// moves down at most 32 times in all. Entries are key<<32 | node.
type radixHeap struct {
	last    uint32
	n       int
	buckets [33][]uint64
}

func (h *radixHeap) reset() {
	for i := range h.buckets {
		h.buckets[i] = h.buckets[i][:0]
	}
	h.last, h.n = 0, 0
}

func (h *radixHeap) push(key graph.Cost, v uint32) {
	b := bits.Len32(uint32(key) ^ h.last)
	h.buckets[b] = append(h.buckets[b], uint64(key)<<32|uint64(v))
	h.n++
}

// pop removes and returns an entry with the least key; h.n must be > 0.
func (h *radixHeap) pop() uint64 {
	if len(h.buckets[0]) == 0 {
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		src := h.buckets[i]
		m := src[0]
		for _, e := range src[1:] {
			if e < m {
				m = e
			}
		}
		last := uint32(m >> 32)
		h.last = last
		for _, e := range src {
			b := bits.Len32(uint32(e>>32) ^ last)
			h.buckets[b] = append(h.buckets[b], e)
		}
		h.buckets[i] = src[:0]
	}
	b0 := h.buckets[0]
	e := b0[len(b0)-1]
	h.buckets[0] = b0[:len(b0)-1]
	h.n--
	return e
}
