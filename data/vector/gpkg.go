package vector

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"reach/geo/crs"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

// gpkgLayer is one feature table of a GeoPackage.
type gpkgLayer struct {
	table, geomCol string
	srsID          int
}

// ReadGeoPackage streams the features of one feature table of the
// GeoPackage at path (opts.Layer, or the only one). The table is read in
// primary-key order; the primary key becomes Feature.ID. The source CRS
// comes from gpkg_spatial_ref_sys (organization EPSG and its
// organization_coordsys_id) unless opts.CRS is set. Geometries are
// GeoPackage binary (header, optional envelope, WKB). The database is opened
// read-only and closed when the sequence ends or the loop breaks.
func ReadGeoPackage(ctx context.Context, path string, opts Options) iter.Seq2[Feature, error] {
	pkg := pkgOr(opts.Pkg)
	name := filepath.Base(path)
	return func(yield func(Feature, error) bool) {
		fail := func(err error) { yield(Feature{}, NewRecordError(pkg, FilePos(name), err)) }
		if _, err := os.Stat(path); err != nil {
			yield(Feature{}, fmt.Errorf("%s: %w", pkg, err))
			return
		}
		dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			fail(err)
			return
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		layer, err := gpkgPickLayer(ctx, db, opts.Layer)
		if err != nil {
			fail(err)
			return
		}
		src := opts.CRS
		if src == 0 {
			src, err = gpkgSRS(ctx, db, layer.srsID)
			if err != nil {
				fail(err)
				return
			}
		}
		pk, err := gpkgPrimaryKey(ctx, db, layer.table)
		if err != nil {
			fail(err)
			return
		}
		q := "SELECT * FROM " + quoteIdent(layer.table)
		if pk != "" {
			q += " ORDER BY " + quoteIdent(pk)
		}
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			fail(Invalidf("table %q: %v", layer.table, err))
			return
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			fail(err)
			return
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for i := 0; rows.Next(); i++ {
			pos := Pos{File: name, Index: i}
			if err := rows.Scan(ptrs...); err != nil {
				yield(Feature{}, NewRecordError(pkg, pos, err))
				return
			}
			f := Feature{Pos: pos, SourceCRS: src, pkg: opts.Pkg, Properties: make(map[string]any, len(cols))}
			for c, col := range cols {
				v := vals[c]
				switch {
				case strings.EqualFold(col, layer.geomCol):
					b, ok := v.([]byte)
					if v == nil {
						continue
					}
					if !ok {
						yield(Feature{}, FieldErr(pkg, pos, col, Text(v), "is not a GeoPackage geometry blob"))
						return
					}
					g, err := ParseGPKGGeometry(b)
					if err != nil {
						yield(Feature{}, FieldErr(pkg, pos, col, fmt.Sprintf("%d bytes", len(b)), err.Error()))
						return
					}
					if g == nil {
						continue
					}
					out, err := checkAndProject(g, src, opts)
					if err != nil {
						yield(Feature{}, NewRecordError(pkg, pos, err))
						return
					}
					f.Geometry = out
				case pk != "" && strings.EqualFold(col, pk):
					f.ID = Text(sqlValue(v))
				default:
					f.Properties[col] = sqlValue(v)
				}
			}
			if !yield(f, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
	}
}

// sqlValue maps a scanned SQLite value to a property value type.
func sqlValue(v any) any {
	switch x := v.(type) {
	case int64, float64, string, bool, nil:
		return x
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return nil
	case int:
		return int64(x)
	}
	return fmt.Sprint(v)
}

func gpkgPickLayer(ctx context.Context, db *sql.DB, want string) (gpkgLayer, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, g.column_name, g.srs_id
		FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE c.data_type = 'features' ORDER BY c.table_name`)
	if err != nil {
		return gpkgLayer{}, Invalidf("not a GeoPackage (gpkg_contents, gpkg_geometry_columns): %v", err)
	}
	defer rows.Close()
	var all []gpkgLayer
	for rows.Next() {
		var l gpkgLayer
		if err := rows.Scan(&l.table, &l.geomCol, &l.srsID); err != nil {
			return gpkgLayer{}, err
		}
		all = append(all, l)
	}
	if err := rows.Err(); err != nil {
		return gpkgLayer{}, err
	}
	var names []string
	for _, l := range all {
		if want != "" && strings.EqualFold(l.table, want) {
			return l, nil
		}
		names = append(names, l.table)
	}
	switch {
	case want != "":
		return gpkgLayer{}, &FieldError{Field: "layer", Value: want, Reason: fmt.Sprintf("is not a feature table (tables: %s)", strings.Join(names, ", "))}
	case len(all) == 0:
		return gpkgLayer{}, Invalidf("the GeoPackage has no feature table")
	case len(all) > 1:
		return gpkgLayer{}, Invalidf("the GeoPackage has %d feature tables (%s): name one as the layer", len(all), strings.Join(names, ", "))
	}
	return all[0], nil
}

func gpkgSRS(ctx context.Context, db *sql.DB, srsID int) (crs.Code, error) {
	var org string
	var code int
	err := db.QueryRowContext(ctx, `SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, srsID).Scan(&org, &code)
	if err != nil {
		return 0, &FieldError{Field: "srs_id", Value: fmt.Sprint(srsID), Reason: "is not in gpkg_spatial_ref_sys: " + err.Error()}
	}
	if !strings.EqualFold(org, "EPSG") {
		return 0, &FieldError{Field: "srs_id", Value: fmt.Sprint(srsID), Reason: fmt.Sprintf("is %s:%d, not an EPSG code: name the CRS in the options", org, code)}
	}
	c := crs.Code(code)
	if c == crs.EPSG4326 {
		return crs.CRS84, nil // GeoPackage stores x = longitude
	}
	if !c.Valid() {
		return 0, &FieldError{Field: "srs_id", Value: fmt.Sprintf("EPSG:%d", code), Reason: "is not a supported CRS (supported: " + crs.ReadableNames + ")"}
	}
	return c, nil
}

func gpkgPrimaryKey(ctx context.Context, db *sql.DB, table string) (string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA table_info("+quoteIdent(table)+")")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	pk := ""
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		// cid, name, type, notnull, dflt_value, pk
		if n, ok := vals[5].(int64); ok && n == 1 {
			pk = Text(sqlValue(vals[1]))
		}
	}
	return pk, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ParseGPKGGeometry decodes a GeoPackage geometry blob: the "GP" header with
// version, flags, srs id and optional envelope, then standard WKB (ISO or
// extended WKB types are left to the WKB decoder). An empty geometry gives
// nil and no error.
func ParseGPKGGeometry(b []byte) (orb.Geometry, error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, fmt.Errorf("has no GeoPackage header (magic \"GP\")")
	}
	if b[2] != 0 {
		return nil, fmt.Errorf("has GeoPackage binary version %d, want 0", b[2])
	}
	flags := b[3]
	if flags&0x20 != 0 {
		return nil, fmt.Errorf("is an extended GeoPackage geometry, which is not supported")
	}
	var envLen int
	switch (flags >> 1) & 0x07 {
	case 0:
		envLen = 0
	case 1:
		envLen = 32
	case 2, 3:
		envLen = 48
	case 4:
		envLen = 64
	default:
		return nil, fmt.Errorf("has an invalid envelope code %d", (flags>>1)&0x07)
	}
	if flags&0x10 != 0 {
		return nil, nil
	}
	start := 8 + envLen
	if len(b) < start+5 {
		return nil, fmt.Errorf("is truncated")
	}
	g, err := wkb.Unmarshal(b[start:])
	if err != nil {
		return nil, fmt.Errorf("has bad WKB: %v", err)
	}
	return g, nil
}
