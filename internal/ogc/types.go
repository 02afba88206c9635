// Package ogc holds the wire types of OGC API Features (Part 1 Core, Part 2
// Coordinate Reference Systems by Reference) as reach serves them, the pure
// parsers of the query parameters clients send (bbox, bbox-crs, crs, limit,
// cursor, property filters, f) and a streaming GeoJSON encoder.
//
// The wire types carry JSON tags and follow the standard; the domain types
// of package layers do not bend to them. Everything in this package is pure
// (no I/O besides writing to a given io.Writer) and safe for concurrent use.
//
// Coordinates: features enter as CRS84 (longitude, latitude in degrees) and
// leave in the CRS the client asked for, in that CRS's axis order (EPSG:4326
// is latitude first). Degrees are written with 7 decimals (about 1 cm),
// metres with 2.
package ogc

import (
	"time"

	"reach/geo/crs"
)

// Media types served.
const (
	MediaJSON    = "application/json"
	MediaGeoJSON = "application/geo+json"
	MediaHTML    = "text/html"
	MediaProblem = "application/problem+json"
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	MediaMVT     = "application/vnd.mapbox-vector-tile"
	MediaSchema  = "application/schema+json"
)

// Conformance classes implemented.
var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
}

// ConformanceClasses returns the conformance class URIs reach implements.
// The slice is a copy.
func ConformanceClasses() []string { return append([]string(nil), conformanceClasses...) }

// Link is a web link as used throughout OGC API.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// LandingPage is the document at the API root.
type LandingPage struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Synthetic   bool     `json:"synthetic"`
	Attribution []string `json:"attribution,omitempty"`
	// Basemap is the background the map may show; nil for none.
	Basemap *Basemap `json:"basemap,omitempty"`
	Links   []Link   `json:"links"`
}

// Basemap names a raster tile source ({z}/{x}/{y}) and its credit.
type Basemap struct {
	URL         string `json:"url"`
	Attribution string `json:"attribution,omitempty"`
}

// Conformance is the document at /conformance.
type Conformance struct {
	ConformsTo []string `json:"conformsTo"`
}

// Extent is the extent of a collection.
type Extent struct {
	Spatial *SpatialExtent `json:"spatial,omitempty"`
}

// SpatialExtent holds one bounding box in CRS84: [minLon, minLat, maxLon, maxLat].
type SpatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

// Collection describes one feature collection on the wire.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Extent      *Extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs,omitempty"`
	// GeometryType, Properties and Synthetic are reach extensions that
	// clients (the map) use to style and filter layers.
	GeometryType string     `json:"geometryType,omitempty"`
	Properties   []Property `json:"properties,omitempty"`
	Attribution  string     `json:"attribution,omitempty"`
	Synthetic    bool       `json:"synthetic"`
	Links        []Link     `json:"links"`
}

// Property describes one feature property of a collection.
type Property struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Filterable  bool   `json:"filterable"`
}

// Collections is the document at /collections.
type Collections struct {
	Links       []Link       `json:"links"`
	Collections []Collection `json:"collections"`
	CRS         []string     `json:"crs"`
}

// CRSURIs lists the URIs of every CRS reach can serve, CRS84 first.
func CRSURIs() []string {
	out := make([]string, 0, len(crs.Supported()))
	for _, c := range crs.Supported() {
		out = append(out, c.URI())
	}
	return out
}

// Timestamp formats t as the standard's timeStamp (RFC 3339, UTC, seconds).
func Timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
