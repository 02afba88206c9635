package estimate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// Pair is one routed origin–destination pair: the straight-line distance
// between the two places, the network distance (access legs included) and
// the travel time on the network (access legs included).
type Pair struct {
	Network   string
	Mode      layers.Mode
	StraightM float64
	NetworkM  float64
	Seconds   float64
}

// SampleOptions control Sample. Zero fields take the defaults.
type SampleOptions struct {
	Origins      int     // random origins per network and mode; default 400
	Destinations int     // destinations tried per origin; default 40
	OffsetM      float64 // largest offset of a place from its road, like a cell centre; default 250
	MinM         float64 // shortest straight line sampled; default 300
	Seed         uint64  // default 1
	// Settled, when not nil, says whether an edge is a road people live
	// along (residential streets, village roads — not tracks, service
	// ways or motorways): origins lie only beside such edges and
	// destinations must snap to one, as cell centres and town centres do.
	Settled func(e graph.EdgeID) bool
}

func (o SampleOptions) withDefaults() SampleOptions {
	if o.Origins <= 0 {
		o.Origins = 400
	}
	if o.Destinations <= 0 {
		o.Destinations = 40
	}
	if o.OffsetM <= 0 {
		o.OffsetM = 250
	}
	if o.MinM <= 0 {
		o.MinM = 300
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Sample routes random pairs on n. Origins are random points near the
// roads of the main component (a point on a road chosen in proportion to
// length, moved by up to OffsetM in a random direction, as a cell centre
// lies off its road); each destination lies at a straight-line distance
// drawn log-uniformly between MinM and the diagonal of the network's
// extent, in a random direction, so that short and long trips are both
// sampled. Places that do not snap within the network's radius are drawn
// again. Each origin costs one search over the whole network. The result
// depends only on the network and the options.
func Sample(ctx context.Context, name string, n *network.Network, opts SampleOptions) ([]Pair, error) {
	opts = opts.withDefaults()
	g := n.Graph()
	rng := rand.New(rand.NewPCG(opts.Seed, uint64(len(name))+uint64(n.Mode()[0])))
	// Edges of the main component, by cumulative length.
	var edges []graph.EdgeID
	var cum []float64
	var total float64
	var ext orb.Bound
	first := true
	for e := range g.NumEdges() {
		ed := g.Edge(graph.EdgeID(e))
		if !n.InMain(ed.From) || !n.InMain(ed.To) || ed.Length <= 0 {
			continue
		}
		b := n.Geometry(graph.EdgeID(e)).Bound()
		if first {
			ext, first = b, false
		} else {
			ext = ext.Union(b)
		}
		if opts.Settled != nil && !opts.Settled(graph.EdgeID(e)) {
			continue
		}
		total += float64(ed.Length)
		edges = append(edges, graph.EdgeID(e))
		cum = append(cum, total)
	}
	if len(edges) == 0 {
		return nil, fmt.Errorf("estimate: %s %s: no roads in the main component", name, n.Mode())
	}
	diag := math.Hypot(ext.Max[0]-ext.Min[0], ext.Max[1]-ext.Min[1])
	randomPlace := func() orb.Point {
		i, _ := slices.BinarySearch(cum, rng.Float64()*total)
		i = min(i, len(edges)-1)
		p := along(n.Geometry(edges[i]), rng.Float64())
		r, a := opts.OffsetM*math.Sqrt(rng.Float64()), rng.Float64()*2*math.Pi
		return orb.Point{p[0] + r*math.Cos(a), p[1] + r*math.Sin(a)}
	}
	q := n.Queries().Get()
	defer n.Queries().Put(q)
	var out []Pair
	for range opts.Origins {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("estimate: sample %s: %w", name, err)
		}
		var o network.Snap
		var op orb.Point
		for tries := 0; tries < 50 && !o.Snapped; tries++ {
			op = randomPlace()
			o = n.Snap(op)
			if o.Snapped && opts.Settled != nil && !opts.Settled(o.Edge) {
				o.Snapped = false
			}
		}
		if !o.Snapped {
			continue
		}
		q.Run(o.Departures(), route.Unbounded)
		for range opts.Destinations {
			d := opts.MinM * math.Exp(rng.Float64()*math.Log(max(diag, 2*opts.MinM)/opts.MinM))
			a := rng.Float64() * 2 * math.Pi
			dp := orb.Point{op[0] + d*math.Cos(a), op[1] + d*math.Sin(a)}
			if !ext.Contains(dp) {
				continue
			}
			s := n.Snap(dp)
			if !s.Snapped || (opts.Settled != nil && !opts.Settled(s.Edge)) {
				continue
			}
			r := network.Via(s.Arrivals(), q)
			if dr, ok := n.Direct(&o, &s); ok && (!r.Reached || dr.Cost < r.Cost) {
				r = dr
			}
			if !r.Reached {
				continue
			}
			out = append(out, Pair{Network: name, Mode: n.Mode(), StraightM: d,
				NetworkM: r.Meters + o.DistanceM + s.DistanceM, Seconds: float64(r.Cost.Seconds())})
		}
	}
	return out, nil
}

// along returns the point at fraction f of the length of l.
func along(l orb.LineString, f float64) orb.Point {
	var total float64
	for i := 1; i < len(l); i++ {
		total += math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
	}
	want := f * total
	for i := 1; i < len(l); i++ {
		s := math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
		if want <= s && s > 0 {
			t := want / s
			return orb.Point{l[i-1][0] + t*(l[i][0]-l[i-1][0]), l[i-1][1] + t*(l[i][1]-l[i-1][1])}
		}
		want -= s
	}
	return l[len(l)-1]
}

// Bin is the fit over the pairs whose straight-line distance lies in
// [LoM, HiM): the knot (mean distance, detour and speed as ratios of sums,
// so that the model's time summed over the bin's pairs equals the routed
// total) and the residuals of the fitted curve on the bin's pairs.
type Bin struct {
	LoM, HiM float64
	Pairs    int
	Knot     Knot
	// Residuals of the model (model − routed), seconds: mean (bias), mean
	// absolute, root mean square; and the 10th and 90th percentiles of
	// routed/model.
	BiasS, MAES, RMSES float64
	P10, P90           float64
}

// DefaultBinsM are the bin edges of the fit in metres.
var DefaultBinsM = []float64{0, 750, 1500, 2500, 4000, 6000, 9000, 13000, 18000, 25000, 35000, 50000, 70000, 100000, 150000}

// Fit fits a curve to pairs (one mode) with bins between the given edges
// (ascending metres); bins with fewer than minPairs pairs are left out. It
// returns the curve and every bin with its residuals.
func Fit(pairs []Pair, edges []float64, minPairs int) (Curve, []Bin, error) {
	var bins []Bin
	for i := 0; i+1 < len(edges); i++ {
		b := Bin{LoM: edges[i], HiM: edges[i+1]}
		var sd, sn, st float64
		for _, p := range pairs {
			if p.StraightM >= b.LoM && p.StraightM < b.HiM {
				b.Pairs++
				sd += p.StraightM
				sn += p.NetworkM
				st += p.Seconds
			}
		}
		if b.Pairs < max(minPairs, 1) || st <= 0 {
			continue
		}
		b.Knot = Knot{DistanceM: sd / float64(b.Pairs), Detour: max(1, sn/sd), SpeedKmh: sn / st * 3.6}
		bins = append(bins, b)
	}
	if len(bins) == 0 {
		return Curve{}, nil, fmt.Errorf("estimate: fit: no bin has %d pairs", minPairs)
	}
	var c Curve
	for _, b := range bins {
		c.Knots = append(c.Knots, b.Knot)
	}
	for i := range bins {
		b := &bins[i]
		var ratios []float64
		for _, p := range pairs {
			if p.StraightM < b.LoM || p.StraightM >= b.HiM {
				continue
			}
			m := c.Seconds(p.StraightM)
			r := m - p.Seconds
			b.BiasS += r
			b.MAES += math.Abs(r)
			b.RMSES += r * r
			if m > 0 {
				ratios = append(ratios, p.Seconds/m)
			}
		}
		n := float64(b.Pairs)
		b.BiasS /= n
		b.MAES /= n
		b.RMSES = math.Sqrt(b.RMSES / n)
		slices.Sort(ratios)
		if len(ratios) > 0 {
			b.P10 = ratios[int(0.1*float64(len(ratios)-1))]
			b.P90 = ratios[int(0.9*float64(len(ratios)-1))]
		}
	}
	return c, bins, nil
}
