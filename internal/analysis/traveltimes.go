package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"reach/layers"
)

// field is the travel-time field of one (category, mode): per populated
// cell (index into Engine.cells) the seconds to the nearest facility (+Inf
// when none is reachable), the distance in metres and the facility index
// (-1 when none). Immutable once computed.
type field struct {
	secs   []float64
	dist   []float64
	fac    []int32
	method string // the method of every cell when how is nil
	// how holds, per cell, the method code (howNetwork, howStraight,
	// howUnreachable; howTransit, howUnreachable, howNoStop by public
	// transport) where cells of one field differ; nil when every cell has
	// method.
	how []uint8
	net *netField // nil for straight-line fields
}

// methodOf returns the method of cell ci.
func (f *field) methodOf(ci int) string {
	if f.how == nil {
		return f.method
	}
	return methodCodes[f.how[ci]]
}

func newField(n int, method string) *field {
	f := &field{secs: make([]float64, n), dist: make([]float64, n), fac: make([]int32, n), method: method}
	for i := range f.secs {
		f.secs[i] = math.Inf(1)
		f.dist[i] = math.Inf(1)
		f.fac[i] = -1
	}
	return f
}

// withStraightSeconds returns a copy of a straight-line distance field with
// seconds from the engine's straight-line model for mode.
func (f *field) withStraightSeconds(e *Engine, mode layers.Mode) *field {
	out := &field{secs: make([]float64, len(f.dist)), dist: f.dist, fac: f.fac, method: MethodStraightLine}
	e.model.Curve(mode).SecondsInto(out.secs, f.dist) // = slSeconds per cell
	return out
}

type fieldKey struct {
	cat  layers.Category
	mode layers.Mode
}

// fieldEntry computes a field once and shares it.
type fieldEntry struct {
	once sync.Once
	f    *field
	err  error
}

// fieldFor returns the cached travel-time field of (cat, mode): on the
// network when the mode has one, else the labelled straight-line fallback.
// The first caller computes it; concurrent callers wait for that result.
// A computation cancelled through ctx is not cached.
func (e *Engine) fieldFor(ctx context.Context, cat layers.Category, mode layers.Mode) (*field, error) {
	if mode == Transit {
		return e.transitField(ctx, cat, TransitQuery{})
	}
	if err := checkCatMode(cat, mode); err != nil {
		return nil, err
	}
	return e.cachedField(ctx, fieldKey{cat, mode}, func() (*field, error) {
		net := e.nets[mode]
		if net == nil {
			return e.straight(cat).withStraightSeconds(e, mode), nil
		}
		return e.networkField(ctx, net, cat)
	})
}

// cachedField returns the field of k, computing it once with compute;
// concurrent callers wait for that result. A failed computation (a
// cancelled context, say) is not kept: the next call computes again, and a
// caller that waited for a computation cancelled by another caller's
// context computes it itself.
func (e *Engine) cachedField(ctx context.Context, k fieldKey, compute func() (*field, error)) (*field, error) {
	for {
		e.mu.Lock()
		ent := e.fields[k]
		if ent == nil {
			ent = &fieldEntry{}
			e.fields[k] = ent
		}
		e.mu.Unlock()
		ent.once.Do(func() { ent.f, ent.err = compute() })
		if ent.err == nil {
			return ent.f, nil
		}
		e.mu.Lock()
		if e.fields[k] == ent {
			delete(e.fields, k)
		}
		e.mu.Unlock()
		// The computation this caller waited for was cancelled with another caller's
		// context (a map tile the browser gave up on): compute it anew for this one.
		if (errors.Is(ent.err, context.Canceled) || errors.Is(ent.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return nil, ent.err
	}
}

// TravelTimes returns, for every populated cell (ordered by INSPIRE id), the
// travel time to the nearest facility of cat by mode, which facility that is
// and the distance: on the road network of mode when one is loaded (method
// "network"; the time includes both straight access legs, the distance is
// the length along the network, access legs excluded), else by straight
// line (method "straight_line", time from the StraightLine assumptions). The
// field is computed once per (category, mode) and cached; the returned
// slice is the caller's.
func (e *Engine) TravelTimes(ctx context.Context, cat layers.Category, mode layers.Mode) ([]TravelTime, error) {
	f, err := e.fieldFor(ctx, cat, mode)
	if err != nil {
		return nil, err
	}
	tts := e.travelTimes(f)
	if len(e.byCat[cat]) == 0 {
		// No facility of the category is loaded: every time is unknown.
		for i := range tts {
			tts[i].Method = MethodUnknown
		}
	}
	return tts, nil
}

// travelTimes turns a field into result rows.
func (e *Engine) travelTimes(f *field) []TravelTime {
	out := make([]TravelTime, len(e.cells))
	for i, c := range e.cells {
		t := TravelTime{CellID: c.id, AGS: c.ags, Population: c.pop, Known: true, Center: c.lonlat, Method: f.methodOf(i)}
		if fi := f.fac[i]; fi >= 0 && !math.IsInf(f.secs[i], 1) {
			t.Reached = true
			t.Seconds = f.secs[i]
			t.DistanceM = f.dist[i]
			t.FacilityID = e.facs[fi].ID
		} else if f.method == MethodTransit && !math.IsInf(f.secs[i], 1) {
			// By public transport the nearest facility is not named (one search from all).
			t.Reached, t.Seconds = true, f.secs[i]
		}
		out[i] = t
	}
	return out
}

// methodLabel describes the method of a field for provenance.
func methodLabel(f *field, mode layers.Mode) string {
	if f.method == MethodStraightLine {
		return fmt.Sprintf("straight line (no %s road network loaded)", mode)
	}
	return fmt.Sprintf("network %s", mode)
}
