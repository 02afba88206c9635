package layers

import (
	"context"
	"iter"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
)

// Reader reads whole layers as domain values. It is what the read model
// (internal/analysis) is built from. Implementations are safe for concurrent
// use. An empty layer gives an empty slice and a nil error.
type Reader interface {
	Municipalities(ctx context.Context) ([]Municipality, error)
	Memberships(ctx context.Context) ([]Membership, error)
	Cells(ctx context.Context) ([]Cell, error)
	CentralPlaces(ctx context.Context) ([]CentralPlace, error)
	Facilities(ctx context.Context) ([]Facility, error)
	// Roads streams every road segment; the stream ends early with the
	// first error.
	Roads(ctx context.Context) iter.Seq2[RoadSegment, error]
	Projects(ctx context.Context) ([]Project, error)
	// Project returns one project or an error wrapping ErrNotFound.
	Project(ctx context.Context, id string) (Project, error)
}

// FeatureSource serves layers as features for OGC API Features.
// Implementations are safe for concurrent use.
type FeatureSource interface {
	// Collections lists the collections in a stable order.
	Collections(ctx context.Context) ([]Collection, error)
	// Collection describes one collection or returns an error wrapping ErrNotFound.
	Collection(ctx context.Context, id string) (Collection, error)
	// Items returns one page of features ordered by feature id (keyset).
	Items(ctx context.Context, q ItemsQuery) (Page, error)
	// Item returns one feature or an error wrapping ErrNotFound.
	Item(ctx context.Context, collection, id string) (Feature, error)
}

// Loader replaces layers. Every Replace call is atomic: the stream is
// consumed inside one transaction (or its equivalent) and, if the stream
// yields an error, validation fails or ctx is cancelled, the previous layer
// is left exactly as it was. Replacing a layer with the same input twice
// gives the same state. Each method returns the number of records stored.
type Loader interface {
	ReplaceMunicipalities(ctx context.Context, src iter.Seq2[Municipality, error]) (int, error)
	// UpdatePopulation sets population and reference date of existing
	// municipalities by AGS; an AGS not in the layer is an error naming it.
	UpdatePopulation(ctx context.Context, src iter.Seq2[PopulationRecord, error]) (int, error)
	// ReplaceIndicators replaces the indicator values of the keys present in
	// the stream, for the municipalities named.
	ReplaceIndicators(ctx context.Context, src iter.Seq2[IndicatorValue, error]) (int, error)
	ReplaceMemberships(ctx context.Context, kind MembershipKind, src iter.Seq2[Membership, error]) (int, error)
	ReplaceCells(ctx context.Context, src iter.Seq2[Cell, error]) (int, error)
	ReplaceCentralPlaces(ctx context.Context, src iter.Seq2[CentralPlace, error]) (int, error)
	// ReplaceFacilities replaces the facilities from one source (Facility.Source
	// prefix before ":"), so that schools and hospitals can be loaded apart.
	ReplaceFacilities(ctx context.Context, source string, src iter.Seq2[Facility, error]) (int, error)
	ReplaceRoads(ctx context.Context, src iter.Seq2[RoadSegment, error]) (int, error)
	// PutProject inserts or replaces one project by id.
	PutProject(ctx context.Context, p Project) error
	// ReplaceProjects replaces the projects of one source (Project.Source,
	// e.g. "file:proposals.csv"); those of other sources, the API's above
	// all, stay. Records with an empty Source get source; another Source is
	// an error, and so is an id held by another source.
	ReplaceProjects(ctx context.Context, source string, src iter.Seq2[Project, error]) (int, error)
}

// Store is a complete store: read model source, feature source and loader.
type Store interface {
	Reader
	FeatureSource
	Loader
	ProjectWriter
	// Info tells what the store holds and where it came from.
	Info(ctx context.Context) (StoreInfo, error)
}

// StoreInfo describes a store for provenance and for the landing page.
type StoreInfo struct {
	Kind      string // "postgis", "memory"
	Title     string // e.g. "Demo region (synthetic)"
	Synthetic bool   // true when the data are generated, not real
	// Versions maps a layer name to a data version (import time, file hash, seed).
	Versions    map[string]string
	Attribution []string // licence credits to show with the data
}

// PopulationRecord is the population of one municipality at a date.
type PopulationRecord struct {
	AGS        string
	Population int64
	Date       time.Time
	AreaKm2    float64 // 0 = leave unchanged
}

// IndicatorValue is one indicator value of one municipality.
type IndicatorValue struct {
	AGS   string
	Key   string
	Value float64
}

// Collection describes one served collection.
type Collection struct {
	ID          string
	Title       string
	Description string
	// Extent is the bounding box in CRS84 (lon/lat); empty when unknown.
	Extent orb.Bound
	// StorageCRS is the EPSG code of the stored geometry (25833 or 3035).
	StorageCRS   int
	GeometryType string // "Point", "MultiPolygon", …
	// Properties lists the feature properties in output order.
	Properties  []PropertyInfo
	Attribution string
	Synthetic   bool
	// Version names the collection's content: it changes whenever a feature
	// is added, changed or removed, and one version always stands for the
	// same features (so responses may be cached under it). "" when the
	// store cannot tell; such responses are not cached.
	Version string
}

// PropertyInfo describes one feature property.
type PropertyInfo struct {
	Name        string
	Type        string // "string", "integer", "number", "boolean", "array", "object"
	Description string
	// Filterable properties may be used as query parameters (?name=value).
	Filterable bool
	// Format refines a string type for schemas and filters: "date-time"
	// (RFC 3339 instant) or "date" (YYYY-MM-DD); "" for none.
	Format string
	// Unit names the unit of a number for labels and schemas ("s", "m",
	// "km²", "EUR", …); "" for none.
	Unit string
}

// ItemsQuery selects features of one collection.
type ItemsQuery struct {
	Collection string
	// BBox restricts to features whose served geometry, in BBoxCRS,
	// intersects it (see query.BoxPlan); nil for none. It is x east: longitude
	// first for lon/lat.
	BBox *orb.Bound
	// BBoxCRS is the CRS of BBox; 0 means CRS84 (as does EPSG:4326, whose
	// boxes are given longitude first here).
	BBoxCRS crs.Code
	// Limit is the page size (1…10000); the store applies it as given.
	Limit int
	// After is the keyset cursor: only features with id > After (in the
	// collection's id order) are returned; "" starts at the beginning.
	After string
	// Filters maps a filterable property name to the exact value wanted.
	Filters map[string]string
	// Filter selects features by a filter expression (CQL2), checked with
	// query.Check against the collection; nil for none. It applies on top
	// of BBox and Filters.
	Filter Expr
	// WrittenIn is the CRS the page will be written in, where the caller
	// knows it: a store may then leave out Feature.Stored when it is CRS84
	// (the writer uses Geometry). 0: not known; the store supplies every
	// geometry it has.
	WrittenIn crs.Code
}

// Page is one page of features.
type Page struct {
	Features []Feature
	// NumberMatched is the number of features matching the query without
	// paging, or -1 when unknown (a store leaves it unknown rather than
	// scan a table for it).
	NumberMatched int
	// Version names the content the page was read from (see
	// Collection.Version); "" when the store cannot say.
	Version string
	// Next is the cursor for the following page, "" on the last page.
	Next string
}

// Feature is one feature ready to be encoded: CRS84 geometry (lon/lat) and
// properties in output order.
type Feature struct {
	ID         string
	Geometry   orb.Geometry // CRS84; nil for features without geometry
	Properties []Property
	// Stored is the geometry as the source keeps it, in StoredCRS, where
	// the source has it (nil and 0 otherwise): a writer of another CRS than
	// CRS84 transforms it from there, once, rather than Geometry.
	Stored    orb.Geometry
	StoredCRS crs.Code
}

// Property is one named value of a feature. Values are nil (JSON null),
// string, bool, int64, float64, []string or map[string]float64.
type Property struct {
	Name  string
	Value any
}

// Get returns the value of the property named name and whether it exists.
func (f Feature) Get(name string) (any, bool) {
	for _, p := range f.Properties {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// Seq streams the records xs without errors, as the Replace… methods of a
// Loader read them.
func Seq[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}
