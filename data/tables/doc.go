// Package tables maps the official tables and vector files keyed by AGS to
// the layers types: municipalities, population, indicators, memberships,
// central places and facilities. The formats themselves (GeoJSON,
// GeoPackage, CSV) are read by data/vector; this package knows the columns.
//
// Entry points (each streams its records as iter.Seq2[T, error] and stops
// at the first error):
//
//   - ReadMunicipalities(ctx, path, opts): GeoJSON or GeoPackage boundaries
//     (BKG VG5000/VG250, the SSOE planning file, GeoSN) → layers.Municipality.
//   - ReadPopulation(ctx, path, opts): CSV population per AGS (Destatis GV,
//     Zensus 2022) → layers.PopulationRecord.
//   - ReadIndicators(ctx, path, opts): CSV indicators per AGS (INKAR, SSOE
//     typology) → layers.IndicatorValue; see IndicatorColumns.
//   - ReadMemberships(ctx, path, opts): GV CSV (Verwaltungsgemeinschaften,
//     Verwaltungsverbände) or Zentrale-Orte CSV (Verbünde) →
//     layers.Membership.
//   - ReadCentralPlaces(ctx, path, opts): Zentrale-Orte CSV or point
//     GeoJSON → layers.CentralPlace.
//   - ReadFacilities(ctx, path, opts): schools GeoJSON, hospitals CSV, OSM
//     POI GeoJSON, generic CSV/GeoJSON with a type mapping →
//     layers.Facility; see ParseMapping. OSM tags map through
//     osm.CategoryFor unless FacilityOptions.OSMCategory says otherwise.
//   - ReadSeats(ctx, path, source): the seat of every municipality, where
//     data/projects places the rows of a project table without geometry
//     (proposals themselves are read by data/projects).
//   - ReadLocations(ctx, path): representative points per AGS from the GV
//     CSV (lon/lat) for CentralPlaceOptions.Locate.
//   - KreisName, PlanningRegion, ValidAGS: the Saxon Kreise and the four
//     Planungsregionen.
//
// Geometries come out in EPSG:25833 (easting, northing in metres). Vector
// files are read in the CRS they name, else CRS84, unless the options name
// one; by default every position must lie in crs.SaxonyLonLat (swapped axes
// are reported as such); set AnyRegion to read data from elsewhere.
//
// Readers that must see a whole group before emitting (memberships, central
// places of a Verbund) hold the rows of one file in memory; these files have
// at most a few thousand rows. Everything else streams.
//
// Errors are prefixed "tables:" and name file, line or feature, field and
// value; input errors wrap layers.ErrInvalid. The package holds no state;
// sequences are single-use and not safe for concurrent use.
package tables
