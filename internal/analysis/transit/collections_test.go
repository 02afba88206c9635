package transit

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"reach/internal/analysis/derived"
	"reach/layers"
)

// TestStopsAndRoutes checks the timetable's collections on the one-line feed: A has the six
// departures 07:00 to 08:40, three in each hour; B, the last stop, none; the route has six trips
// and runs from A to B.
func TestStopsAndRoutes(t *testing.T) {
	e, _, _ := lineEngine(t)
	ctx := context.Background()
	src := derived.Combined(e, derived.Source(e, nil, nil), nil, nil)
	cols, err := src.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, c := range cols {
		found[c.ID] = true
	}
	if !found[CollStops] || !found[CollRoutes] {
		t.Fatalf("collections %v: want stops and routes", found)
	}
	prop := func(f layers.Feature, name string) any {
		for _, p := range f.Properties {
			if p.Name == name {
				return p.Value
			}
		}
		return nil
	}
	page, err := src.Items(ctx, layers.ItemsQuery{Collection: CollStops, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Features) != 2 {
		t.Fatalf("stops: %d features, want 2", len(page.Features))
	}
	a, b := page.Features[0], page.Features[1]
	if prop(a, "departures") != 6 || prop(a, "departures_peak_hour") != 3 || prop(a, "departures_per_hour") != "7:3 8:3" || prop(a, "service_day") != "2023-01-11" {
		t.Errorf("stop A: %+v, want 6 departures, 3 at the peak, \"7:3 8:3\" on 2023-01-11", a.Properties)
	}
	if prop(b, "departures") != 0 || prop(b, "departures_per_hour") != "" {
		t.Errorf("stop B: %+v, want no departures", b.Properties)
	}
	f, err := src.Item(ctx, CollStops, "A")
	if err != nil || f.ID != "A" {
		t.Errorf("item A: %v, %v", f.ID, err)
	}
	page, err = src.Items(ctx, layers.ItemsQuery{Collection: CollRoutes, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Features) != 1 || prop(page.Features[0], "trips") != 6 || prop(page.Features[0], "route_type") != 2 {
		t.Fatalf("routes: %+v, want one rail route with 6 trips", page.Features)
	}
	if l, ok := page.Features[0].Geometry.(orb.LineString); !ok || len(l) != 2 || l[0][0] >= l[1][0] {
		t.Errorf("route geometry %v, want the line from A east to B", page.Features[0].Geometry)
	}
}
