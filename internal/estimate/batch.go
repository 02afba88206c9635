package estimate

import (
	"math"
	"runtime"
	"sync"
)

// SecondsInto sets dst[i] to c.Seconds(d[i]) for every i, the same values
// bit for bit, for many distances at once (a field of every cell): each
// distance finds its pair of knots through a table of the knot distances
// instead of a binary search, and long inputs are split over the
// processors. dst and d must have the same length; they may be the same
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

// knotTable finds the first knot at or beyond a distance: slot k of first
// holds the first knot at or beyond k·step past the first knot.
type knotTable struct {
	k     []Knot
	lo    float64 // distance of the first knot
	inv   float64 // 1/step
	first []uint8
}

const tableSlots = 256

func (c Curve) table() knotTable {
	t := knotTable{k: c.Knots}
	if len(c.Knots) < 2 || len(c.Knots) > 255 {
		return t
	}
	t.lo = c.Knots[0].DistanceM
	step := (c.Knots[len(c.Knots)-1].DistanceM - t.lo) / tableSlots
	if !(step > 0) {
		return t
	}
	t.inv = 1 / step
	t.first = make([]uint8, tableSlots+1)
	i := 0
	for s := range t.first {
		at := t.lo + float64(s)*step
		for i < len(c.Knots)-1 && c.Knots[i].DistanceM < at {
			i++
		}
		t.first[s] = uint8(i)
	}
	return t
}

// into is Curve.Seconds over d, with the knot found through the table.
func (t knotTable) into(dst, d []float64) {
	c := Curve{Knots: t.k}
	if t.first == nil {
		for i, x := range d {
			dst[i] = c.Seconds(x)
		}
		return
	}
	k := t.k
	last := len(k) - 1
	dst = dst[:len(d)]
	for n, x := range d {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 1):
			dst[n] = math.Inf(1)
			continue
		case x <= 0:
			dst[n] = 0
			continue
		}
		var det, v float64
		switch {
		case x <= k[0].DistanceM:
			det, v = k[0].Detour, k[0].SpeedKmh
		case x > k[last].DistanceM:
			det, v = k[last].Detour, k[last].SpeedKmh
		default:
			// The slot's knot is at most x's lower bound: every knot
			// before it lies below the slot's start, which is ≤ x.
			s := int((x - t.lo) * t.inv)
			i := int(t.first[min(max(s, 0), tableSlots)])
			for i > 0 && k[i-1].DistanceM >= x { // rounding of the slot
				i--
			}
			for k[i].DistanceM < x {
				i++
			}
			if k[i].DistanceM == x {
				det, v = k[i].Detour, k[i].SpeedKmh
			} else {
				a, b := k[i-1], k[i]
				f := (x - a.DistanceM) / (b.DistanceM - a.DistanceM)
				det, v = a.Detour+f*(b.Detour-a.Detour), a.SpeedKmh+f*(b.SpeedKmh-a.SpeedKmh)
			}
		}
		dst[n] = x * det / (v / 3.6)
	}
}
