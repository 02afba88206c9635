// Package access holds the pure arithmetic of capacity-aware access and of
// its fairness: distance-decay functions, the enhanced two-step floating
// catchment (E2SFCA) over a sparse facility–cell catchment, demand by age
// group from cell shares and municipal age tables, the projection of
// municipal age tables onto cells, weighted percentiles and the inequality
// measures (Gini, Palma) of access times across residents. It knows no
// files, no database and no network: callers hand it slices.
package access

import (
	"fmt"
	"math"
)

// DecayKind names a distance-decay function.
type DecayKind string

// Decay functions. Every one is 1 at travel time 0, non-increasing and 0
// beyond the catchment threshold.
const (
	// DecayStep: 1 within the threshold (the classic 2SFCA).
	DecayStep DecayKind = "step"
	// DecayZones: a weight per travel-time zone (Luo & Qi 2009: three zones
	// of a third of the threshold each, weights 1, 0.68, 0.22 by default).
	DecayZones DecayKind = "zones"
	// DecayGaussian: the truncated Gaussian of Dai (2010),
	// (e^(−½(t/t0)²) − e^(−½)) / (1 − e^(−½)), which falls to 0 at t0.
	DecayGaussian DecayKind = "gaussian"
	// DecayLinear: 1 − t/t0.
	DecayLinear DecayKind = "linear"
	// DecayExponential: e^(−β·t/t0) within the threshold.
	DecayExponential DecayKind = "exponential"
)

// Zone is one travel-time zone of DecayZones: times up to UpTo (a fraction
// of the threshold, (0, 1]) weigh Weight.
type Zone struct {
	UpTo   float64
	Weight float64
}

// DefaultZones are the three zones of Luo & Qi (2009).
var DefaultZones = []Zone{{1.0 / 3, 1}, {2.0 / 3, 0.68}, {1, 0.22}}

// Decay is a distance-decay function with its catchment threshold.
type Decay struct {
	Kind DecayKind
	// ThresholdS is the catchment size in seconds (> 0).
	ThresholdS float64
	// Beta is the rate of DecayExponential (> 0); unused otherwise.
	Beta float64
	// Zones are the zones of DecayZones, increasing, the last ending at 1;
	// DefaultZones when empty.
	Zones []Zone
}

// Validate says what is wrong with d, naming the field and value.
func (d Decay) Validate() error {
	if !(d.ThresholdS > 0) || math.IsInf(d.ThresholdS, 0) {
		return fmt.Errorf("access: decay threshold %v s: must be a positive finite number", d.ThresholdS)
	}
	switch d.Kind {
	case DecayStep, DecayGaussian, DecayLinear:
	case DecayExponential:
		if !(d.Beta > 0) || math.IsInf(d.Beta, 0) {
			return fmt.Errorf("access: exponential decay beta %v: must be a positive finite number", d.Beta)
		}
	case DecayZones:
		prev, prevW := 0.0, math.Inf(1)
		for i, z := range d.zones() {
			if !(z.UpTo > prev) || z.UpTo > 1 {
				return fmt.Errorf("access: decay zone %d up_to %v: must increase within (0, 1]", i, z.UpTo)
			}
			if !(z.Weight >= 0) || z.Weight > 1 || z.Weight > prevW {
				return fmt.Errorf("access: decay zone %d weight %v: must be within [0, 1] and not above the zone before", i, z.Weight)
			}
			prev, prevW = z.UpTo, z.Weight
		}
		if prev != 1 {
			return fmt.Errorf("access: decay zones end at %v of the threshold: the last must end at 1", prev)
		}
	default:
		return fmt.Errorf("access: decay kind %q: want step, zones, gaussian, linear or exponential", d.Kind)
	}
	return nil
}

func (d Decay) zones() []Zone {
	if len(d.Zones) == 0 {
		return DefaultZones
	}
	return d.Zones
}

var gaussFloor = math.Exp(-0.5)

// Weight returns the weight of a travel time of t seconds: in [0, 1], 0
// beyond the threshold and for +Inf or NaN.
func (d Decay) Weight(t float64) float64 {
	if math.IsNaN(t) || t > d.ThresholdS {
		return 0
	}
	if t < 0 {
		t = 0
	}
	x := t / d.ThresholdS
	switch d.Kind {
	case DecayStep:
		return 1
	case DecayZones:
		for _, z := range d.zones() {
			if x <= z.UpTo {
				return z.Weight
			}
		}
		return 0
	case DecayGaussian:
		return (math.Exp(-0.5*x*x) - gaussFloor) / (1 - gaussFloor)
	case DecayLinear:
		return 1 - x
	case DecayExponential:
		return math.Exp(-d.Beta * x)
	}
	return 0
}

// String describes d for provenance, e.g. "gaussian within 1200 s".
func (d Decay) String() string {
	switch d.Kind {
	case DecayExponential:
		return fmt.Sprintf("exponential (beta %g) within %g s", d.Beta, d.ThresholdS)
	case DecayZones:
		s := "zones"
		for _, z := range d.zones() {
			s += fmt.Sprintf(" ≤%.3g:%g", z.UpTo, z.Weight)
		}
		return fmt.Sprintf("%s within %g s", s, d.ThresholdS)
	}
	return fmt.Sprintf("%s within %g s", d.Kind, d.ThresholdS)
}
