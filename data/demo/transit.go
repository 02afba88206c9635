package demo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/crs"
	"reach/layers"
)

// The region's synthetic public transport: bus lines from every central place to the nearest
// place of a higher level, and between the places of the highest level, with stops about every
// 1.5 km on the straight line between them. Buses run every 30 minutes from 05:00 to 22:00 in
// both directions at 30 km/h, every day of TransitYear. Like everything here it is invented.

// TransitYear is the year the synthetic timetable runs (every day of it).
const TransitYear = 2026

// TransitName names the synthetic timetable.
const TransitName = "Demo-Busnetz Musterkreis (synthetisch)"

const (
	busSpeedMS   = 30 / 3.6
	stopSpacingM = 1500.0
	dwellS       = 30
	headwayS     = 30 * 60
	firstDepS    = 5 * 3600
	lastDepS     = 22 * 3600
)

// Transit returns the region's synthetic timetable, nil when the region has fewer than two
// located central places.
func (r *Region) Transit() *layers.TransitFeed {
	var places []layers.CentralPlace
	for _, p := range r.CentralPlaces {
		if p.Location != (orb.Point{}) {
			places = append(places, p)
		}
	}
	if len(places) < 2 {
		return nil
	}
	slices.SortFunc(places, func(a, b layers.CentralPlace) int {
		if c := cmp.Compare(b.Level, a.Level); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	top := places[0].Level
	type link struct{ a, b int }
	var links []link
	for i, p := range places {
		if p.Level == top {
			for j := range i {
				links = append(links, link{j, i})
			}
			continue
		}
		best, bestD := -1, math.Inf(1)
		for j, q := range places {
			if q.Level > p.Level {
				if d := planar.Distance(p.Location, q.Location); d < bestD {
					best, bestD = j, d
				}
			}
		}
		if best >= 0 {
			links = append(links, link{best, i})
		}
	}

	f := &layers.TransitFeed{Name: TransitName,
		Agencies: []layers.TransitAgency{{ID: "demo", Name: "Demo-Verkehrsbetrieb (synthetisch)", URL: "https://example.invalid/", Timezone: "Europe/Berlin"}},
		Services: []layers.TransitService{{ID: "daily", Weekdays: [7]bool{true, true, true, true, true, true, true},
			Start: TransitYear*10000 + 101, End: TransitYear*10000 + 1231}},
		StopTimeStart: []uint32{0},
	}
	addStop := func(id, name string, p orb.Point) uint32 {
		ll, _ := crs.ToLonLat(crs.UTM33N, p)
		f.Stops = append(f.Stops, layers.TransitStop{ID: id, Name: name, Lon: ll[0], Lat: ll[1], Pos: p})
		return uint32(len(f.Stops) - 1)
	}
	placeStop := make([]uint32, len(places))
	for i, p := range places {
		placeStop[i] = addStop("cp-"+p.ID, p.Name+", Zentrum", p.Location)
	}
	for li, l := range links {
		a, b := places[l.a], places[l.b]
		route := fmt.Sprintf("%d", 100+li)
		f.Routes = append(f.Routes, layers.TransitRoute{ID: route, AgencyID: "demo", ShortName: route, LongName: a.Name + " – " + b.Name, Type: 3})
		dist := planar.Distance(a.Location, b.Location)
		n := max(1, int(math.Round(dist/stopSpacingM)))
		stops := []uint32{placeStop[l.a]}
		for k := 1; k < n; k++ {
			t := float64(k) / float64(n)
			p := orb.Point{a.Location[0] + t*(b.Location[0]-a.Location[0]), a.Location[1] + t*(b.Location[1]-a.Location[1])}
			stops = append(stops, addStop(fmt.Sprintf("%s-%d", route, k), fmt.Sprintf("%s, Haltestelle %d", b.Name, k), p))
		}
		stops = append(stops, placeStop[l.b])
		hop := int32(math.Round(dist / float64(n) / busSpeedMS))
		offset := int32(li*7%30) * 60 // lines do not all leave on the hour
		for dir := range 2 {
			seq := slices.Clone(stops)
			if dir == 1 {
				slices.Reverse(seq)
			}
			for dep := int32(firstDepS) + offset; dep <= lastDepS; dep += headwayS {
				f.Trips = append(f.Trips, layers.TransitTrip{ID: fmt.Sprintf("%s-%d-%d", route, dir, dep/60), Route: int32(len(f.Routes) - 1), Service: 0,
					Headsign: places[[]int{l.b, l.a}[dir]].Name})
				t := dep
				for k, s := range seq {
					if k > 0 {
						t += hop
					}
					f.StopIdx = append(f.StopIdx, s)
					f.Arr = append(f.Arr, t)
					if k > 0 && k < len(seq)-1 {
						t += dwellS
					}
					f.Dep = append(f.Dep, t)
				}
				f.StopTimeStart = append(f.StopTimeStart, uint32(len(f.StopIdx)))
			}
		}
	}
	return f
}
