// Package centres computes the central-place indicators of every
// municipality: the population-weighted mean travel time of its residents
// to the nearest Mittelzentrum and Oberzentrum by each mode (the indicator
// of the federal spatial monitoring), with the share of residents whose
// time is a network time; written by `reach analyze` as municipal
// indicators. It reads the engine's cells, municipalities, central places
// and travel-time fields through its accessors.
package centres

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/internal/analysis"
	"reach/layers"
)

// Key returns the indicator key of the time by mode to the nearest
// central place of level or higher, e.g. "car_minutes_to_mittelzentrum".
func Key(mode layers.Mode, level layers.Level) string {
	switch level {
	case layers.LevelOberzentrum:
		return string(mode) + "_minutes_to_oberzentrum"
	case layers.LevelMittelzentrum:
		return string(mode) + "_minutes_to_mittelzentrum"
	}
	return string(mode) + "_minutes_to_grundzentrum"
}

// ShareKey returns the indicator key of the share of the residents whose
// time by public transport to the nearest central place of level or
// higher was found, e.g. "transit_share_to_mittelzentrum_pct".
func ShareKey(level layers.Level) string {
	switch level {
	case layers.LevelOberzentrum:
		return layers.IndTransitShareOberzentrum
	case layers.LevelMittelzentrum:
		return layers.IndTransitShareMittelzentrum
	}
	return "transit_share_to_grundzentrum_pct"
}

// Row is, for one municipality, the population-weighted mean
// travel time in minutes of its populated cells to the nearest central
// place of a level or higher (the indicator of the federal spatial
// monitoring, BBSR "Erreichbarkeit von Mittel-/Oberzentren"), by key
// (Key), and the share of its residents whose time is a network time.
// A municipality that is itself a central place of the level (a member
// of a Verbund counts) has 0. A municipality without populated cells is
// measured from an interior point of its polygon. By public transport the
// time is the median over the engine's default departure window, and the
// mean is over the residents whose cell has one (the timetable may serve
// only part of the region): a municipality none of whose residents has
// one has no value, and no municipality without populated cells has one.
type Row struct {
	AGS        string             `json:"ags"`
	Name       string             `json:"name"`
	Population int64              `json:"population"` // residents of its populated cells
	Minutes    map[string]float64 `json:"minutes"`
	// NetworkShare is, by key, the share of the residents whose time was
	// found on the network (the rest by the straight-line estimate); by
	// public transport the share whose time was found (the rest have
	// none).
	NetworkShare map[string]float64 `json:"network_share"`
	// Centre is, by key, whether the municipality is a centre of the key's
	// level or higher (its time is 0 by definition, not a measured one).
	Centre map[string]bool `json:"centre"`
}

// CentreAccess returns the central-place indicators of every municipality
// (ordered by AGS) for each of modes and the levels Mittelzentrum (or
// higher) and Oberzentrum. Central places without a location are left
// out; with none of a level the keys of that level are absent.
func Access(ctx context.Context, e *analysis.Engine, modes []layers.Mode) ([]Row, error) {
	rows := make([]Row, e.NumMunicipalities())
	for i := range rows {
		m := e.Municipality(i)
		rows[i] = Row{AGS: m.AGS, Name: m.Name, Minutes: map[string]float64{}, NetworkShare: map[string]float64{}, Centre: map[string]bool{}}
	}
	cells := e.PopulatedCells()
	for _, c := range cells {
		if c.Municipality >= 0 {
			rows[c.Municipality].Population += c.Residents
		}
	}
	for _, level := range []layers.Level{layers.LevelMittelzentrum, layers.LevelOberzentrum} {
		var pts []orb.Point
		centre := map[string]bool{}
		for _, p := range e.CentralPlaces() {
			if p.Level < level {
				continue
			}
			centre[p.AGS] = true
			for _, m := range p.Members {
				centre[m] = true
			}
			if p.Location != (orb.Point{}) {
				pts = append(pts, p.Location)
			}
		}
		if len(pts) == 0 {
			continue
		}
		for _, mode := range modes {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("analysis: central places: %w", err)
			}
			f, err := e.PointsField(ctx, mode, pts)
			if err != nil {
				return nil, err
			}
			key := Key(mode, level)
			transit := mode == analysis.Transit
			sum := make([]float64, len(rows))
			netPop := make([]int64, len(rows))
			secs := f.Seconds()
			for ci, c := range cells {
				i := c.Municipality
				if i < 0 {
					continue
				}
				if transit {
					if f.MethodOf(ci) == analysis.MethodTransit { // the others have no time
						sum[i] += float64(c.Residents) * secs[ci]
						netPop[i] += c.Residents
					}
					continue
				}
				sum[i] += float64(c.Residents) * secs[ci]
				if f.MethodOf(ci) == analysis.MethodNetwork {
					netPop[i] += c.Residents
				}
			}
			for i := range rows {
				r := &rows[i]
				switch {
				case centre[r.AGS]:
					r.Minutes[key] = 0
					r.NetworkShare[key] = 1
					r.Centre[key] = true
				case transit && netPop[i] > 0:
					r.Minutes[key] = sum[i] / float64(netPop[i]) / 60
					r.NetworkShare[key] = float64(netPop[i]) / float64(r.Population)
				case transit:
					continue
				case r.Population > 0:
					r.Minutes[key] = sum[i] / float64(r.Population) / 60
					r.NetworkShare[key] = float64(netPop[i]) / float64(r.Population)
				default:
					p, ok := muniPoint(e.Municipality(i).Geometry)
					if !ok {
						continue
					}
					r.Minutes[key] = pointToNearest(e, mode, p, pts) / 60
					r.NetworkShare[key] = 0
				}
				if math.IsInf(r.Minutes[key], 0) || math.IsNaN(r.Minutes[key]) {
					delete(r.Minutes, key)
					delete(r.NetworkShare, key)
				}
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].AGS < rows[j].AGS })
	return rows, nil
}

// pointToNearest is the straight-line estimate by mode from p to the
// nearest of pts (EPSG:25833), in seconds.
func pointToNearest(e *analysis.Engine, mode layers.Mode, p orb.Point, pts []orb.Point) float64 {
	best := math.Inf(1)
	for _, q := range pts {
		best = math.Min(best, math.Hypot(p[0]-q[0], p[1]-q[1]))
	}
	return e.StraightLineSeconds(mode, best)
}

// muniPoint returns a point of a municipality's polygon (EPSG:25833): the
// centroid of its largest part when that lies inside, else the centre of
// that part's bounds.
func muniPoint(mp orb.MultiPolygon) (orb.Point, bool) {
	if len(mp) == 0 {
		return orb.Point{}, false
	}
	best, area := 0, -1.0
	for i, p := range mp {
		if a := planar.Area(p); a > area {
			best, area = i, a
		}
	}
	c, _ := planar.CentroidArea(mp[best])
	if planar.PolygonContains(mp[best], c) {
		return c, true
	}
	return mp[best].Bound().Center(), true
}
