package vector

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"reach/geo/crs"
	"reach/layers"
)

// GeoPackageWriter writes the features of one collection into a new
// GeoPackage 1.3 file: one feature table named after the collection with a
// typed column per property (TEXT, INTEGER, REAL, BOOLEAN, DATE, DATETIME;
// arrays and objects as JSON text), the feature id in "id", the geometry in
// "geom" (GeoPackage binary with envelope) in the CRS given. Everything is
// written in one transaction; Close commits and fills the extent. The
// geometry column has a spatial index (the "gpkg_rtree_index" extension:
// an rtree_<table>_geom virtual table filled as features are written, its
// row in gpkg_extensions, and the triggers that keep it current when GIS
// software edits the file). A writer is not safe for concurrent use.
type GeoPackageWriter struct {
	db     *sql.DB
	tx     *sql.Tx
	stmt   *sql.Stmt
	rtree  *sql.Stmt // inserts the envelope of a feature into the spatial index
	table  string
	props  []layers.PropertyInfo
	srsID  int
	code   crs.Code
	extent orb.Bound
	n      int
	args   []any
}

// srsDefinitions are the WKT of the CRS a GeoPackage may be written in.
var srsDefinitions = map[int]struct{ name, wkt string }{
	4326:  {"WGS 84 geodetic", `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`},
	25833: {"ETRS89 / UTM zone 33N", `PROJCS["ETRS89 / UTM zone 33N",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6258"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","25833"]]`},
	3035:  {"ETRS89-extended / LAEA Europe", `PROJCS["ETRS89-extended / LAEA Europe",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6258"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]],PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["latitude_of_center",52],PARAMETER["longitude_of_center",10],PARAMETER["false_easting",4321000],PARAMETER["false_northing",3210000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","3035"]]`},
	3857:  {"WGS 84 / Pseudo-Mercator", `PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Mercator_1SP"],PARAMETER["central_meridian",0],PARAMETER["scale_factor",1],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],EXTENSION["PROJ4","+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs"],AUTHORITY["EPSG","3857"]]`},
}

// gpkgGeometryType names the geometry column type of a collection.
func gpkgGeometryType(t string) string {
	switch t {
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
		return strings.ToUpper(t)
	}
	return "GEOMETRY"
}

func gpkgColumnType(p layers.PropertyInfo) string {
	switch p.Type {
	case "integer":
		return "INTEGER"
	case "number":
		return "REAL"
	case "boolean":
		return "BOOLEAN"
	case "string":
		switch p.Format {
		case "date-time":
			return "DATETIME"
		case "date":
			return "DATE"
		}
	}
	return "TEXT"
}

// CreateGeoPackage creates a GeoPackage at path (which must not exist) for
// the features of collection c with geometries in code (CRS84 is stored as
// EPSG:4326 with longitude first, as GeoPackage orders axes x, y).
func CreateGeoPackage(ctx context.Context, path string, c layers.Collection, code crs.Code) (*GeoPackageWriter, error) {
	srs := int(code)
	if code == crs.CRS84 || code == crs.EPSG4326 {
		srs = 4326
	}
	def, ok := srsDefinitions[srs]
	if !ok {
		return nil, fmt.Errorf("vector: geopackage: unsupported CRS %v", code)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=rwc")
	if err != nil {
		return nil, fmt.Errorf("vector: geopackage %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	w := &GeoPackageWriter{db: db, table: c.ID, props: c.Properties, srsID: srs, code: code}
	fail := func(err error) (*GeoPackageWriter, error) {
		if w.tx != nil {
			_ = w.tx.Rollback()
		}
		db.Close()
		return nil, fmt.Errorf("vector: geopackage %s: %w", path, err)
	}
	for _, s := range []string{
		"PRAGMA application_id = 1196444487", // "GPKG"
		"PRAGMA user_version = 10300",        // 1.3.0
		"PRAGMA journal_mode = OFF",
		"PRAGMA synchronous = OFF",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fail(err)
		}
	}
	if w.tx, err = db.BeginTx(ctx, nil); err != nil {
		return fail(err)
	}
	quoted := `"` + strings.ReplaceAll(c.ID, `"`, `""`) + `"`
	cols := []string{`"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `"geom" ` + gpkgGeometryType(c.GeometryType), `"id" TEXT`}
	marks := []string{"?", "?"}
	for _, p := range c.Properties {
		cols = append(cols, `"`+strings.ReplaceAll(p.Name, `"`, `""`)+`" `+gpkgColumnType(p))
		marks = append(marks, "?")
	}
	names := []string{`"geom"`, `"id"`}
	for _, p := range c.Properties {
		names = append(names, `"`+strings.ReplaceAll(p.Name, `"`, `""`)+`"`)
	}
	stmts := []string{
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
			organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
			('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system')`,
		`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
			description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
			min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
			CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
			srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
			CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
			CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
		`CREATE TABLE ` + quoted + ` (` + strings.Join(cols, ", ") + `)`,
	}
	stmts = append(stmts,
		`CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
			scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
		`CREATE VIRTUAL TABLE `+rtreeName(c.ID)+` USING rtree(id, minx, maxx, miny, maxy)`)
	for _, s := range stmts {
		if _, err := w.tx.ExecContext(ctx, s); err != nil {
			return fail(err)
		}
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`, c.ID); err != nil {
		return fail(err)
	}
	if srs != 4326 {
		d4326 := srsDefinitions[4326]
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, 4326, 'EPSG', 4326, ?, NULL)`, d4326.name, d4326.wkt); err != nil {
			return fail(err)
		}
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)`, def.name, srs, srs, def.wkt); err != nil {
		return fail(err)
	}
	desc := c.Description
	if c.Attribution != "" {
		desc += " Data: " + c.Attribution
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ?)`,
		c.ID, c.Title, desc, srs); err != nil {
		return fail(err)
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`, c.ID, gpkgGeometryType(c.GeometryType), srs); err != nil {
		return fail(err)
	}
	if w.stmt, err = w.tx.PrepareContext(ctx, `INSERT INTO `+quoted+` (`+strings.Join(names, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`); err != nil {
		return fail(err)
	}
	if w.rtree, err = w.tx.PrepareContext(ctx, `INSERT INTO `+rtreeName(c.ID)+` VALUES (?, ?, ?, ?, ?)`); err != nil {
		return fail(err)
	}
	return w, nil
}

// rtreeName is the quoted name of the spatial index of table's geometry
// column "geom", as the GeoPackage rtree extension names it.
func rtreeName(table string) string { return quoteIdent("rtree_" + table + "_geom") }

// rtreeTriggers are the triggers of the GeoPackage 1.3 rtree extension that
// keep the index of table's "geom" current on insert, update and delete.
// They call the ST_* functions a GeoPackage implementation provides (GDAL,
// QGIS, SpatiaLite); the writer fills the index itself and creates them
// last, after its own inserts.
func rtreeTriggers(table string) []string {
	t, rt := quoteIdent(table), rtreeName(table)
	trig := func(suffix string) string { return quoteIdent("rtree_" + table + "_geom_" + suffix) }
	put := `INSERT OR REPLACE INTO ` + rt + ` VALUES (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom"));`
	present := `(NEW."geom" NOT NULL AND NOT ST_IsEmpty(NEW."geom"))`
	absent := `(NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))`
	return []string{
		`CREATE TRIGGER ` + trig("insert") + ` AFTER INSERT ON ` + t + ` WHEN ` + present + ` BEGIN ` + put + ` END`,
		`CREATE TRIGGER ` + trig("update1") + ` AFTER UPDATE OF "geom" ON ` + t + ` WHEN OLD."fid" = NEW."fid" AND ` + present + ` BEGIN ` + put + ` END`,
		`CREATE TRIGGER ` + trig("update2") + ` AFTER UPDATE OF "geom" ON ` + t + ` WHEN OLD."fid" = NEW."fid" AND ` + absent +
			` BEGIN DELETE FROM ` + rt + ` WHERE id = OLD."fid"; END`,
		`CREATE TRIGGER ` + trig("update3") + ` AFTER UPDATE ON ` + t + ` WHEN OLD."fid" != NEW."fid" AND ` + present +
			` BEGIN DELETE FROM ` + rt + ` WHERE id = OLD."fid"; ` + put + ` END`,
		`CREATE TRIGGER ` + trig("update4") + ` AFTER UPDATE ON ` + t + ` WHEN OLD."fid" != NEW."fid" AND ` + absent +
			` BEGIN DELETE FROM ` + rt + ` WHERE id IN (OLD."fid", NEW."fid"); END`,
		`CREATE TRIGGER ` + trig("delete") + ` AFTER DELETE ON ` + t + ` WHEN OLD."geom" NOT NULL BEGIN DELETE FROM ` + rt + ` WHERE id = OLD."fid"; END`,
	}
}

// Write adds one feature; its geometry is in CRS84 and is stored in the
// writer's CRS (x, y order).
func (w *GeoPackageWriter) Write(ctx context.Context, f layers.Feature) error {
	var blob any
	var box orb.Bound
	indexed := false
	if f.Geometry != nil {
		g := f.Geometry
		if w.code != crs.CRS84 && w.code != crs.EPSG4326 {
			var err error
			if g, err = crs.Project(g, crs.CRS84, w.code); err != nil {
				return fmt.Errorf("vector: geopackage: feature %q: %w", f.ID, err)
			}
		}
		b, err := gpkgBlob(g, w.srsID)
		if err != nil {
			return fmt.Errorf("vector: geopackage: feature %q: %w", f.ID, err)
		}
		blob = b
		box, indexed = g.Bound(), !emptyGeometry(g)
		if w.n == 0 {
			w.extent = g.Bound()
		} else {
			w.extent = w.extent.Union(g.Bound())
		}
		w.n++
	}
	w.args = append(w.args[:0], blob, f.ID)
	for _, p := range w.props {
		v, _ := f.Get(p.Name)
		w.args = append(w.args, gpkgValue(v))
	}
	res, err := w.stmt.ExecContext(ctx, w.args...)
	if err != nil {
		return fmt.Errorf("vector: geopackage: feature %q: %w", f.ID, err)
	}
	if indexed {
		fid, err := res.LastInsertId()
		if err == nil {
			_, err = w.rtree.ExecContext(ctx, fid, box.Min[0], box.Max[0], box.Min[1], box.Max[1])
		}
		if err != nil {
			return fmt.Errorf("vector: geopackage: feature %q: spatial index: %w", f.ID, err)
		}
	}
	return nil
}

// emptyGeometry reports whether g has no coordinates (an empty collection,
// ring or line): such geometries stay out of the spatial index.
func emptyGeometry(g orb.Geometry) bool {
	switch x := g.(type) {
	case orb.MultiPoint:
		return len(x) == 0
	case orb.LineString:
		return len(x) == 0
	case orb.MultiLineString:
		for _, l := range x {
			if len(l) > 0 {
				return false
			}
		}
		return true
	case orb.Polygon:
		return len(x) == 0 || len(x[0]) == 0
	case orb.MultiPolygon:
		for _, p := range x {
			if len(p) > 0 && len(p[0]) > 0 {
				return false
			}
		}
		return true
	case orb.Collection:
		for _, c := range x {
			if !emptyGeometry(c) {
				return false
			}
		}
		return true
	}
	return false
}

func gpkgValue(v any) any {
	switch x := v.(type) {
	case nil, string, int64, float64:
		return x
	case int:
		return int64(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// gpkgBlob encodes g as GeoPackage binary: magic "GP", version 0, flags
// (little endian, xy envelope), srs id, envelope, WKB.
func gpkgBlob(g orb.Geometry, srsID int) ([]byte, error) {
	body, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	b := g.Bound()
	out := make([]byte, 0, 8+32+len(body))
	out = append(out, 'G', 'P', 0, 0x01|0x02) // little endian, envelope [minx, maxx, miny, maxy]
	out = binary.LittleEndian.AppendUint32(out, uint32(int32(srsID)))
	for _, v := range []float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
		out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
	}
	return append(out, body...), nil
}

// Close records the extent, commits and closes the file. After a failed
// Write, call Abort instead.
func (w *GeoPackageWriter) Close(ctx context.Context) error {
	defer w.db.Close()
	if w.stmt != nil {
		w.stmt.Close()
	}
	if w.rtree != nil {
		w.rtree.Close()
	}
	for _, s := range rtreeTriggers(w.table) {
		if _, err := w.tx.ExecContext(ctx, s); err != nil {
			_ = w.tx.Rollback()
			return fmt.Errorf("vector: geopackage: spatial index: %w", err)
		}
	}
	if w.n > 0 {
		if _, err := w.tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?`,
			w.extent.Min[0], w.extent.Min[1], w.extent.Max[0], w.extent.Max[1], w.table); err != nil {
			_ = w.tx.Rollback()
			return fmt.Errorf("vector: geopackage: %w", err)
		}
	}
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("vector: geopackage: %w", err)
	}
	return nil
}

// Abort discards the transaction and closes the file.
func (w *GeoPackageWriter) Abort() {
	if w.stmt != nil {
		w.stmt.Close()
	}
	if w.rtree != nil {
		w.rtree.Close()
	}
	_ = w.tx.Rollback()
	w.db.Close()
}
