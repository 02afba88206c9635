// Package network builds the routable network of each travel mode from the
// road layer and offers what the analysis needs on it: snapping points with
// their access leg, search seeds for travel from and to places, combining a
// place's entry points with a search's node costs, the places on the
// network (Places), the reached part of a network as a raster for
// isochrones (Raster), the pgRouting edge table and the components of the
// network.
//
// # Model
//
// Every layers.RoadSegment is an undirected piece of road between two OSM
// nodes (segments are split at junctions). For a mode, a segment open in at
// least one direction becomes a graph edge between its end nodes; each open
// direction is an arc whose cost is the traversal time: LengthM at the
// mode's SpeedKmh, or DurationS for segments with a fixed duration (ferries
// with a timetable duration). Costs are rounded to whole milliseconds per
// segment and summed exactly; the exported pgRouting table carries these
// same values in seconds, so that pgRouting's sums agree with ours to a
// millisecond per edge of the path.
//
// Chains of segments through nodes of degree 2 (no junction for this mode)
// that share speed and access are merged into one edge (graph.BuildOptions
// Contract); ferries are never merged. Nodes are renumbered along a Hilbert
// curve. An edge keeps the ids of its segments and their geometry.
//
// # Places
//
// A place (a cell centre, a facility, a clicked point; EPSG:25833) is
// snapped to the nearest point of an edge of the main strongly connected
// component within a radius (Options.SnapRadiusM). The access leg is the
// straight line from the place to that point, travelled at the mode's access
// speed (Options.AccessSpeedKmh; defaults: car 15 km/h, a slow drive over
// yards and unmapped access roads; bicycle 12 km/h; foot 4.5 km/h). From the
// snapped point the traveller moves along the edge, in the directions it is
// open, to its end nodes; the part of the edge's cost is proportional to the
// part of its length (exact within an edge, whose pieces share one speed).
// Places never snap to motorways, trunk roads, their links or ferries:
// those are entered only at junctions and landings, so a house beside the
// motorway snaps to the nearest road it can drive onto, and reaches the
// motorway through the network (SideAccess; the same rule keeps an
// isochrone from spreading out of their interior). SnapPlaces snaps many
// places at once and keeps them as Places, indexed by the nodes they leave
// through; Places have a snapshot of their own (Places.WriteTo,
// ReadPlaces).
// A place farther than the radius from the main component is not snapped and
// the Snap says why; a place whose nearest road is an island (a part that
// cannot reach the main component or cannot be reached from it) is snapped
// to the main component if that lies within the radius, and Snap.Island
// records that an island road was nearer.
//
// Searches connect places through the edge's end nodes, never along a
// shared piece of edge; Network.Direct gives the travel between two places
// on the same edge, to be taken when it is less (for a matrix or a single
// route). For the nearest facility of every cell the node-based time is
// used; it differs only where a cell and its facility share one edge, by at
// most the detour to an end node and back.
//
// # Travel to places
//
// Travel time from every cell to its nearest facility is one search on the
// reverse graph (ReverseQueries) seeded with the facilities' Arrivals; a
// cell's time is then Via(cell Departures, query) or Leave(cell Departures,
// costs): the least over its Departures of departure cost plus the node's
// cost, with the nearest facility as the label and the network metres. One-
// way streets count in the right direction. For a search over the whole
// graph use route.Query.RunParallel with runtime.GOMAXPROCS(0) workers; for
// the effect of one added site use route.Query.Improve against a copy of the
// costs of the full search.
//
// # Export and snapshots
//
// Edges yields the graph in pgRouting's edge-table convention (the exact
// graph and costs routed on; tests check pgr_drivingDistance and
// pgr_dijkstraCost agree to a microsecond). WriteTo and ReadFrom store and
// load a whole network for a cold start without the road layer, with its
// contraction hierarchy when one was prepared.
//
// A Network is immutable and safe for concurrent use; its query pools hand
// each goroutine its own search state.
package network

import (
	"context"
	"fmt"
	"iter"
	"math"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/geo/snap"
	"reach/layers"
)

// Default access speeds in km/h for the straight-line leg between a place
// and the network.
const (
	DefaultAccessCarKmh     = 15.0
	DefaultAccessBicycleKmh = 12.0
	DefaultAccessFootKmh    = 4.5
)

// DefaultSnapRadiusM is the default snapping radius in metres.
const DefaultSnapRadiusM = 1000.0

// Options controls Build. The zero value builds all modes with the defaults.
type Options struct {
	// Modes to build; nil means layers.Modes().
	Modes []layers.Mode
	// AccessSpeedKmh overrides the access speed of a mode; missing or
	// non-positive entries take the defaults.
	AccessSpeedKmh map[layers.Mode]float64
	// SnapRadiusM is the snapping radius in metres; 0 means
	// DefaultSnapRadiusM.
	SnapRadiusM float64
	// NoContract keeps every segment as its own edge (no degree-2
	// contraction).
	NoContract bool
}

// Network is the routable network of one mode. See the package comment.
type Network struct {
	mode     layers.Mode
	g, r     *graph.Graph
	comp     *graph.Components
	geom     []orb.LineString // per edge, From → To
	endsOnly []bool           // per edge: entered and left only at its end nodes (enteredAtEndsOnly)
	lines    *snap.Lines
	main     uint32 // main component
	mainEdge []bool
	speed    float64 // access speed in m/s
	radius   float64
	fwd, rev *route.Pool
	hier     hierarchy // contraction hierarchy, prepared on demand
}

// Mode returns the network's travel mode.
func (n *Network) Mode() layers.Mode { return n.mode }

// Graph returns the forward graph: arcs in the direction of travel.
func (n *Network) Graph() *graph.Graph { return n.g }

// ReverseGraph returns the reverse graph, for searches towards places.
func (n *Network) ReverseGraph() *graph.Graph { return n.r }

// Queries returns the pool of search states on the forward graph.
func (n *Network) Queries() *route.Pool { return n.fwd }

// ReverseQueries returns the pool of search states on the reverse graph.
func (n *Network) ReverseQueries() *route.Pool { return n.rev }

// Components returns the strongly connected components of the graph.
func (n *Network) Components() *graph.Components { return n.comp }

// MainComponent returns the main component: the strongly connected
// component with the greatest length of road inside it. Places snap only to
// its edges.
func (n *Network) MainComponent() uint32 { return n.main }

// InMain reports whether node v is in the main component.
func (n *Network) InMain(v graph.NodeID) bool { return n.comp.Of[v] == n.main }

// Geometry returns the geometry of edge e in EPSG:25833 from its From to its
// To node. The slice aliases the network and must not be modified.
func (n *Network) Geometry(e graph.EdgeID) orb.LineString { return n.geom[e] }

// SnapRadiusM returns the default snapping radius in metres.
func (n *Network) SnapRadiusM() float64 { return n.radius }

// AccessSpeedKmh returns the access speed in km/h.
func (n *Network) AccessSpeedKmh() float64 { return n.speed * 3.6 }

// Build reads road segments and builds one Network per requested mode. A
// segment whose mode access is open in a direction must have a positive
// speed or duration and a geometry of at least two vertices; otherwise Build
// fails naming the segment. Segment ids must be unique. Build checks ctx
// while reading.
func Build(ctx context.Context, roads iter.Seq2[layers.RoadSegment, error], opts Options) (map[layers.Mode]*Network, error) {
	modes := opts.Modes
	if modes == nil {
		modes = layers.Modes()
	}
	for _, m := range modes {
		if _, ok := layers.ParseMode(string(m)); !ok {
			return nil, fmt.Errorf("network: unknown mode %q", m)
		}
	}
	radius := opts.SnapRadiusM
	if radius == 0 {
		radius = DefaultSnapRadiusM
	}
	if !(radius > 0) || math.IsInf(radius, 0) {
		return nil, fmt.Errorf("network: snap radius %v m", opts.SnapRadiusM)
	}

	type modeBuild struct {
		b       graph.Builder
		local   map[int32]graph.NodeID // global node → builder node
		classes map[classKey]uint32
	}
	builds := make([]*modeBuild, len(modes))
	for i := range builds {
		builds[i] = &modeBuild{local: map[int32]graph.NodeID{}, classes: map[classKey]uint32{}}
	}
	nodeOf := map[int64]int32{}
	var nodeKeys []int64
	var nodePts []orb.Point
	global := func(key int64, p orb.Point) int32 {
		if i, ok := nodeOf[key]; ok {
			return i
		}
		i := int32(len(nodeKeys))
		nodeOf[key] = i
		nodeKeys = append(nodeKeys, key)
		nodePts = append(nodePts, p)
		return i
	}
	segGeom := map[int64]orb.LineString{}
	endsOnlySeg := map[int64]bool{}
	count := 0
	var nextFerryClass uint32 = 1 << 31
	for seg, err := range roads {
		if err != nil {
			return nil, fmt.Errorf("network: reading roads: %w", err)
		}
		if count++; count%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("network: %w", err)
			}
		}
		open := false
		for _, m := range modes {
			a := seg.Access(m)
			if a.Forward || a.Backward {
				open = true
			}
		}
		if !open {
			continue
		}
		if len(seg.Geometry) < 2 {
			return nil, fmt.Errorf("network: segment %d (way %d): geometry has %d vertices, want at least 2", seg.ID, seg.WayID, len(seg.Geometry))
		}
		if _, dup := segGeom[seg.ID]; dup {
			return nil, fmt.Errorf("network: segment %d (way %d): duplicate segment id", seg.ID, seg.WayID)
		}
		segGeom[seg.ID] = seg.Geometry
		if enteredAtEndsOnly(seg.Highway) {
			endsOnlySeg[seg.ID] = true
		}
		length := seg.LengthM
		if length == 0 {
			length = planarLength(seg.Geometry)
		}
		if math.IsNaN(length) || math.IsInf(length, 0) || length < 0 {
			return nil, fmt.Errorf("network: segment %d (way %d): length %v m", seg.ID, seg.WayID, seg.LengthM)
		}
		gu := global(seg.FromNode, seg.Geometry[0])
		gv := global(seg.ToNode, seg.Geometry[len(seg.Geometry)-1])
		for i, m := range modes {
			a := seg.Access(m)
			if !a.Forward && !a.Backward {
				continue
			}
			secs, class, err := segmentCost(seg, a, length)
			if err != nil {
				return nil, err
			}
			class.endsOnly = endsOnlySeg[seg.ID]
			c, err := graph.CostOf(graph.Seconds(secs))
			if err != nil {
				return nil, fmt.Errorf("network: segment %d (way %d) %s: %w", seg.ID, seg.WayID, m, err)
			}
			mb := builds[i]
			var cls uint32
			if class.ferry {
				cls = nextFerryClass
				nextFerryClass++
			} else {
				var ok bool
				if cls, ok = mb.classes[class]; !ok {
					cls = uint32(len(mb.classes))
					mb.classes[class] = cls
				}
			}
			u, ok := mb.local[gu]
			if !ok {
				u = mb.b.AddNode(nodeKeys[gu], nodePts[gu])
				mb.local[gu] = u
			}
			v, ok := mb.local[gv]
			if !ok {
				v = mb.b.AddNode(nodeKeys[gv], nodePts[gv])
				mb.local[gv] = v
			}
			spec := graph.EdgeSpec{Key: seg.ID, From: u, To: v, Forward: graph.Closed, Backward: graph.Closed, Length: graph.Meters(length), Class: cls}
			if a.Forward {
				spec.Forward = c
			}
			if a.Backward {
				spec.Backward = c
			}
			if err := mb.b.AddEdge(spec); err != nil {
				return nil, fmt.Errorf("network: segment %d (way %d): %w", seg.ID, seg.WayID, err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	out := make(map[layers.Mode]*Network, len(modes))
	for i, m := range modes {
		g, err := builds[i].b.Build(graph.BuildOptions{Contract: !opts.NoContract, SpatialOrder: true})
		if err != nil {
			return nil, fmt.Errorf("network: %s: %w", m, err)
		}
		builds[i] = nil
		speed := opts.AccessSpeedKmh[m]
		if !(speed > 0) || math.IsInf(speed, 0) {
			speed = defaultAccess(m)
		}
		out[m] = newNetwork(m, g, segGeom, endsOnlySeg, speed/3.6, radius)
	}
	return out, nil
}

// classKey groups segments that contraction may merge: same speed, not a
// ferry (ferries get a class of their own each), and either all or none
// closed to snapping.
type classKey struct {
	speed    float64
	ferry    bool
	endsOnly bool
}

// enteredAtEndsOnly is the one rule for roads one cannot get on or off
// along the way: motorways, trunk roads (in Germany the Kraftfahrstraßen)
// and their links are entered and left only at junctions, a ferry only at
// its landings. Places never snap to such edges (a house beside the
// motorway snaps to the nearest road it can drive onto and reaches the
// motorway through the network), and their interior gives no access to
// the surroundings (SideAccess), in every mode.
func enteredAtEndsOnly(highway string) bool {
	switch highway {
	case "motorway", "motorway_link", "trunk", "trunk_link", "ferry":
		return true
	}
	return false
}

func segmentCost(seg layers.RoadSegment, a layers.Access, length float64) (float64, classKey, error) {
	if seg.DurationS > 0 {
		if math.IsInf(seg.DurationS, 0) || math.IsNaN(seg.DurationS) {
			return 0, classKey{}, fmt.Errorf("network: segment %d (way %d): duration %v s", seg.ID, seg.WayID, seg.DurationS)
		}
		return seg.DurationS, classKey{ferry: true}, nil
	}
	if !(a.SpeedKmh > 0) || math.IsInf(a.SpeedKmh, 0) {
		return 0, classKey{}, fmt.Errorf("network: segment %d (way %d): open but speed %v km/h", seg.ID, seg.WayID, a.SpeedKmh)
	}
	return length / (a.SpeedKmh / 3.6), classKey{speed: a.SpeedKmh, ferry: seg.Highway == "ferry"}, nil
}

func defaultAccess(m layers.Mode) float64 {
	switch m {
	case layers.Car:
		return DefaultAccessCarKmh
	case layers.Bicycle:
		return DefaultAccessBicycleKmh
	}
	return DefaultAccessFootKmh
}

func planarLength(l orb.LineString) float64 {
	s := 0.0
	for i := 1; i < len(l); i++ {
		s += math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
	}
	return s
}

// newNetwork joins the segments' geometry into edge geometry and assembles
// the network.
func newNetwork(m layers.Mode, g *graph.Graph, segGeom map[int64]orb.LineString, endsOnlySeg map[int64]bool, speed, radius float64) *Network {
	geom := make([]orb.LineString, g.NumEdges())
	endsOnly := make([]bool, g.NumEdges())
	for e := range geom {
		var line orb.LineString
		srcs := g.Sources(graph.EdgeID(e))
		endsOnly[e] = len(srcs) > 0
		for _, s := range srcs {
			endsOnly[e] = endsOnly[e] && endsOnlySeg[s.ID]
			part := segGeom[s.ID]
			start := len(line)
			if start > 0 {
				line = line[:start-1] // shared junction vertex
				start--
			}
			line = append(line, part...)
			if s.Reversed {
				for i, j := start, len(line)-1; i < j; i, j = i+1, j-1 {
					line[i], line[j] = line[j], line[i]
				}
			}
		}
		geom[e] = line
	}
	return assemble(m, g, geom, endsOnly, speed, radius, nil)
}

// assemble computes the reverse graph, the strongly connected components
// (unless comp gives them, read from a snapshot), the main component, the
// snap index and the query pools of a graph with its edge geometry. The
// snap index and the reverse graph depend only on g and geom and are
// computed alongside the rest.
func assemble(m layers.Mode, g *graph.Graph, geom []orb.LineString, endsOnly []bool, speed, radius float64, comp *graph.Components) *Network {
	n := &Network{mode: m, g: g, geom: geom, endsOnly: endsOnly, speed: speed, radius: radius, comp: comp}
	var wg sync.WaitGroup
	wg.Go(func() { n.lines = snap.NewLines(n.geom, 0) })
	wg.Go(func() { n.r = g.Reverse() })
	if n.comp == nil {
		n.comp = graph.StrongComponents(g)
	}
	// The main component is the one with the most road length inside it:
	// after contraction node counts say little about size (a ring road is
	// one node with a loop).
	inner := make([]float64, len(n.comp.Size))
	for e := range g.NumEdges() {
		ed := g.Edge(graph.EdgeID(e))
		if c := n.comp.Of[ed.From]; c == n.comp.Of[ed.To] {
			inner[c] += float64(ed.Length)
		}
	}
	for c := range inner {
		if inner[c] > inner[n.main] {
			n.main = uint32(c)
		}
	}
	n.mainEdge = make([]bool, g.NumEdges())
	for e := range n.mainEdge {
		ed := g.Edge(graph.EdgeID(e))
		n.mainEdge[e] = n.comp.Of[ed.From] == n.main && n.comp.Of[ed.To] == n.main && !endsOnly[e]
	}
	wg.Wait()
	n.fwd = route.NewPool(g)
	n.rev = route.NewPool(n.r)
	return n
}

// SideAccess reports whether places beside edge e can get on and off it
// along the way; false for the roads entered and left only at their end
// nodes (motorways, trunk roads, their links, ferries).
func (n *Network) SideAccess(e graph.EdgeID) bool { return !n.endsOnly[e] }

// Snap is where a place meets the network. When Snapped is false only Input,
// Reason and Island are meaningful.
type Snap struct {
	Input     orb.Point // EPSG:25833, as given
	Snapped   bool
	Reason    string       // why not snapped, e.g. "no road within 1000 m"
	Island    bool         // an island road was nearer than the main component
	Point     orb.Point    // snapped point on the network, EPSG:25833
	DistanceM float64      // straight-line access distance
	Access    graph.Cost   // access leg time at the mode's access speed
	Edge      graph.EdgeID // edge snapped to
	AlongM    float64      // metres along the edge from its From node

	out, in   [2]route.Source
	nOut, nIn uint8
}

// Departures returns the ways to leave the place onto the network: each is
// a node of the forward graph with the cost (access leg plus the part of the
// edge) and the metres of edge to get there. Use them as sources of a
// forward search, or combine them with the costs of a reverse search (see
// Leave). Empty when not snapped.
func (s *Snap) Departures() []route.Source { return s.out[:s.nOut] }

// Arrivals returns the ways to arrive at the place from the network: each is
// a node with the cost of the rest of the way (the part of the edge plus the
// access leg). Use them as sources of a search on the reverse graph to get
// the time from every node to the place, or combine them with the costs of a
// forward search (see Leave). Empty when not snapped.
func (s *Snap) Arrivals() []route.Source { return s.in[:s.nIn] }

// Snap snaps p (EPSG:25833) within the network's snap radius.
func (n *Network) Snap(p orb.Point) Snap { return n.SnapWithin(p, n.radius) }

// SnapWithin snaps p (EPSG:25833) to the nearest point of an edge of the
// main component within radius metres. See the package comment.
func (n *Network) SnapWithin(p orb.Point, radius float64) Snap {
	s := Snap{Input: p}
	hit, ok := n.lines.Nearest(p, radius, func(e uint32) bool { return n.mainEdge[e] })
	anyHit, anyOK := n.lines.Nearest(p, radius, func(e uint32) bool { return !n.endsOnly[e] })
	if anyOK && (!ok || anyHit.Distance < hit.Distance) {
		s.Island = true
	}
	if !ok {
		if anyOK {
			c := n.comp.Of[n.g.Edge(graph.EdgeID(anyHit.Line)).From]
			s.Reason = fmt.Sprintf("nearest %s road within %g m (%.0f m away) is on an isolated part of the network (%d nodes)", n.mode, radius, anyHit.Distance, n.comp.Size[c])
		} else {
			s.Reason = fmt.Sprintf("no %s road within %g m", n.mode, radius)
		}
		return s
	}
	s.Snapped = true
	s.Point = hit.Point
	s.DistanceM = hit.Distance
	s.Edge = graph.EdgeID(hit.Line)
	s.AlongM = hit.Along
	s.Access = n.accessCost(hit.Distance)
	e := n.g.Edge(s.Edge)
	total := float64(e.Length)
	f := hit.Fraction
	if total == 0 {
		f = 0
	}
	part := func(c graph.Cost, frac float64) graph.Cost {
		return graph.AddCost(s.Access, graph.Cost(math.Round(float64(c)*frac)))
	}
	before, after := float32(f*total), float32((1-f)*total)
	// leave: along the edge forwards to To, backwards to From
	if e.Forward != graph.Closed {
		s.addOut(route.Source{Node: e.To, Offset: part(e.Forward, 1-f), Meters: after})
		s.addIn(route.Source{Node: e.From, Offset: part(e.Forward, f), Meters: before})
	}
	if e.Backward != graph.Closed {
		s.addOut(route.Source{Node: e.From, Offset: part(e.Backward, f), Meters: before})
		s.addIn(route.Source{Node: e.To, Offset: part(e.Backward, 1-f), Meters: after})
	}
	// A place at a node (within AtNodeM) leaves and arrives by every edge
	// of that node, not only by the one it snapped to: the node itself is a
	// departure and an arrival at the cost of the access leg. (From a
	// vertex where a one-way road starts, the road's own direction alone
	// would miss the other roads of the junction.)
	if float64(before) <= AtNodeM {
		s.addOut(route.Source{Node: e.From, Offset: s.Access})
		s.addIn(route.Source{Node: e.From, Offset: s.Access})
	}
	if float64(after) <= AtNodeM {
		s.addOut(route.Source{Node: e.To, Offset: s.Access})
		s.addIn(route.Source{Node: e.To, Offset: s.Access})
	}
	return s
}

// AtNodeM is how close (metres) a snapped point must lie to a node to count
// as at that node.
const AtNodeM = 0.01

// addOut adds a departure, keeping one entry per node (the cheaper): the
// entries of a snap only ever name the edge's two end nodes.
func (s *Snap) addOut(src route.Source) { s.nOut = addSource(&s.out, s.nOut, src) }

// addIn adds an arrival like addOut.
func (s *Snap) addIn(src route.Source) { s.nIn = addSource(&s.in, s.nIn, src) }

func addSource(list *[2]route.Source, n uint8, src route.Source) uint8 {
	for i := range n {
		if list[i].Node == src.Node {
			if src.Offset < list[i].Offset || (src.Offset == list[i].Offset && src.Meters < list[i].Meters) {
				list[i] = src
			}
			return n
		}
	}
	list[n] = src
	return n + 1
}

func (n *Network) accessCost(d float64) graph.Cost {
	c, err := graph.CostOf(graph.Seconds(d / n.speed))
	if err != nil {
		return graph.MaxCost
	}
	return c
}

// Leave combines a place's entries (Departures for costs of a reverse
// search, Arrivals for costs of a forward search) with the node costs of a
// search and returns the least total cost, the index of the entry that gives
// it, and false when no entry's node was reached.
func Leave(entries []route.Source, costs []graph.Cost) (graph.Cost, int, bool) {
	best, at := graph.Closed, -1
	for i, e := range entries {
		c := costs[e.Node]
		if c == graph.Closed {
			continue
		}
		if t := graph.AddCost(c, e.Offset); t < best {
			best, at = t, i
		}
	}
	return best, at, at >= 0
}

// Reached is the answer for one place after a search: the total time, the
// label (index of the search source that is nearest), the network length in
// metres (edge parts included, access leg excluded) and whether it was
// reached at all.
type Reached struct {
	Cost    graph.Cost
	Label   int32
	Meters  float64
	Reached bool
}

// Via returns what the last run of q (a route.Query or route.Sweep) gives
// for a place entering the search through entries (Departures after a
// reverse search, Arrivals after a forward search). It reads only the
// entries' nodes, so it costs the same after a small Improve as after a
// full Run. It equals Leave on the run's costs.
func Via(entries []route.Source, q route.Result) Reached {
	best := Reached{Cost: graph.Closed, Label: route.NoLabel}
	for _, e := range entries {
		c := q.Cost(e.Node)
		if c == graph.Closed {
			continue
		}
		if t := graph.AddCost(c, e.Offset); t < best.Cost {
			best = Reached{Cost: t, Label: q.Label(e.Node), Meters: float64(q.Meters(e.Node)) + float64(e.Meters), Reached: true}
		}
	}
	return best
}

// Direct returns the travel from place a to place b along the one edge
// both are snapped to, when they share an edge whose direction from a to b
// is open: access leg of a, the piece of edge between them, access leg of b.
// Searches connect places only through nodes (see the package comment);
// a caller that wants the exact time between two given places takes the
// lesser of Direct and the search result.
func (n *Network) Direct(a, b *Snap) (Reached, bool) {
	if !a.Snapped || !b.Snapped || a.Edge != b.Edge {
		return Reached{Cost: graph.Closed, Label: route.NoLabel}, false
	}
	e := n.g.Edge(a.Edge)
	// AlongM is measured on the edge's geometry: the share of the edge
	// between the two is taken of its planar length, as Snap takes the
	// legs (the edge's Length, from the road layer, differs from it by the
	// projection's scale).
	total := planarLength(n.geom[a.Edge])
	c := e.Forward
	from, to := a.AlongM, b.AlongM
	if to < from {
		c = e.Backward
		from, to = to, from
	}
	if c == graph.Closed {
		return Reached{Cost: graph.Closed, Label: route.NoLabel}, false
	}
	frac := 0.0
	if total > 0 {
		frac = (to - from) / total
	}
	part := graph.Cost(math.Round(float64(c) * math.Min(1, frac)))
	return Reached{Cost: graph.AddCost(graph.AddCost(a.Access, part), b.Access), Label: route.NoLabel, Meters: math.Min(1, frac) * float64(e.Length), Reached: true}, true
}

// Edges yields the graph's edges in pgRouting's edge-table convention: id
// is the id of the first road segment merged into the edge, source and
// target are OSM node ids, cost and reverse_cost are seconds (the exact
// millisecond costs routed on; -1 for a closed direction), length in metres
// and geometry in EPSG:25833 from source to target.
func (n *Network) Edges() iter.Seq2[layers.GraphEdge, error] {
	return func(yield func(layers.GraphEdge, error) bool) {
		for e := range n.g.NumEdges() {
			ed := n.g.Edge(graph.EdgeID(e))
			ge := layers.GraphEdge{
				ID:          ed.Key,
				Source:      n.g.Key(ed.From),
				Target:      n.g.Key(ed.To),
				Cost:        exportCost(ed.Forward),
				ReverseCost: exportCost(ed.Backward),
				LengthM:     float64(ed.Length),
				Geometry:    n.geom[e],
			}
			if !yield(ge, nil) {
				return
			}
		}
	}
}

func exportCost(c graph.Cost) float64 {
	if c == graph.Closed {
		return -1
	}
	return float64(c.Seconds())
}
