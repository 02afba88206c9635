// Package netgen generates a synthetic, road-like network of Saxon scale
// with a fixed seed, for benchmarks: road segments as the road layer would
// hold them, populated places (cell centres) and facility sites.
//
// The network is a jittered lattice over the extent of Saxony in EPSG:25833
// (x 280–500 km, y 5560–5730 km) with a road hierarchy: every 8th lattice
// line is a secondary road (80 km/h), every 40th a primary road (100 km/h),
// every 120th a motorway (120 km/h, cars only, one carriageway per
// direction folded into one two-way segment); the rest are residential and
// unclassified roads (30 or 50 km/h), of which a share is missing (so that
// junctions of degree 2 and 3 occur and some parts are cut off), a share is
// one-way and a share is closed to cars (paths). It is synthetic: nothing in
// it describes real roads.
//
// Generation is deterministic for a given Config. Nothing here is safe or
// unsafe for concurrency: every call builds new values.
package netgen

import (
	"iter"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"reach/layers"
)

// Config sets the size of the generated network.
type Config struct {
	Seed uint64
	// Columns and Rows of the lattice; the spacing follows from the extent.
	Columns, Rows int
	// Cells is the number of populated places to generate.
	Cells int
	// Facilities is the number of facility sites to generate.
	Facilities int
}

// Saxony returns the benchmark configuration: 1300 × 1000 lattice nodes
// (about 170 m apart), which leaves more than a million nodes and 2.5
// million arcs in the car graph after contraction, 400,000 populated cells
// and 300 facilities.
func Saxony() Config {
	return Config{Seed: 1, Columns: 1300, Rows: 1000, Cells: 400_000, Facilities: 300}
}

// Extent of the generated network in EPSG:25833.
const (
	MinX, MaxX = 280_000.0, 500_000.0
	MinY, MaxY = 5_560_000.0, 5_730_000.0
)

// Network is a generated network.
type Network struct {
	Config     Config
	Segments   []layers.RoadSegment
	Cells      []orb.Point // populated places, EPSG:25833
	Facilities []orb.Point // facility sites, EPSG:25833
}

// Roads streams the segments as layers.Reader.Roads would.
func (n *Network) Roads() iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		for _, s := range n.Segments {
			if !yield(s, nil) {
				return
			}
		}
	}
}

// Generate builds the network for c.
func Generate(c Config) *Network {
	rng := rand.New(rand.NewPCG(c.Seed, 0x5ac5e))
	cols, rows := max(c.Columns, 2), max(c.Rows, 2)
	dx := (MaxX - MinX) / float64(cols-1)
	dy := (MaxY - MinY) / float64(rows-1)
	pts := make([]orb.Point, cols*rows)
	for r := range rows {
		for q := range cols {
			pts[r*cols+q] = orb.Point{
				MinX + float64(q)*dx + (rng.Float64()-0.5)*0.4*dx,
				MinY + float64(r)*dy + (rng.Float64()-0.5)*0.4*dy,
			}
		}
	}
	// class of a lattice line
	class := func(i int) (hw string, kmh float64) {
		switch {
		case i%120 == 60:
			return "motorway", 120
		case i%40 == 20:
			return "primary", 100
		case i%8 == 4:
			return "secondary", 80
		}
		return "", 0
	}
	net := &Network{Config: c}
	var id int64
	add := func(a, b int, hw string, kmh float64) {
		id++
		pa, pb := pts[a], pts[b]
		mid := orb.Point{(pa[0]+pb[0])/2 + (rng.Float64()-0.5)*0.1*dx, (pa[1]+pb[1])/2 + (rng.Float64()-0.5)*0.1*dy}
		geom := orb.LineString{pa, mid, pb}
		length := math.Hypot(mid[0]-pa[0], mid[1]-pa[1]) + math.Hypot(pb[0]-mid[0], pb[1]-mid[1])
		s := layers.RoadSegment{
			ID: id, WayID: id, FromNode: int64(a + 1), ToNode: int64(b + 1),
			Geometry: geom, Highway: hw, LengthM: length,
			Bicycle: layers.Access{Forward: true, Backward: true, SpeedKmh: 15},
			Foot:    layers.Access{Forward: true, Backward: true, SpeedKmh: 5},
		}
		switch hw {
		case "motorway":
			s.Bicycle, s.Foot = layers.Access{}, layers.Access{}
			s.Car = layers.Access{Forward: true, Backward: true, SpeedKmh: kmh}
		case "path":
			s.Bicycle.SpeedKmh = 12
		default:
			s.Car = layers.Access{Forward: true, Backward: true, SpeedKmh: kmh}
			if hw == "residential" && rng.IntN(20) == 0 {
				s.Oneway = true
				s.Car.Backward = false
			}
		}
		net.Segments = append(net.Segments, s)
	}
	for r := range rows {
		for q := range cols {
			v := r*cols + q
			// horizontal edge to the right: road class of row r
			if q+1 < cols {
				if hw, kmh := class(r); hw != "" {
					add(v, v+1, hw, kmh)
				} else if rng.Float64() < 0.78 {
					hw, kmh := minor(rng)
					add(v, v+1, hw, kmh)
				}
			}
			if r+1 < rows {
				if hw, kmh := class(q); hw != "" {
					add(v, v+cols, hw, kmh)
				} else if rng.Float64() < 0.78 {
					hw, kmh := minor(rng)
					add(v, v+cols, hw, kmh)
				}
			}
		}
	}
	net.Cells = make([]orb.Point, c.Cells)
	for i := range net.Cells {
		p := pts[rng.IntN(len(pts))]
		net.Cells[i] = orb.Point{p[0] + (rng.Float64()-0.5)*dx, p[1] + (rng.Float64()-0.5)*dy}
	}
	net.Facilities = make([]orb.Point, c.Facilities)
	for i := range net.Facilities {
		p := pts[rng.IntN(len(pts))]
		net.Facilities[i] = orb.Point{p[0] + (rng.Float64()-0.5)*dx*0.5, p[1] + (rng.Float64()-0.5)*dy*0.5}
	}
	return net
}

// minor draws the class and speed of a minor lattice edge.
func minor(rng *rand.Rand) (string, float64) {
	switch x := rng.IntN(20); {
	case x == 0:
		return "path", 0
	case x < 12:
		return "residential", 30
	default:
		return "unclassified", 50
	}
}
