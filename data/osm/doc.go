// Package osm reads OpenStreetMap files (.osm.pbf, or OSM XML .osm/.osm.xml,
// optionally gzip- or bzip2-compressed) into the road segments and facilities
// of reach's layers, with github.com/paulmach/osm.
//
// Entry points:
//
//   - Roads(ctx, path, stats) streams layers.RoadSegment values: OSM ways
//     split at network nodes, with access and speed per mode (car, bicycle,
//     foot) from the mode profiles, geometry in EPSG:25833.
//   - Facilities(ctx, path, stats) streams layers.Facility values for the
//     nodes and ways whose tags CategoryFor maps to a service category.
//   - CategoryFor(tags) is the tag → category mapping, also for other
//     readers whose records carry OSM tags (POI GeoJSON files).
//   - ProfileFor(tags) applies the mode profiles to the tags of one way.
//   - ParseMaxspeed(s) and ParseDuration(s) read the maxspeed and duration
//     tag values.
//   - SegmentID(wayID, index) and SplitSegmentID(id) build and take apart
//     road segment ids.
//   - GeodesicLength(ls) is the ellipsoidal length of a lon/lat line.
//   - RoadStats and FacilityStats summarise a read for the importer's log.
//
// # Reading
//
// Both streams read the file several times instead of keeping it in memory:
// Roads first reads the ways and collects the node ids of the routable ways
// (sorted int64 slice with a use count per node), then reads the nodes and
// keeps the coordinates of just those nodes (8 bytes each, exact at OSM's
// 1e-7° resolution), then reads the ways again and emits their segments.
// Memory is therefore proportional to the number of node references of
// routable ways (about 17 bytes each), not to the file size: a few hundred MB
// of PBF need a few hundred MB of memory at most. Files need not be sorted.
// Facilities reads ways (keeping only facility ways) and then nodes.
//
// Nodes referenced by a way but absent from the file (extracts cut without
// complete ways) are skipped and counted: the way is broken at the gap, so
// no segment bridges unknown ground with a straight line.
//
// # Road segments
//
// A way is split at every network node: a node used by two or more routable
// ways (or twice by one way) and the way's ends. Segment ids are
// SegmentID(wayID, i) = wayID·4096 + i, where i counts the way's segments
// from 0 in node order (OSM caps ways at 2,000 nodes, so i < 4096); they are
// unique in the layer and stable for the same file. FromNode and ToNode are
// the OSM node ids of the first and last vertex. A closed way that touches
// no other routable way (an isolated roundabout or square) gives one segment
// with FromNode == ToNode. Nodes are not split points because of their own
// tags (barriers are not modelled). Ferries (route=ferry) have Highway
// "ferry" and DurationS set: their duration tag shared out by length, or
// the length at FerrySpeedKmh; waiting times are not included.
//
// LengthM is the sum of the ellipsoidal (GRS80) geodesic distances between
// consecutive vertices (Vincenty's inverse formula, sub-millimetre here). It
// differs from the planar length of the EPSG:25833 Geometry by the UTM scale
// factor: about −0.04 % at the zone's central meridian 15°E, +0.03 % near
// Bayreuth, up to +0.15 % in Lower Saxony, which lies outside zone 33.
//
// # Profiles
//
// See ProfileFor for the rules and speeds. In short: car speeds are the
// tagged or assumed speed limit times a class factor below 1 (junctions,
// bends, traffic); bicycles ride 18 km/h on roads and cycleways, less on
// tracks, paths and unpaved surfaces, and are pushed at 5 km/h where riding
// is not allowed but walking is (footways, pedestrian zones, dismount);
// pedestrians walk 5 km/h (2 km/h on steps) and ignore plain oneway tags.
//
// # Concurrency
//
// All functions are safe for concurrent use; each stream opens its own file
// handle. A stream's stats value must not be read while the stream runs.
package osm
