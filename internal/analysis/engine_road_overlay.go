package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// ErrNoOverlay is wrapped by RoadOverlay when a road change cannot be
// searched from the changed edges (it opens, closes or slows a road, or adds
// one): the caller builds the scenario network instead (ScenarioNetwork).
var ErrNoOverlay = errors.New("analysis: the road change needs the network built anew")

// RoadOverlay is a speed-up of existing road segments applied to the
// network of one mode without building it again (network.Overlay): the
// travel times it changes are found by "only improving" searches seeded at
// the changed edges on the baseline fields, and only the places on a
// changed edge are snapped again.
type RoadOverlay struct {
	e  *Engine
	mn *modeNet
	ov *network.Overlay
}

type segEdgesKey struct{ mode layers.Mode }
type roadIndexKey struct{}

// RoadOverlay applies changed (new versions of segments of the road layer,
// same ids and geometry) to the network of mode.
func (e *Engine) RoadOverlay(ctx context.Context, mode layers.Mode, changed []layers.RoadSegment) (*RoadOverlay, error) {
	mn := e.nets[mode]
	if mn == nil {
		return nil, fmt.Errorf("analysis: road overlay: no %s network: %w", mode, ErrNoOverlay)
	}
	roads := e.roads
	idx, err := e.Memo(roadIndexKey{}, func() (any, error) {
		m := make(map[int64]int32, len(roads))
		for i := range roads {
			m[roads[i].ID] = int32(i)
		}
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	byID := idx.(map[int64]int32)
	edges, _ := e.Memo(segEdgesKey{mode}, func() (any, error) { return mn.n.SegmentEdges(), nil })
	var onNet []layers.RoadSegment
	for _, s := range changed {
		i, ok := byID[s.ID]
		if !ok {
			return nil, fmt.Errorf("analysis: road overlay: segment %d is new: %w", s.ID, ErrNoOverlay)
		}
		old := roads[i].Access(mode)
		if _, ok := edges.(map[int64]graph.EdgeID)[s.ID]; !ok {
			if a := s.Access(mode); a.Forward || a.Backward || old.Forward || old.Backward {
				return nil, fmt.Errorf("analysis: road overlay: segment %d is not on the %s network: %w", s.ID, mode, ErrNoOverlay)
			}
			continue // closed to the mode before and after
		}
		onNet = append(onNet, s)
	}
	ov, err := mn.n.NewOverlay(onNet, edges.(map[int64]graph.EdgeID), func(id int64) (layers.RoadSegment, bool) {
		i, ok := byID[id]
		if !ok {
			return layers.RoadSegment{}, false
		}
		return roads[i], true
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: road overlay: %v: %w", err, ErrNoOverlay)
	}
	return &RoadOverlay{e: e, mn: mn, ov: ov}, nil
}

// Changes returns the cells whose time to the nearest facility of cat
// changes with the overlay, against before, the engine's field of (cat,
// mode), ascending by cell.
func (o *RoadOverlay) Changes(ctx context.Context, before Field) ([]CellChange, error) {
	f := before.f
	if f.net == nil {
		return nil, fmt.Errorf("analysis: road overlay: the field is not a network field: %w", ErrNoOverlay)
	}
	e := o.e
	seeds, _ := o.ov.Seeds(f.net.base)
	// Facilities on a changed edge arrive by new legs.
	for fi := range e.facs {
		if !o.mn.facs.Snapped(fi) || !o.ov.Touches(o.mn.facs.Arrivals(fi)) || !before.isTarget(e, fi) {
			continue
		}
		s := o.ov.Resnap(e.facUTM[fi])
		seeds = append(seeds, s.Arrivals()...)
	}
	q := route.NewQuery(o.ov.ReverseGraph())
	q.Improve(seeds, f.net.base, route.Unbounded)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []CellChange
	for _, ci := range o.touched(q) {
		secs, _ := o.cellTime(int(ci), q, f.net.base, nil, nil)
		if secs < f.secs[ci] {
			out = append(out, CellChange{Cell: ci, Before: f.secs[ci], After: secs})
		}
	}
	return out, nil
}

// isTarget says whether facility fi is one of the targets of f.
func (f Field) isTarget(e *Engine, fi int) bool {
	for _, i := range e.byCat[f.cat] {
		if i == fi {
			return true
		}
	}
	return false
}

// touched returns the cells that leave through a node q improved or
// through an end of a changed edge, ascending.
func (o *RoadOverlay) touched(q *route.Query) []int32 {
	var out []int32
	for _, v := range q.Settled() {
		out = append(out, o.mn.cells.At(v)...)
	}
	for _, ed := range o.ov.ChangedEdges() {
		e := o.ov.Graph().Edge(ed)
		out = append(out, o.mn.cells.At(e.From)...)
		out = append(out, o.mn.cells.At(e.To)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cellTime is the time of cell ci with the overlay: its departures (new
// legs on a changed edge) joined with q's improved costs, else base. With
// labels, it also gives the label of the best node (improved: owner of
// q's label; else baseOwner of the node).
func (o *RoadOverlay) cellTime(ci int, q *route.Query, base []graph.Cost, owner func(int32) int, baseOwner []int32) (float64, int) {
	deps := o.mn.cells.Departures(ci)
	if o.ov.Touches(deps) {
		s := o.ov.Resnap(o.e.cells[ci].utm)
		deps = s.Departures()
	}
	best, who := graph.Closed, -1
	for _, d := range deps {
		c, w := q.Cost(d.Node), -1
		if c != graph.Closed {
			if owner != nil {
				w = owner(q.Label(d.Node))
			}
		} else {
			c = base[d.Node]
			if baseOwner != nil {
				w = int(baseOwner[d.Node])
			}
		}
		if t := graph.AddCost(d.Offset, c); t < best {
			best, who = t, w
		}
	}
	return float64(best.Seconds()), who
}

// placesBase is the search towards the central places of level ≥
// Mittelzentrum on the base network of one mode: node costs, the place
// each node reaches, and per cell the time and place.
type placesBase struct {
	costs    []graph.Cost
	owner    []int32 // place index per node, -1
	cellSecs []float64
	cellWho  []int
}

type placesBaseKey struct{ mode layers.Mode }

func (e *Engine) placesBaseOf(mn *modeNet) *placesBase {
	v, _ := e.Memo(placesBaseKey{mn.mode}, func() (any, error) {
		sources, owner := e.placeSources(mn, nil)
		q := mn.n.ReverseQueries().Get()
		defer mn.n.ReverseQueries().Put(q)
		q.Run(sources, route.Unbounded)
		pb := &placesBase{costs: slices.Clone(q.Costs()), owner: make([]int32, mn.n.Graph().NumNodes())}
		for v, l := range q.Labels() {
			pb.owner[v] = -1
			if l >= 0 {
				pb.owner[v] = int32(owner[l])
			}
		}
		pb.cellSecs, pb.cellWho = e.placesField(mn)
		return pb, nil
	})
	return v.(*placesBase)
}

// placeSources returns the arrivals of the central places of level ≥
// Mittelzentrum with the place of each (resnap, when not nil, snaps).
func (e *Engine) placeSources(mn *modeNet, ov *network.Overlay) ([]route.Source, []int) {
	var sources []route.Source
	var owner []int
	for pi, pl := range e.places {
		if pl.Level < layers.LevelMittelzentrum || pl.Location == (orb.Point{}) {
			continue
		}
		var s network.Snap
		if ov != nil {
			s = ov.Resnap(pl.Location)
		} else {
			s = mn.n.Snap(pl.Location)
		}
		for _, a := range s.Arrivals() {
			sources = append(sources, a)
			owner = append(owner, pi)
		}
	}
	return sources, owner
}

// HigherPlaces is Engine.HigherPlaces with the overlay: per cell the time
// to the nearest central place of level ≥ Mittelzentrum, and the place.
func (o *RoadOverlay) HigherPlaces() ([]float64, []int) {
	pb := o.e.placesBaseOf(o.mn)
	seeds, via := o.ov.Seeds(pb.costs)
	owner := make([]int, len(seeds))
	for i, v := range via {
		owner[i] = int(pb.owner[v])
	}
	ps, powner := o.e.placeSources(o.mn, o.ov)
	seeds, owner = append(seeds, ps...), append(owner, powner...)
	q := route.NewQuery(o.ov.ReverseGraph())
	q.Improve(seeds, pb.costs, route.Unbounded)
	secs, who := slices.Clone(pb.cellSecs), slices.Clone(pb.cellWho)
	for _, ci := range o.touched(q) {
		s, w := o.cellTime(int(ci), q, pb.costs, func(l int32) int {
			if l < 0 {
				return -1
			}
			return owner[l]
		}, pb.owner)
		if s < secs[ci] {
			secs[ci], who[ci] = s, w
		}
	}
	for i := range secs {
		if math.IsNaN(secs[i]) {
			secs[i] = math.Inf(1)
		}
	}
	return secs, who
}
