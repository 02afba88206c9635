package assess

// A speed-up of existing road segments applied to the engine's network of
// one mode without building it again (network.Overlay), searched on the
// engine's read-only view of the network with its places (analysis.Net):
// the travel times it changes are found by "only improving" searches
// seeded at the changed edges on the baseline fields, and only the places
// on a changed edge are snapped again.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/analysis"
	"reach/internal/network"
	"reach/layers"
)

// errNoOverlay is wrapped by newRoadOverlay when a road change cannot be
// searched from the changed edges (it opens, closes or slows a road, or
// adds one): the caller builds the scenario network instead.
var errNoOverlay = errors.New("analysis: the road change needs the network built anew")

// roadOverlay is a road change applied to the network of one mode.
type roadOverlay struct {
	eng *analysis.Engine
	net analysis.Net
	ov  *network.Overlay
}

type segEdgesKey struct{ mode layers.Mode }
type roadIndexKey struct{}

// newRoadOverlay applies changed (new versions of segments of the road
// layer, same ids and geometry) to the network of mode.
func newRoadOverlay(eng *analysis.Engine, mode layers.Mode, changed []layers.RoadSegment) (*roadOverlay, error) {
	net, ok := eng.Net(mode)
	if !ok {
		return nil, fmt.Errorf("analysis: road overlay: no %s network: %w", mode, errNoOverlay)
	}
	roads := eng.RoadSegments()
	idx, err := eng.Memo(roadIndexKey{}, func() (any, error) {
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
	v, _ := eng.Memo(segEdgesKey{mode}, func() (any, error) { return net.Network.SegmentEdges(), nil })
	edges := v.(map[int64]graph.EdgeID)
	var onNet []layers.RoadSegment
	for _, s := range changed {
		i, ok := byID[s.ID]
		if !ok {
			return nil, fmt.Errorf("analysis: road overlay: segment %d is new: %w", s.ID, errNoOverlay)
		}
		old := roads[i].Access(mode)
		if _, ok := edges[s.ID]; !ok {
			if a := s.Access(mode); a.Forward || a.Backward || old.Forward || old.Backward {
				return nil, fmt.Errorf("analysis: road overlay: segment %d is not on the %s network: %w", s.ID, mode, errNoOverlay)
			}
			continue // closed to the mode before and after
		}
		onNet = append(onNet, s)
	}
	ov, err := net.Network.NewOverlay(onNet, edges, func(id int64) (layers.RoadSegment, bool) {
		i, ok := byID[id]
		if !ok {
			return layers.RoadSegment{}, false
		}
		return roads[i], true
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: road overlay: %v: %w", err, errNoOverlay)
	}
	return &roadOverlay{eng: eng, net: net, ov: ov}, nil
}

// changes returns the cells whose time to the nearest facility of
// before's category changes with the overlay, against before, the
// engine's field of (category, mode), ascending by cell.
func (o *roadOverlay) changes(ctx context.Context, before analysis.Field) ([]analysis.CellChange, error) {
	base := before.NodeCosts()
	if base == nil {
		return nil, fmt.Errorf("analysis: road overlay: the field is not a network field: %w", errNoOverlay)
	}
	secs := before.Seconds()
	seeds, _ := o.ov.Seeds(base)
	// Facilities of the category on a changed edge arrive by new legs.
	facs := o.eng.Facilities()
	for _, fi := range o.eng.FacilityIndexes(before.Category()) {
		if !o.net.Facilities.Snapped(fi) || !o.ov.Touches(o.net.Facilities.Arrivals(fi)) {
			continue
		}
		s := o.ov.Resnap(facs[fi].Location)
		seeds = append(seeds, s.Arrivals()...)
	}
	q := route.NewQuery(o.ov.ReverseGraph())
	q.Improve(seeds, base, route.Unbounded)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []analysis.CellChange
	for _, ci := range o.touched(q) {
		s, _ := o.cellTime(int(ci), q, base, nil, nil)
		if s < secs[ci] {
			out = append(out, analysis.CellChange{Cell: ci, Before: secs[ci], After: s})
		}
	}
	return out, nil
}

// touched returns the cells that leave through a node q improved or
// through an end of a changed edge, ascending.
func (o *roadOverlay) touched(q *route.Query) []int32 {
	var out []int32
	for _, v := range q.Settled() {
		out = append(out, o.net.Cells.At(v)...)
	}
	for _, ed := range o.ov.ChangedEdges() {
		e := o.ov.Graph().Edge(ed)
		out = append(out, o.net.Cells.At(e.From)...)
		out = append(out, o.net.Cells.At(e.To)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cellTime is the time of cell ci with the overlay: its departures (new
// legs on a changed edge) joined with q's improved costs, else base. With
// labels, it also gives the label of the best node (improved: owner of
// q's label; else baseOwner of the node).
func (o *roadOverlay) cellTime(ci int, q *route.Query, base []graph.Cost, owner func(int32) int, baseOwner []int32) (float64, int) {
	deps := o.net.Cells.Departures(ci)
	if o.ov.Touches(deps) {
		s := o.ov.Resnap(o.eng.PopulatedCells()[ci].UTM)
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

func placesBaseOf(eng *analysis.Engine, net analysis.Net) *placesBase {
	v, _ := eng.Memo(placesBaseKey{net.Mode}, func() (any, error) {
		sources, owner := placeSources(eng, net, nil)
		q := net.Network.ReverseQueries().Get()
		defer net.Network.ReverseQueries().Put(q)
		q.Run(sources, route.Unbounded)
		pb := &placesBase{costs: slices.Clone(q.Costs()), owner: make([]int32, net.Network.Graph().NumNodes())}
		for v, l := range q.Labels() {
			pb.owner[v] = -1
			if l >= 0 {
				pb.owner[v] = int32(owner[l])
			}
		}
		pb.cellSecs, pb.cellWho = higherPlaces(eng, net)
		return pb, nil
	})
	return v.(*placesBase)
}

// placeSources returns the arrivals of the central places of level ≥
// Mittelzentrum with the place of each (snapped with ov when not nil).
func placeSources(eng *analysis.Engine, net analysis.Net, ov *network.Overlay) ([]route.Source, []int) {
	var sources []route.Source
	var owner []int
	for pi, pl := range eng.CentralPlaces() {
		if pl.Level < layers.LevelMittelzentrum || pl.Location == (orb.Point{}) {
			continue
		}
		var s network.Snap
		if ov != nil {
			s = ov.Resnap(pl.Location)
		} else {
			s = net.Network.Snap(pl.Location)
		}
		for _, a := range s.Arrivals() {
			sources = append(sources, a)
			owner = append(owner, pi)
		}
	}
	return sources, owner
}

// higherPlaces returns, per cell, the time to the nearest central place of
// level ≥ Mittelzentrum (by its location) on net, and the index of that
// place in CentralPlaces() (-1 when none).
func higherPlaces(eng *analysis.Engine, net analysis.Net) ([]float64, []int) {
	sources, owner := placeSources(eng, net, nil)
	n := len(eng.PopulatedCells())
	secs := make([]float64, n)
	who := make([]int, n)
	q := net.Network.ReverseQueries().Get()
	defer net.Network.ReverseQueries().Put(q)
	q.Run(sources, route.Unbounded)
	for ci := range n {
		secs[ci], who[ci] = math.Inf(1), -1
		r := network.Via(net.Cells.Departures(ci), q)
		if r.Reached && r.Label >= 0 {
			secs[ci], who[ci] = float64(r.Cost.Seconds()), owner[r.Label]
		}
	}
	return secs, who
}

// HigherPlaces is higherPlaces with the overlay: per cell the time to the
// nearest central place of level ≥ Mittelzentrum, and the place.
func (o *roadOverlay) HigherPlaces() ([]float64, []int) {
	pb := placesBaseOf(o.eng, o.net)
	seeds, via := o.ov.Seeds(pb.costs)
	owner := make([]int, len(seeds))
	for i, v := range via {
		owner[i] = int(pb.owner[v])
	}
	ps, powner := placeSources(o.eng, o.net, o.ov)
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
