package postgis_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/geo/crs"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/postgis"
)

// bboxTables maps the collections to their tables and id columns for the
// reference query.
var bboxTables = map[string][2]string{
	layers.CollMunicipalities: {"municipalities", "ags"},
	layers.CollPopulationGrid: {"population_grid", "inspire_id"},
	layers.CollCentralPlaces:  {"central_places", "id"},
	layers.CollFacilities:     {"facilities", "id"},
	layers.CollRoads:          {"roads", "id::text"},
	layers.CollProjects:       {"projects", "id"},
}

// testBBoxExact: for random boxes in every supported CRS, and for boxes far
// larger than any projection's domain, both stores return exactly the
// features PostGIS finds with ST_Intersects(ST_Transform(geom, box CRS), box).
func testBBoxExact(t *testing.T, db string) {
	ctx := context.Background()
	pg := openStore(t, db)
	mem := memory.New()
	for _, l := range []layers.Loader{pg, mem} {
		if err := demo.Load(ctx, l, demo.DefaultSeed); err != nil {
			t.Fatal(err)
		}
	}
	const seed = 14
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	type box struct {
		b orb.Bound
		c crs.Code
	}
	stores := []struct {
		name string
		src  layers.FeatureSource
	}{{"postgis", pg}, {"memory", mem}}
	for id, tbl := range bboxTables {
		c, err := pg.Collection(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Extent.IsEmpty() {
			t.Fatalf("%s: demo collection is empty", id)
		}
		ext := c.Extent
		var boxes []box
		for _, code := range []crs.Code{crs.CRS84, crs.UTM33N, crs.LAEA, crs.WebMercator} {
			for i := 0; i < 12; i++ {
				// Boxes from a few hundred metres to beyond the extent.
				w := (ext.Max[0] - ext.Min[0]) * (0.005 + rng.Float64()*rng.Float64()*0.8)
				h := (ext.Max[1] - ext.Min[1]) * (0.005 + rng.Float64()*rng.Float64()*0.8)
				x := ext.Min[0] - w/2 + rng.Float64()*(ext.Max[0]-ext.Min[0])
				y := ext.Min[1] - h/2 + rng.Float64()*(ext.Max[1]-ext.Min[1])
				ll := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}
				b := ll
				if code != crs.CRS84 {
					// A box drawn in the CRS itself: the corners of the lon/lat box.
					p, _ := crs.FromLonLat(code, ll.Min)
					q, _ := crs.FromLonLat(code, ll.Max)
					b = orb.Bound{Min: orb.Point{min(p[0], q[0]), min(p[1], q[1])}, Max: orb.Point{max(p[0], q[0]), max(p[1], q[1])}}
				}
				boxes = append(boxes, box{b, code})
			}
		}
		boxes = append(boxes,
			box{orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, crs.CRS84},
			box{orb.Bound{Min: orb.Point{-170, -89}, Max: orb.Point{175, 89.5}}, crs.CRS84},
			box{orb.Bound{Min: orb.Point{0, 30}, Max: orb.Point{40, 70}}, crs.CRS84},
			box{orb.Bound{Min: orb.Point{-20037508, -20048966}, Max: orb.Point{20037508, 20048966}}, crs.WebMercator},
			box{orb.Bound{Min: orb.Point{-1e7, -1e7}, Max: orb.Point{1e7, 2e7}}, crs.UTM33N},
			box{orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1e7, 1e7}}, crs.LAEA},
			box{orb.Bound{Min: orb.Point{100, -50}, Max: orb.Point{120, -40}}, crs.CRS84},
		)
		for _, bx := range boxes {
			srid := int(bx.c)
			if bx.c == crs.CRS84 {
				srid = 4326
			}
			want := reference(t, pg, tbl, bx.b, srid)
			for _, st := range stores {
				b := bx.b
				got := allIDs(t, st.src, layers.ItemsQuery{Collection: id, BBox: &b, BBoxCRS: bx.c, Limit: 10000})
				if !slices.Equal(got, want) {
					t.Errorf("%s %s bbox %v in %v: got %d features, ST_Intersects gives %d\n missing %v\n extra %v",
						st.name, id, bx.b, bx.c, len(got), len(want), minus(want, got), minus(got, want))
				}
			}
		}
	}
}

func reference(t *testing.T, s *postgis.Store, tbl [2]string, b orb.Bound, srid int) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT `+tbl[1]+` FROM `+tbl[0]+`
		WHERE ST_Intersects(ST_Transform(geom, $5::integer), ST_MakeEnvelope($1, $2, $3, $4, $5))`,
		b.Min[0], b.Min[1], b.Max[0], b.Max[1], srid)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func allIDs(t *testing.T, s layers.FeatureSource, q layers.ItemsQuery) []string {
	t.Helper()
	var out []string
	for {
		p, err := s.Items(context.Background(), q)
		if err != nil {
			t.Fatalf("Items(%+v): %v", q, err)
		}
		if p.NumberMatched >= 0 && q.After == "" && p.NumberMatched < len(p.Features) {
			t.Errorf("Items(%+v): numberMatched %d below the %d features of the page", q, p.NumberMatched, len(p.Features))
		}
		for _, f := range p.Features {
			out = append(out, f.ID)
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	slices.Sort(out)
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, x)
		}
	}
	if len(out) > 10 {
		out = append(out[:10], "…")
	}
	return out
}
