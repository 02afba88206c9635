package tables

import (
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/paulmach/orb/encoding/wkb"

	"reach/data/vector"
)

// writeMunicipalityGPKG writes features (CRS84 geometries) into a
// GeoPackage table "gemeinden" with srs EPSG:4326 and the properties AGS,
// GEN, EWZ_2019, KFL_KM2 and DEGURBA.
func writeMunicipalityGPKG(tb testing.TB, path string, feats []vector.Feature) {
	tb.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT)`,
		`CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, srs_id INTEGER)`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, '')`,
		`INSERT INTO gpkg_contents VALUES ('gemeinden', 'features', 4326)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('gemeinden', 'geom', 'MULTIPOLYGON', 4326, 0, 0)`,
		`CREATE TABLE gemeinden (fid INTEGER PRIMARY KEY, geom BLOB, AGS TEXT, GEN TEXT, EWZ_2019 INTEGER, KFL_KM2 REAL, DEGURBA TEXT)`,
	} {
		if _, err := db.Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range feats {
		blob := append([]byte{'G', 'P', 0, 0x01, 0xE6, 0x10, 0, 0}, wkb.MustMarshal(f.Geometry)...)
		_, err := db.Exec(`INSERT INTO gemeinden (geom, AGS, GEN, EWZ_2019, KFL_KM2, DEGURBA) VALUES (?, ?, ?, ?, ?, ?)`,
			blob, f.Properties["AGS"], f.Properties["GEN"], f.Properties["EWZ_2019"], num(f.Properties["KFL_KM2"]), f.Properties["DEGURBA"])
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func num(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return 0
}
