// Package estimate turns a straight-line (Luftlinie) distance into a travel
// time where a place is off the loaded road network: a detour factor and a
// speed per mode that both depend on the distance, calibrated by routing
// many random origin–destination pairs on real road networks (Calibrate).
//
// Distances are metres in a metric CRS (EPSG:25833 in reach); times are
// seconds. A Model is a value, safe for concurrent use.
package estimate

import (
	"fmt"
	"math"
	"slices"

	"reach/layers"
)

// Knot is one point of a Curve: at straight-line distance DistanceM, the
// network distance is Detour × DistanceM (access legs included) and it is
// travelled at SpeedKmh on average (access legs included).
type Knot struct {
	DistanceM float64 `json:"distance_m"`
	Detour    float64 `json:"detour"`
	SpeedKmh  float64 `json:"speed_kmh"`
}

// Curve is the straight-line model of one mode: knots in ascending
// distance; between knots the detour factor and the speed are interpolated
// linearly in the distance, outside them the end knots hold.
type Curve struct {
	Knots []Knot `json:"knots"`
}

// Seconds returns the estimated travel time over a straight-line distance
// of d metres; +Inf for an infinite or NaN distance, 0 for d ≤ 0.
//
// Between two knots the detour is a1 + b1·d and the speed a2 + b2·d, so the
// time is d·(a1 + b1·d)·3.6 / (a2 + b2·d): span holds these coefficients
// (3.6 folded into a1 and b1) and SecondsInto uses the same ones, so both
// give the same values bit for bit with one division per value.
func (c Curve) Seconds(d float64) float64 {
	if math.IsNaN(d) || math.IsInf(d, 1) {
		return math.Inf(1)
	}
	if d <= 0 || len(c.Knots) == 0 {
		return 0
	}
	return c.span(c.interval(d)).seconds(d)
}

// interval returns the index of the first knot at or beyond d
// (len(Knots) beyond the last).
func (c Curve) interval(d float64) int {
	i, _ := slices.BinarySearchFunc(c.Knots, d, func(a Knot, d float64) int {
		switch {
		case a.DistanceM < d:
			return -1
		case a.DistanceM > d:
			return 1
		}
		return 0
	})
	return i
}

// span is the time over one interval of a curve as a function of the
// distance d: d·(a1 + b1·d) / (a2 + b2·d), where a1 + b1·d is 3.6 times
// the detour and a2 + b2·d the speed in km/h.
type span struct{ a1, b1, a2, b2 float64 }

// seconds evaluates the span at d. The explicit conversions keep the
// products and sums apart (no fused multiply-add), so that every caller
// rounds alike.
func (s span) seconds(d float64) float64 {
	return float64(d*float64(s.a1+float64(s.b1*d))) / float64(s.a2+float64(s.b2*d))
}

// span returns the span of interval i: the distances above knot i-1 up to
// knot i; interval 0 lies at or below the first knot, interval len(Knots)
// beyond the last, where the end knots hold.
func (c Curve) span(i int) span {
	k := c.Knots
	if i <= 0 {
		return span{a1: 3.6 * k[0].Detour, a2: k[0].SpeedKmh}
	}
	if i >= len(k) {
		l := k[len(k)-1]
		return span{a1: 3.6 * l.Detour, a2: l.SpeedKmh}
	}
	a, b := k[i-1], k[i]
	w := b.DistanceM - a.DistanceM
	b1 := 3.6 * (b.Detour - a.Detour) / w
	b2 := (b.SpeedKmh - a.SpeedKmh) / w
	return span{a1: 3.6*a.Detour - b1*a.DistanceM, b1: b1, a2: a.SpeedKmh - b2*a.DistanceM, b2: b2}
}

// at returns the detour factor and speed (km/h) at distance d.
func (c Curve) at(d float64) (detour, kmh float64) {
	k := c.Knots
	if d <= k[0].DistanceM {
		return k[0].Detour, k[0].SpeedKmh
	}
	i := c.interval(d)
	if i >= len(k) {
		return k[len(k)-1].Detour, k[len(k)-1].SpeedKmh
	}
	if k[i].DistanceM == d {
		return k[i].Detour, k[i].SpeedKmh
	}
	a, b := k[i-1], k[i]
	f := (d - a.DistanceM) / (b.DistanceM - a.DistanceM)
	return a.Detour + f*(b.Detour-a.Detour), a.SpeedKmh + f*(b.SpeedKmh-a.SpeedKmh)
}

// Check reports a curve that cannot be used: no knots, distances not
// strictly ascending, a detour below 1 or a speed that is not positive, or
// a time that falls as the distance grows.
func (c Curve) Check() error {
	if len(c.Knots) == 0 {
		return fmt.Errorf("estimate: curve has no knots")
	}
	for i, k := range c.Knots {
		if !(k.DistanceM >= 0) || (i > 0 && !(k.DistanceM > c.Knots[i-1].DistanceM)) {
			return fmt.Errorf("estimate: knot %d: distance %v m is not above the previous one", i, k.DistanceM)
		}
		if !(k.Detour >= 1) || math.IsInf(k.Detour, 0) {
			return fmt.Errorf("estimate: knot %d: detour %v is below 1", i, k.Detour)
		}
		if !(k.SpeedKmh > 0) || math.IsInf(k.SpeedKmh, 0) {
			return fmt.Errorf("estimate: knot %d: speed %v km/h is not positive", i, k.SpeedKmh)
		}
	}
	last := c.Knots[len(c.Knots)-1].DistanceM
	prev := 0.0
	for d := 10.0; d <= 2*last+10; d += 10 {
		t := c.Seconds(d)
		if t < prev {
			return fmt.Errorf("estimate: the time falls from %.1f s to %.1f s at %.0f m", prev, t, d)
		}
		prev = t
	}
	return nil
}

// Model is the straight-line model of every mode and where it comes from.
type Model struct {
	Car     Curve  `json:"car"`
	Bicycle Curve  `json:"bicycle"`
	Foot    Curve  `json:"foot"`
	Source  string `json:"source"` // how the curves were found
}

// Curve returns the curve of mode m (foot for an unknown mode).
func (m Model) Curve(mode layers.Mode) Curve {
	switch mode {
	case layers.Car:
		return m.Car
	case layers.Bicycle:
		return m.Bicycle
	}
	return m.Foot
}

// Seconds returns the estimated travel time by mode over a straight-line
// distance of d metres.
func (m Model) Seconds(mode layers.Mode, d float64) float64 { return m.Curve(mode).Seconds(d) }

// Check checks every curve.
func (m Model) Check() error {
	for _, mode := range layers.Modes() {
		if err := m.Curve(mode).Check(); err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
	}
	return nil
}

// Constant returns a model with one detour factor for every distance and
// one speed per mode (km/h), the uncalibrated form of earlier versions.
func Constant(detour, carKmh, bicycleKmh, footKmh float64) Model {
	one := func(v float64) Curve { return Curve{Knots: []Knot{{DistanceM: 0, Detour: detour, SpeedKmh: v}}} }
	return Model{Car: one(carKmh), Bicycle: one(bicycleKmh), Foot: one(footKmh),
		Source: fmt.Sprintf("assumption: detour factor %g, car %g km/h, bicycle %g km/h, foot %g km/h", detour, carKmh, bicycleKmh, footKmh)}
}

// Detour returns the detour factor at a straight-line distance of d metres:
// the estimated network distance is d × Detour(d).
func (c Curve) Detour(d float64) float64 {
	if len(c.Knots) == 0 || math.IsNaN(d) {
		return 1
	}
	det, _ := c.at(max(d, 0))
	return det
}
