package transit

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	raptor "reach/geo/transit"
	"reach/layers"
)

// Collections of the timetable served next to the layers (OGC API Features and tiles).
const (
	CollStops  = "stops"
	CollRoutes = "routes"
)

// Collections describes the timetable's collections (analysis.TransitPlanner): the stops with
// their departures per hour and the routes, both on the service day of the engine's default
// transit window.
func (p *Planner) Collections() []layers.Collection {
	var ext orb.Bound
	for i, s := range p.feed.Stops {
		pt := orb.Point{s.Lon, s.Lat}
		if i == 0 {
			ext = orb.Bound{Min: pt, Max: pt}
		} else {
			ext = ext.Extend(pt)
		}
	}
	day := p.day()
	attribution := "timetable " + p.feed.Name
	return []layers.Collection{
		{ID: CollStops, Title: "Public transport stops", StorageCRS: 25833, GeometryType: "Point", Extent: ext, Attribution: attribution,
			Description: "Stops of the loaded GTFS timetable with their departures on " + day + " (the day of the default transit window).",
			Properties: []layers.PropertyInfo{
				{Name: "stop_id", Type: "string", Filterable: true},
				{Name: "name", Type: "string", Filterable: true},
				{Name: "departures", Type: "integer", Description: "departures of all trips from the stop on the day (the last stop of a trip excluded)"},
				{Name: "departures_peak_hour", Type: "integer", Description: "most departures in one hour of the day"},
				{Name: "departures_per_hour", Type: "string", Description: "departures per clock hour as hour:count for the hours with any, e.g. \"6:4 7:9\"; hours from 24 on are after midnight"},
				{Name: "service_day", Type: "string", Format: "date"},
			}},
		{ID: CollRoutes, Title: "Public transport routes", StorageCRS: 25833, GeometryType: "LineString", Extent: ext, Attribution: attribution,
			Description: "Routes of the loaded GTFS timetable, each drawn along the stops of its trip with the most stops, with the number of its trips on " + day + ".",
			Properties: []layers.PropertyInfo{
				{Name: "route_id", Type: "string", Filterable: true},
				{Name: "short_name", Type: "string", Filterable: true},
				{Name: "long_name", Type: "string"},
				{Name: "route_type", Type: "integer", Filterable: true, Description: "GTFS route_type (0 tram, 1 underground, 2 rail, 3 bus, 4 ferry, …)"},
				{Name: "agency_id", Type: "string", Filterable: true},
				{Name: "trips", Type: "integer", Description: "trips on the day"},
				{Name: "service_day", Type: "string", Format: "date"},
			}},
	}
}

// day is the service day of the collections, YYYY-MM-DD.
func (p *Planner) day() string {
	q, err := p.e.DefaultTransitQuery()
	if err != nil {
		return ""
	}
	return q.Departure.Format("2006-01-02")
}

// Features gives every feature of a timetable collection (analysis.TransitPlanner); geometry
// in lon/lat.
func (p *Planner) Features(ctx context.Context, coll string) ([]layers.Feature, error) {
	q, err := p.e.DefaultTransitQuery()
	if err != nil {
		return nil, err
	}
	date, _ := serviceDay(q)
	day := date.Format("2006-01-02")
	switch coll {
	case CollStops:
		d, err := p.timetable(date)
		if err != nil {
			return nil, fmt.Errorf("analysis: collection %s: %w", coll, err)
		}
		out := make([]layers.Feature, 0, len(p.feed.Stops))
		var perHour []int
		for i, s := range p.feed.Stops {
			if i&1023 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			perHour = perHour[:0]
			total, peak := 0, 0
			for _, t := range d.tt.Departures(raptor.StopID(i)) {
				if t < 0 {
					continue // the day before
				}
				h := int(t / 3600)
				for len(perHour) <= h {
					perHour = append(perHour, 0)
				}
				perHour[h]++
				total++
				peak = max(peak, perHour[h])
			}
			var b strings.Builder
			for h, n := range perHour {
				if n > 0 {
					if b.Len() > 0 {
						b.WriteByte(' ')
					}
					fmt.Fprintf(&b, "%d:%d", h, n)
				}
			}
			out = append(out, layers.Feature{ID: s.ID, Geometry: orb.Point{s.Lon, s.Lat}, Properties: []layers.Property{
				{Name: "stop_id", Value: s.ID}, {Name: "name", Value: s.Name}, {Name: "departures", Value: total},
				{Name: "departures_peak_hour", Value: peak}, {Name: "departures_per_hour", Value: b.String()}, {Name: "service_day", Value: day},
			}})
		}
		return out, nil
	case CollRoutes:
		return p.routeFeatures(ctx, date, day)
	}
	return nil, fmt.Errorf("analysis: collection %q: %w", coll, layers.ErrNotFound)
}

// routeFeatures draws each route along its trip with the most stops and counts its trips on
// date (services active that day).
func (p *Planner) routeFeatures(ctx context.Context, date time.Time, day string) ([]layers.Feature, error) {
	f := p.feed
	active := make([]bool, len(f.Services))
	for i := range f.Services {
		active[i] = f.Services[i].Active(date)
	}
	trips := make([]int, len(f.Routes))
	longest := make([]int, len(f.Routes))
	for i := range longest {
		longest[i] = -1
	}
	for t, trip := range f.Trips {
		if t&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if active[trip.Service] {
			trips[trip.Route]++
		}
		n := f.StopTimeStart[t+1] - f.StopTimeStart[t]
		if l := longest[trip.Route]; l < 0 || n > f.StopTimeStart[l+1]-f.StopTimeStart[l] {
			longest[trip.Route] = t
		}
	}
	out := make([]layers.Feature, 0, len(f.Routes))
	for r, route := range f.Routes {
		var geom orb.Geometry
		if t := longest[r]; t >= 0 {
			var line orb.LineString
			for _, s := range f.StopIdx[f.StopTimeStart[t]:f.StopTimeStart[t+1]] {
				line = append(line, orb.Point{f.Stops[s].Lon, f.Stops[s].Lat})
			}
			if len(line) >= 2 {
				geom = line
			}
		}
		out = append(out, layers.Feature{ID: route.ID, Geometry: geom, Properties: []layers.Property{
			{Name: "route_id", Value: route.ID}, {Name: "short_name", Value: route.ShortName}, {Name: "long_name", Value: route.LongName},
			{Name: "route_type", Value: route.Type}, {Name: "agency_id", Value: route.AgencyID}, {Name: "trips", Value: trips[r]},
			{Name: "service_day", Value: day},
		}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
