package estimate

import (
	"math"
	"runtime"
	"sync"
)

// SecondsInto sets dst[i] to c.Seconds(d[i]) for every i, the same values
// bit for bit, for many distances at once (a field of every cell): each
// distance finds its interval between knots through a table on the bits
// of the float instead of a binary search, the span of every interval is
// computed once, and long inputs are split over the processors. dst and d must have the same length; they may be the same
// slice.
func (c Curve) SecondsInto(dst, d []float64) {
	if len(dst) != len(d) {
		panic("estimate: SecondsInto: dst and d differ in length")
	}
	t := c.table()
	const part = 1 << 15
	workers := min(runtime.GOMAXPROCS(0), (len(d)+part-1)/part)
	if workers <= 1 {
		t.into(dst, d)
		return
	}
	var wg sync.WaitGroup
	step := (len(d) + workers - 1) / workers
	for lo := 0; lo < len(d); lo += step {
		hi := min(lo+step, len(d))
		wg.Add(1)
		go func() { defer wg.Done(); t.into(dst[lo:hi], d[lo:hi]) }()
	}
	wg.Wait()
}

// knotTable finds the interval of a distance x (the number of knots below
// it, 0 to len(k)) without a search: slots of the table follow the bits of
// a float64, the exponent and the top mbits bits of the mantissa, so that
// they are about log-spaced like the knots; the table is only used when no
// slot holds more than one knot, so that slot[s] (the interval at the
// slot's start) and one comparison with the next knot give the interval.
type knotTable struct {
	k     []Knot
	spans []span   // Curve.span of every interval, computed once
	kb    []uint64 // the bits of the knot distances, then of +Inf
	shift uint     // 52 - mbits
	lo    uint64   // slot of the first knot
	last  int      // highest slot
	slot  []uint8
}

// maxSlots bounds the table: curves with knots too close for it (relative
// to their distance) convert one value at a time.
const maxSlots = 1 << 14

func (c Curve) table() knotTable {
	k := c.Knots
	t := knotTable{k: k}
	if len(k) == 1 { // one span for every positive distance
		t.spans = []span{c.span(1)}
		return t
	}
	if len(k) < 2 || len(k) > 254 || !(k[0].DistanceM > 0) || math.IsInf(k[len(k)-1].DistanceM, 1) {
		return t
	}
	kd := make([]float64, len(k)+1)
	for i, kn := range k {
		kd[i] = kn.DistanceM
	}
	kd[len(k)] = math.Inf(1)
	for mbits := uint(2); mbits <= 12; mbits++ {
		shift := 52 - mbits
		lo := math.Float64bits(k[0].DistanceM) >> shift
		hi := math.Float64bits(k[len(k)-1].DistanceM) >> shift
		if hi-lo+1 > maxSlots {
			break
		}
		slot := make([]uint8, hi-lo+1)
		ok := true
		i := 0
		for s := range slot {
			start := math.Float64frombits((lo + uint64(s)) << shift)
			next := math.Float64frombits((lo + uint64(s) + 1) << shift)
			for kd[i] < start {
				i++
			}
			slot[s] = uint8(i)
			if kd[i+1] < next { // two knots in the slot
				ok = false
				break
			}
		}
		if ok {
			t.shift, t.lo, t.last, t.slot = shift, lo, len(slot)-1, slot
			break
		}
	}
	if t.slot == nil {
		return t
	}
	t.kb = make([]uint64, len(kd))
	for i, x := range kd {
		t.kb[i] = math.Float64bits(x)
	}
	t.spans = make([]span, len(k)+1)
	for i := range t.spans {
		t.spans[i] = c.span(i)
	}
	return t
}

// into is Curve.Seconds over d, with the interval found through the table
// and its span computed once.
func (t knotTable) into(dst, d []float64) {
	if len(t.k) == 1 {
		sp := t.spans[0]
		for n, x := range d {
			switch {
			case math.IsNaN(x) || math.IsInf(x, 1):
				dst[n] = math.Inf(1)
			case x <= 0:
				dst[n] = 0
			default:
				dst[n] = sp.seconds(x)
			}
		}
		return
	}
	if t.slot == nil {
		c := Curve{Knots: t.k}
		for i, x := range d {
			dst[i] = c.Seconds(x)
		}
		return
	}
	dst = dst[:len(d)]
	kb, slot, spans := t.kb, t.slot, t.spans
	for n, x := range d {
		if math.IsNaN(x) || math.IsInf(x, 1) {
			dst[n] = math.Inf(1)
			continue
		}
		if x <= 0 {
			dst[n] = 0
			continue
		}
		// Below the first knot's slot or beyond the last's, the end slot
		// gives the end interval: the first slot starts at or below the
		// first knot, the last holds only the last knot.
		xb := math.Float64bits(x)
		s := min(max(int(int64(xb>>t.shift)-int64(t.lo)), 0), t.last)
		i := int(slot[s])
		// i++ when knot i lies below x, without a branch: both are
		// positive, so their bits order as their values.
		i += int(uint64(int64(kb[i])-int64(xb)) >> 63)
		dst[n] = spans[i].seconds(x)
	}
}
