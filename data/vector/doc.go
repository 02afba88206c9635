// Package vector reads the generic vector and table formats that reach
// imports: GeoJSON, GeoPackage and CSV. It knows nothing of the domain; the
// readers in data/zensus and data/tables map its features and rows to the
// layers types.
//
// Entry points:
//
//   - Read(ctx, path, opts): GeoJSON (.geojson, .json) or GeoPackage (.gpkg)
//     features by file extension.
//   - ReadGeoJSON / DecodeGeoJSON: a GeoJSON FeatureCollection, streamed
//     feature by feature with encoding/json tokens (or a single Feature).
//   - ParseFeature: one GeoJSON Feature object, e.g. a request body.
//   - ReadGeoPackage: the features of one table of a GeoPackage.
//   - ReadCSV / DecodeCSV: CSV rows with a header, delimiter detected among
//     ',', ';' and tab, byte-order mark stripped, line numbers kept.
//   - ParseFloat: a number in English or German notation.
//
// Every reader returns an iter.Seq2 that yields one record at a time and
// stops at the first error; the error is also the last value yielded.
// Breaking out of the loop early releases the file. The sequences are
// single-use and not safe for concurrent use; the package holds no state.
//
// Coordinates: features come out in Options.Target (default EPSG:25833,
// easting/northing in metres). The source CRS is Options.CRS when set, else
// the legacy GeoJSON "crs" member or the GeoPackage srs, else CRS84
// (longitude, latitude; RFC 7946). EPSG:4326 named in a GeoJSON or
// GeoPackage file is read in longitude, latitude order, as GDAL and QGIS
// write it. With Options.Region set, every position must lie in that CRS84
// box; a position that lies in it only with its axes swapped is reported as
// swapped axes.
//
// Errors are *RecordError values that name the package, the file, the line
// or feature index, and where it applies the field and value, e.g.
//
//	zensus: grid.csv: line 812: field "Einwohner": "abc" is not a number
//
// and wrap layers.ErrInvalid when the input (not the file system) is at fault.
package vector
