package layertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
	"reach/layers/query"
)

// str, num, … build filter literals.
func str(s string) layers.Value   { return layers.Value{Kind: layers.KindString, Str: s} }
func num(v float64) layers.Value  { return layers.Value{Kind: layers.KindNumber, Num: v} }
func boolean(b bool) layers.Value { return layers.Value{Kind: layers.KindBool, Bool: b} }
func stamp(t time.Time) layers.Value {
	return layers.Value{Kind: layers.KindTimestamp, Time: t}
}
func day(y int, m time.Month, d int) layers.Value {
	return layers.Value{Kind: layers.KindDate, Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}
func cmp(p string, op layers.CompareOp, v layers.Value) layers.Expr {
	return &layers.Compare{Prop: p, Op: op, Value: v}
}

// utmBox is a box in EPSG:25833 as a filter geometry in that CRS.
func utmBox(x0, y0, x1, y1 float64) layers.Expr {
	return &layers.Intersects{Geometry: orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}.ToPolygon(), CRS: crs.UTM33N}
}

// checkFilterExprs runs filter expressions (CQL2) against the store and
// checks each result twice: against ids worked out by hand from the
// fixture, and against query.Match applied to every feature of the
// collection, so that every store gives what the in-memory evaluation
// gives, nulls and all.
func checkFilterExprs(t *testing.T, s layers.Store, fx Fixture) {
	lonlat := func(x, y float64) orb.Point {
		p, err := crs.ToLonLat(crs.UTM33N, orb.Point{x, y})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A triangle in CRS84 over the west municipality's north-west corner.
	a, b, c := lonlat(399000, 5656000), lonlat(402000, 5656000), lonlat(399000, 5653000)
	tri := &layers.Intersects{Geometry: orb.Polygon{{a, b, c, a}}, CRS: crs.CRS84}
	// The same place as a box in EPSG:3035.
	laeaBox := func(x0, y0, x1, y1 float64) layers.Expr {
		var pts []orb.Point
		for _, q := range []orb.Point{{x0, y0}, {x1, y1}} {
			ll, err := crs.ToLonLat(crs.UTM33N, q)
			if err != nil {
				t.Fatal(err)
			}
			p, err := crs.FromLonLat(crs.LAEA, ll)
			if err != nil {
				t.Fatal(err)
			}
			pts = append(pts, p)
		}
		return &layers.Intersects{Geometry: orb.Bound{Min: pts[0], Max: pts[0]}.Extend(pts[1]).ToPolygon(), CRS: crs.LAEA}
	}
	tests := []struct {
		name string
		coll string
		expr layers.Expr
		want []string
	}{
		{"number greater", layers.CollMunicipalities, cmp("population", layers.OpGt, num(1000)), []string{agsWest, agsEast}},
		{"number and text", layers.CollMunicipalities, &layers.And{Args: []layers.Expr{cmp("population", layers.OpGe, num(800)), cmp("kreis_ags", layers.OpEq, str("14612"))}}, []string{agsWest, agsWest2}},
		{"or with not", layers.CollMunicipalities, &layers.Or{Args: []layers.Expr{cmp("name", layers.OpEq, str("Oststein")), &layers.Not{Arg: cmp("degurba", layers.OpLe, num(2))}}}, []string{agsWest2, agsEast}},
		{"not over null is unknown", layers.CollMunicipalities, &layers.Not{Arg: cmp("degurba", layers.OpEq, num(2))}, []string{agsWest2}},
		{"is null", layers.CollMunicipalities, &layers.IsNull{Prop: "degurba"}, []string{agsEast}},
		{"date before", layers.CollMunicipalities, cmp("population_date", layers.OpLt, day(2020, 1, 1)), []string{agsWest, agsEast}},
		{"density rounded", layers.CollMunicipalities, cmp("density", layers.OpEq, num(33)), []string{agsWest2}},
		{"like", layers.CollMunicipalities, &layers.Like{Prop: "name", Pattern: "%_tädt"}, []string{agsWest2}},
		{"like one character", layers.CollMunicipalities, &layers.Like{Prop: "name", Pattern: "Testh_usen"}, []string{agsWest}},
		{"text order bytewise", layers.CollMunicipalities, cmp("name", layers.OpGt, str("P")), []string{agsWest, agsWest2}},
		{"in", layers.CollPopulationGrid, &layers.In{Prop: "population", Values: []layers.Value{num(0), num(12), num(45)}}, []string{"100mN31067E45742", "1kmN3105E4573", "1kmN3106E4580"}},
		{"between", layers.CollPopulationGrid, &layers.Between{Prop: "population", Low: num(300), High: num(800)}, []string{"1kmN3106E4574", cellEast}},
		{"secret", layers.CollPopulationGrid, cmp("secret", layers.OpEq, boolean(true)), []string{secretCell}},
		{"null share", layers.CollPopulationGrid, &layers.And{Args: []layers.Expr{&layers.IsNull{Prop: "share_65_plus"}, cmp("resolution_m", layers.OpEq, num(1000))}}, []string{"1kmN3105E4573", "1kmN3106E4580", "1kmN3107E4575", secretCell}},
		{"level name", layers.CollCentralPlaces, cmp("level", layers.OpEq, str("Grundzentrum")), []string{agsWest2, agsEast}},
		{"level in", layers.CollCentralPlaces, &layers.In{Prop: "level", Values: []layers.Value{str("Mittelzentrum"), str("Oberzentrum")}}, []string{agsWest}},
		{"verbund null", layers.CollCentralPlaces, &layers.IsNull{Prop: "verbund"}, []string{agsEast}},
		{"capacity", layers.CollFacilities, cmp("capacity", layers.OpGe, num(180)), []string{"osm:way/7", "school:2089-1"}},
		{"not capacity: nulls stay out", layers.CollFacilities, &layers.Not{Arg: cmp("capacity", layers.OpGe, num(200))}, []string{"school:2089-1"}},
		{"category in", layers.CollFacilities, &layers.In{Prop: "category", Values: []layers.Value{str("hospital"), str("gymnasium")}}, []string{"osm:way/7", "school:3001"}},
		{"source like", layers.CollFacilities, &layers.Like{Prop: "source", Pattern: "schools:%"}, []string{"school:2089-1", "school:3001"}},
		{"intersects utm box", layers.CollFacilities, utmBox(402000, 5652000, 408000, 5653000), []string{"osm:node/101", "osm:node/102"}},
		{"intersects laea box", layers.CollFacilities, laeaBox(401000, 5652000, 403000, 5654000), []string{"osm:node/101", "school:2089-1"}},
		{"intersects crs84 triangle", layers.CollMunicipalities, tri, []string{agsWest}},
		{"road length rounded", layers.CollRoads, cmp("length_m", layers.OpGt, num(2502)), []string{"101"}},
		{"road boolean and number", layers.CollRoads, &layers.And{Args: []layers.Expr{cmp("oneway", layers.OpEq, boolean(false)), cmp("car_kmh", layers.OpGt, num(0))}}, []string{"101", "1000"}},
		{"road duration null", layers.CollRoads, &layers.IsNull{Prop: "duration_s"}, []string{"20", "101", "102"}},
		{"road crosses utm box", layers.CollRoads, utmBox(406000, 5652000, 406500, 5653000), []string{"102"}},
		{"project submitted after", layers.CollProjects, cmp("submitted_at", layers.OpGt, stamp(time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC))), []string{"p-2024-002"}},
		{"project funding and not synthetic", layers.CollProjects, &layers.And{Args: []layers.Expr{cmp("requested_funding", layers.OpLt, num(2e6)), cmp("synthetic", layers.OpEq, boolean(false))}}, []string{projectWest}},
		{"project speed null", layers.CollProjects, &layers.IsNull{Prop: "speed_kmh"}, []string{projectWest, "p-2024-003"}},
		{"project category not equal", layers.CollProjects, cmp("category", layers.OpNe, str("sewage")), []string{projectWest}},
		{"project in polygon area", layers.CollProjects, utmBox(406000, 5651000, 406200, 5651200), []string{"p-2024-003"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			coll, err := s.Collection(t.Context(), tc.coll)
			if err != nil {
				t.Fatal(err)
			}
			if err := query.Check(coll, tc.expr); err != nil {
				t.Fatalf("query.Check: %v", err)
			}
			all := items(t, s, layers.ItemsQuery{Collection: tc.coll, Limit: 100}, countAll(t, s, tc.coll))
			var local []layers.Feature
			for _, f := range all {
				if query.Match(tc.expr, f) {
					local = append(local, f)
				}
			}
			if fmt.Sprint(ids(local)) != fmt.Sprint(tc.want) {
				t.Errorf("query.Match over the collection: %v, want %v", ids(local), tc.want)
			}
			got := items(t, s, layers.ItemsQuery{Collection: tc.coll, Limit: 2, Filter: tc.expr}, len(tc.want))
			if fmt.Sprint(ids(got)) != fmt.Sprint(tc.want) {
				t.Errorf("Items with filter: %v, want %v", ids(got), tc.want)
			}
		})
	}
	t.Run("unfit filter is invalid", func(t *testing.T) {
		_, err := s.Items(t.Context(), layers.ItemsQuery{Collection: layers.CollFacilities, Limit: 1, Filter: cmp("capacity", layers.OpEq, str("x"))})
		if err == nil {
			t.Fatal("Items with capacity = 'x': no error")
		}
	})
}

func countAll(t *testing.T, s layers.FeatureSource, coll string) int {
	t.Helper()
	p, err := s.Items(t.Context(), layers.ItemsQuery{Collection: coll, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p.NumberMatched
}
