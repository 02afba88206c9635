package assess

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/spatial"
	"reach/internal/analysis"
	"reach/internal/catalogue"
	"reach/layers"
)

// Road scenario parameters.
const (
	// roadMatchM is how close (metres) every vertex of an existing segment
	// must lie to a project line for the segment to count as upgraded.
	roadMatchM = 25.0
	// Default speeds of a new link when the project gives none (km/h).
	newLinkCarKmh     = 50.0
	newLinkBicycleKmh = 15.0
	newLinkFootKmh    = 4.5
)

// projectLines returns the lines of a road project in EPSG:25833.
func projectLines(p layers.Project) ([]orb.LineString, error) {
	switch g := p.Geometry.(type) {
	case orb.LineString:
		if len(g) >= 2 {
			return []orb.LineString{g}, nil
		}
	case orb.MultiLineString:
		var out []orb.LineString
		for _, l := range g {
			if len(l) >= 2 {
				out = append(out, l)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("analysis: assess: project %q: field geometry: a road project needs a LineString or MultiLineString of at least two points, got %s: %w", p.ID, geomType(p.Geometry), layers.ErrInvalid)
}

// roadScenario is a road project applied to the road layer: the changed
// copies of existing segments (by index into base) and the new links.
type roadScenario struct {
	base     []layers.RoadSegment
	changed  map[int]layers.RoadSegment
	links    []layers.RoadSegment
	upgraded []int64
}

// roads returns a copy of the road layer with the scenario applied.
func (sc *roadScenario) roads() []layers.RoadSegment {
	roads := append([]layers.RoadSegment(nil), sc.base...)
	for i, s := range sc.changed {
		roads[i] = s
	}
	return append(roads, sc.links...)
}

// changedSegments returns the changed existing segments, by id.
func (sc *roadScenario) changedSegments() []layers.RoadSegment {
	out := make([]layers.RoadSegment, 0, len(sc.changed))
	for _, s := range sc.changed {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// scenarioRoads applies p to the road layer: existing segments lying along
// a project line (every vertex within roadMatchM) get the project's car
// speed (opened both ways for cars if they were closed); a line along no
// existing segment becomes a new link, open both ways for every mode,
// joined to the nearest road nodes within the snapping radius.
func (e *Assessor) scenarioRoads(ctx context.Context, p layers.Project) (*roadScenario, RoadChanges, error) {
	lines, err := projectLines(p)
	if err != nil {
		return nil, RoadChanges{}, err
	}
	if p.SpeedKmh < 0 || math.IsNaN(p.SpeedKmh) || math.IsInf(p.SpeedKmh, 0) {
		return nil, RoadChanges{}, fmt.Errorf("analysis: assess: project %q: field speed_kmh: value %v: %w", p.ID, p.SpeedKmh, layers.ErrInvalid)
	}
	base := e.eng.RoadSegments()
	sc := &roadScenario{base: base, changed: map[int]layers.RoadSegment{}}
	type node struct {
		key int64
		p   orb.Point
	}
	var nodes []node
	var maxID int64
	nodesRead := false
	readNodes := func() {
		if nodesRead {
			return
		}
		nodesRead = true
		seenNode := map[int64]bool{}
		for _, s := range base {
			maxID = max(maxID, s.ID)
			for _, n := range []node{{s.FromNode, s.Geometry[0]}, {s.ToNode, s.Geometry[len(s.Geometry)-1]}} {
				if !seenNode[n.key] {
					seenNode[n.key] = true
					nodes = append(nodes, n)
				}
			}
		}
	}
	// match says whether every vertex of s lies within roadMatchM of line.
	match := func(s *layers.RoadSegment, line orb.LineString, lb orb.Bound) bool {
		if len(s.Geometry) < 2 || !lb.Intersects(s.Geometry.Bound()) {
			return false
		}
		for _, v := range s.Geometry {
			if planar.DistanceFrom(line, v) > roadMatchM {
				return false
			}
		}
		return true
	}
	upgrade := func(s *layers.RoadSegment) {
		sc.upgraded = append(sc.upgraded, s.ID)
		if p.SpeedKmh > 0 {
			s.Car.SpeedKmh = p.SpeedKmh
			if !s.Car.Forward && !s.Car.Backward {
				s.Car.Forward, s.Car.Backward = true, true
			}
		}
	}
	for li, line := range lines {
		if err := ctx.Err(); err != nil {
			return nil, RoadChanges{}, fmt.Errorf("analysis: assess: %w", err)
		}
		lb := line.Bound().Pad(roadMatchM)
		matched := 0
		near := e.roadTree(base).Search(lb, nil)
		slices.Sort(near)
		for _, i32 := range near {
			i := int(i32)
			s, ok := sc.changed[i]
			if !ok {
				s = base[i]
			}
			if !match(&s, line, lb) {
				continue
			}
			matched++
			upgrade(&s)
			sc.changed[i] = s
		}
		for i := range sc.links {
			if match(&sc.links[i], line, lb) {
				matched++
				upgrade(&sc.links[i])
			}
		}
		if matched > 0 {
			continue
		}
		// A new link.
		readNodes()
		nearest := func(pt orb.Point) (int64, orb.Point, bool) {
			best, bestD := -1, math.Inf(1)
			for i, n := range nodes {
				if d := planar.Distance(n.p, pt); d < bestD || (d == bestD && n.key < nodes[best].key) {
					best, bestD = i, d
				}
			}
			if best < 0 || bestD > e.eng.SnapRadiusM() {
				return 0, orb.Point{}, false
			}
			return nodes[best].key, nodes[best].p, true
		}
		geom := append(orb.LineString(nil), line...)
		fromKey, fromPt, ok := nearest(line[0])
		if ok {
			if fromPt != geom[0] {
				geom = append(orb.LineString{fromPt}, geom...)
			}
		} else {
			fromKey = -int64(2*li + 1) // a new, dangling node
		}
		toKey, toPt, ok := nearest(line[len(line)-1])
		if ok {
			if toPt != geom[len(geom)-1] {
				geom = append(geom, toPt)
			}
		} else {
			toKey = -int64(2*li + 2)
		}
		car := p.SpeedKmh
		if car == 0 {
			car = newLinkCarKmh
		}
		maxID++
		sc.links = append(sc.links, layers.RoadSegment{
			ID: maxID, FromNode: fromKey, ToNode: toKey, Geometry: geom, Highway: "project", Name: p.Title,
			LengthM: planar.Length(geom),
			Car:     layers.Access{Forward: true, Backward: true, SpeedKmh: car},
			Bicycle: layers.Access{Forward: true, Backward: true, SpeedKmh: math.Min(newLinkBicycleKmh, car)},
			Foot:    layers.Access{Forward: true, Backward: true, SpeedKmh: math.Min(newLinkFootKmh, car)},
		})
	}
	sort.Slice(sc.upgraded, func(i, j int) bool { return sc.upgraded[i] < sc.upgraded[j] })
	return sc, RoadChanges{UpgradedSegments: sc.upgraded, NewLinks: len(sc.links), SpeedKmh: p.SpeedKmh}, nil
}

type roadTreeKey struct{}

// roadTree indexes the bounds of the road layer's segments (base, the
// engine's layer, which is fixed for its life), built once per engine: a
// project line is matched against the segments near it only.
func (e *Assessor) roadTree(base []layers.RoadSegment) *spatial.RTree {
	v, _ := e.eng.Memo(roadTreeKey{}, func() (any, error) {
		bounds := make([]orb.Bound, len(base))
		entries := make([]int32, 0, len(base))
		for i := range base {
			if len(base[i].Geometry) == 0 {
				continue
			}
			bounds[i] = base[i].Geometry.Bound()
			entries = append(entries, int32(i))
		}
		return spatial.NewRTree(bounds, entries), nil
	})
	return v.(*spatial.RTree)
}

// roadMode is the mode road projects are assessed by: car where a car
// network exists, else the first mode with a network.
func (e *Assessor) roadMode() (layers.Mode, bool) {
	for _, m := range layers.Modes() {
		if _, ok := e.eng.Net(m); ok {
			return m, true
		}
	}
	return "", false
}

// roadProject assesses a road upgrade or new link: the travel time to
// every category with facilities and a standard for the assessment mode is
// computed with the project applied; the effect lists the cells whose time
// changes. A speed-up of existing roads is searched from the changed edges
// on the engine's network (newRoadOverlay); a new link, or a change
// that opens, closes or slows a road, builds the network of the mode anew
// with the project (analysis.Engine.ScenarioNetwork), as does an assessor made by
// NewRebuilding, the reference the overlay is tested against. The headline
// category is the project's own when given, else the one with the most
// residents newly within its standard.
func (e *Assessor) roadProject(ctx context.Context, p layers.Project, d *Details) (*projectEffect, higherReach, error) {
	mode, ok := e.roadMode()
	if !ok {
		if _, err := projectLines(p); err != nil {
			return nil, higherReach{}, err
		}
		return nil, higherReach{}, &unknownEffect{"no road network is loaded: the effect of a road project is unknown"}
	}
	if p.Category == layers.CatOther {
		return nil, higherReach{}, &unknownEffect{fmt.Sprintf("category %q has no standard in the catalogue: the effect on it is unknown", p.Category)}
	}
	if p.Category.Valid() && len(e.eng.FacilityIndexes(p.Category)) == 0 {
		return nil, higherReach{}, &unknownEffect{fmt.Sprintf("no facilities of category %q are loaded: travel times to it are unknown", p.Category)}
	}
	sc, changes, err := e.scenarioRoads(ctx, p)
	if err != nil {
		return nil, higherReach{}, err
	}
	rd := &RoadUpgradeDetails{RoadChanges: changes}
	d.RoadUpgradeDetails = rd
	var after roadAfter
	method := fmt.Sprintf("network %s, searched from the changed roads for every category (only improving)", mode)
	if len(sc.links) == 0 && !e.rebuildRoads {
		ov, err := newRoadOverlay(e.eng, mode, sc.changedSegments())
		switch {
		case err == nil:
			after = overlayAfter{ov}
		case !errors.Is(err, errNoOverlay):
			return nil, higherReach{}, fmt.Errorf("analysis: assess: project %q: %w", p.ID, err)
		}
	}
	if after == nil {
		rn, err := e.eng.ScenarioNetwork(ctx, sc.roads(), mode)
		if err != nil {
			return nil, higherReach{}, fmt.Errorf("analysis: assess: project %q: scenario network: %w", p.ID, err)
		}
		after = rebuiltAfter{rn, e.eng.NumCells(), e.eng}
		method = fmt.Sprintf("network %s, scenario network with the project recomputed for every category", mode)
	}
	var effs []CategoryEffect
	for _, ci := range layers.Categories() {
		cat := ci.Category
		std, ok := e.eng.Catalogue().Standard(cat, mode)
		if !ok || std.Measure == catalogue.MeasureAreaService || len(e.eng.FacilityIndexes(cat)) == 0 {
			continue
		}
		before, err := e.eng.TravelField(ctx, cat, mode)
		if err != nil {
			return nil, higherReach{}, err
		}
		chs, err := after.changes(ctx, before)
		if err != nil {
			return nil, higherReach{}, err
		}
		eff := &projectEffect{cat: cat, mode: mode, std: std, limit: std.MaxSeconds(), before: before, method: method, changes: chs}
		ce := CategoryEffect{Category: cat, StandardMinutes: std.MaxMinutes, eff: eff}
		for _, c := range chs {
			b, a := c.Before, c.After
			ce.CellsChanged++
			pop := e.eng.Cell(int(c.Cell)).Residents
			if b-a >= MinImprovementS {
				ce.Beneficiaries += pop
			}
			if b > eff.limit && a <= eff.limit {
				ce.NewlyWithinStandard += pop
			}
		}
		effs = append(effs, ce)
	}
	rd.Categories = effs
	var head *projectEffect
	best := -1
	for i, ce := range effs {
		if p.Category.Valid() {
			if ce.Category == p.Category {
				best = i
				break
			}
			continue
		}
		if best < 0 || ce.NewlyWithinStandard > effs[best].NewlyWithinStandard ||
			(ce.NewlyWithinStandard == effs[best].NewlyWithinStandard && ce.Beneficiaries > effs[best].Beneficiaries) {
			best = i
		}
	}
	if best < 0 {
		return nil, higherReach{}, &unknownEffect{fmt.Sprintf("no category has both facilities loaded and a %s standard: the effect on travel times is unknown", mode)}
	}
	head = effs[best].eff
	hr, err := e.roadHigherReach(ctx, mode, after)
	if err != nil {
		return nil, higherReach{}, err
	}
	return head, hr, nil
}

// roadHigherReach says whether the scenario improves the time to the next
// Mittel- or Oberzentrum for residents beyond HigherReachMinutes.
func (e *Assessor) roadHigherReach(ctx context.Context, mode layers.Mode, after roadAfter) (higherReach, error) {
	if err := ctx.Err(); err != nil {
		return higherReach{}, fmt.Errorf("analysis: assess: %w", err)
	}
	before := e.higherPlacesBefore(mode)
	aft, who := after.HigherPlaces()
	names := map[string]bool{}
	for ci := range e.eng.NumCells() {
		if before[ci] > HigherReachMinutes*60 && before[ci]-aft[ci] >= MinImprovementS && who[ci] >= 0 {
			names[e.eng.CentralPlaces()[who[ci]].Name] = true
		}
	}
	h := higherReach{places: sortedKeys(names)}
	h.strengthens = len(h.places) > 0
	return h, nil
}

type higherBeforeKey struct{ mode layers.Mode }

// higherPlacesBefore is the engine's time to the next Mittel- or
// Oberzentrum by mode without any project: a search over the whole
// network, done once per engine (shared, read-only).
func (e *Assessor) higherPlacesBefore(mode layers.Mode) []float64 {
	v, _ := e.eng.Memo(higherBeforeKey{mode}, func() (any, error) {
		net, _ := e.eng.Net(mode)
		secs, _ := higherPlaces(e.eng, net)
		return secs, nil
	})
	return v.([]float64)
}

// roadAfter gives the travel times with a road project applied.
type roadAfter interface {
	// changes lists the cells whose time differs from before, ascending.
	changes(ctx context.Context, before analysis.Field) ([]analysis.CellChange, error)
	// HigherPlaces is higherPlaces with the project.
	HigherPlaces() ([]float64, []int)
}

// overlayAfter searches from the changed edges.
type overlayAfter struct{ ov *roadOverlay }

func (o overlayAfter) changes(ctx context.Context, before analysis.Field) ([]analysis.CellChange, error) {
	return o.ov.changes(ctx, before)
}

func (o overlayAfter) HigherPlaces() ([]float64, []int) { return o.ov.HigherPlaces() }

// rebuiltAfter compares every cell on the network built anew.
type rebuiltAfter struct {
	rn    *analysis.RoadScenario
	cells int
	eng   *analysis.Engine
}

func (r rebuiltAfter) changes(ctx context.Context, before analysis.Field) ([]analysis.CellChange, error) {
	af, err := r.rn.Seconds(ctx, before.Category())
	if err != nil {
		return nil, err
	}
	bs := before.Seconds()
	var out []analysis.CellChange
	for i := range r.cells {
		b, a := bs[i], af[i]
		if b == a || (math.IsInf(b, 1) && math.IsInf(a, 1)) {
			continue
		}
		out = append(out, analysis.CellChange{Cell: int32(i), Before: b, After: a})
	}
	return out, nil
}

func (r rebuiltAfter) HigherPlaces() ([]float64, []int) { return higherPlaces(r.eng, r.rn.Net()) }
