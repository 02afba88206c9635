package tables

import (
	"context"

	"github.com/paulmach/orb"

	"reach/data/vector"
	"reach/geo/crs"
)

// Seat is a point of a municipality that stands for it, e.g. where a
// project of the Vitale-Regionen table is located when the table gives no
// geometry.
type Seat struct {
	Name     string    // official name of the municipality, "" when unknown
	Location orb.Point // EPSG:25833
	// Source says where Location comes from, e.g. "representative point of
	// the municipality in the Destatis Gemeindeverzeichnis".
	Source string
}

// ReadSeats reads the point and name of every municipality from a CSV table
// with ags, lon and lat columns and an optional name column (the Destatis
// Gemeindeverzeichnis table: its lon/lat is the representative point of
// the municipality, WGS84) and returns them by AGS in EPSG:25833, each
// with source as its Source. Positions must lie in Saxony.
//
// An .xlsx path is read as the Destatis Gemeindeverzeichnis (each Seat's
// Source then names it).
func ReadSeats(ctx context.Context, path, source string) (map[string]Seat, error) {
	if IsGemeindeverzeichnis(path) {
		return gvSeats(path)
	}
	out := map[string]Seat{}
	for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg, Required: []string{"ags", "lon", "lat"}}) {
		if err != nil {
			return nil, err
		}
		ags := row.Get("ags")
		if !ValidAGS(ags) {
			return nil, row.Errorf("ags", ags, "is not an 8-digit AGS")
		}
		p, err := lonLatPoint(row, "lon", "lat", crs.SaxonyLonLat)
		if err != nil {
			return nil, err
		}
		out[ags] = Seat{Name: row.Get("name"), Location: p, Source: source}
	}
	return out, nil
}
