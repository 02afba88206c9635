package layers

import (
	"context"
	"iter"
	"time"

	"github.com/paulmach/orb"
)

// GraphEdge is one edge of a routable graph in pgRouting's edge-table
// convention, so that pgRouting and QGIS work on exactly the graph reach
// routes on. A direction that cannot be travelled has a negative cost.
type GraphEdge struct {
	ID          int64
	Source      int64 // node id as used in the graph table
	Target      int64
	Cost        float64 // seconds from Source to Target, negative when closed
	ReverseCost float64 // seconds from Target to Source, negative when closed
	LengthM     float64
	Geometry    orb.LineString // EPSG:25833, from Source to Target
}

// TravelTimeRecord is the travel time from one cell to the nearest facility
// of a category by one mode, as stored in the travel_times result table.
type TravelTimeRecord struct {
	CellID     string
	AGS        string
	Population int64
	Known      bool
	Reached    bool
	Seconds    float64 // meaningful when Reached
	DistanceM  float64
	FacilityID string
	Method     string // MethodNetwork, MethodStraightLine, MethodUnreachable or MethodUnknown
}

// GapRecord is one populated cell outside the standard for a category and
// mode, with the classifications of its municipality.
type GapRecord struct {
	CellID           string
	AGS              string
	Population       int64
	Seconds          float64 // +Inf is stored as NULL (unreachable)
	Reached          bool
	StandardSeconds  float64
	ThinlyPopulated  bool
	StructurallyWeak bool
}

// ResultRun identifies one computation for provenance.
type ResultRun struct {
	Category   Category
	Mode       Mode
	ComputedAt time.Time
	Provenance string // JSON document with data versions, catalogue and engine version
}

// ResultWriter stores computed results next to the layers. Each Replace
// call is atomic like the Loader's.
type ResultWriter interface {
	// ReplaceGraph replaces the graph table of one mode (graph_car, graph_bicycle, graph_foot).
	ReplaceGraph(ctx context.Context, mode Mode, src iter.Seq2[GraphEdge, error]) (int, error)
	ReplaceTravelTimes(ctx context.Context, run ResultRun, src iter.Seq2[TravelTimeRecord, error]) (int, error)
	ReplaceGaps(ctx context.Context, run ResultRun, src iter.Seq2[GapRecord, error]) (int, error)
	// PutDocument stores a JSON result document (assessment, ranking, site
	// suggestion, classification) under kind and key, replacing an older one.
	PutDocument(ctx context.Context, kind, key string, doc []byte, computedAt time.Time) error
}

// NetworkImport is everything one OSM extract replaces: the road segments,
// the graph tables built from them, and the facilities found by their
// tags (source FacilitySource, normally "osm").
type NetworkImport struct {
	Roads          iter.Seq2[RoadSegment, error]
	Graphs         map[Mode]iter.Seq2[GraphEdge, error]
	FacilitySource string
	Facilities     iter.Seq2[Facility, error]
}

// NetworkLoader replaces roads, graph tables and OSM facilities together:
// after any failure, cancellation or kill, all of them are from the
// previous extract or all from the new one.
type NetworkLoader interface {
	// ReplaceNetwork returns the number of road segments stored.
	ReplaceNetwork(ctx context.Context, n NetworkImport) (int, error)
}
