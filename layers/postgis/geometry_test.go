package postgis_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
	"reach/layers/postgis"
)

// testSRIDMismatch: a geometry whose SRID is not the one its layer
// declares is refused when read, with an error naming the layer, the
// record and both SRIDs. The column's own constraint would refuse such a
// value, so the test lifts it first, as a hand-made table or view could.
func testSRIDMismatch(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	fs := []layers.Facility{
		{ID: "pharmacy-1", Category: layers.CatPharmacy, Location: orb.Point{411000, 5656000}, Source: "test"},
		{ID: "pharmacy-2", Category: layers.CatPharmacy, Location: orb.Point{412000, 5657000}, Source: "test"},
	}
	if _, err := s.ReplaceFacilities(ctx, "test", layers.Seq(fs)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Facilities(ctx)
	if err != nil || len(got) != 2 || got[1].Location != fs[1].Location {
		t.Fatalf("before: %v, %v", got, err)
	}
	for _, sql := range []string{
		`ALTER TABLE facilities ALTER COLUMN geom TYPE geometry(Point) USING geom`,
		`UPDATE facilities SET geom = ST_SetSRID(ST_MakePoint(13.74, 51.05), 4326) WHERE id = 'pharmacy-2'`,
	} {
		if _, err := s.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	s.Pool().Reset() // the statements cached before the column changed
	_, err = s.Facilities(ctx)
	if !errors.Is(err, postgis.ErrSRID) {
		t.Fatalf("facility in EPSG:4326: error %v, want ErrSRID", err)
	}
	for _, want := range []string{"facilities", "pharmacy-2", "SRID 4326", "EPSG:25833"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
