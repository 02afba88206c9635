// Package ogcapi serves the layers as OGC API Features (Part 1 Core, Part 2
// CRS, the queryables and schema of Part 3) and OGC API Tiles (Mapbox vector
// tiles in WebMercatorQuad with their tileset metadata), with server-rendered
// HTML views, CSV and GeoPackage downloads, the landing page, conformance and
// credits. Encoded pages and tiles of versioned collections are kept in a
// byte-bounded cache; the others are built through a gate of a few places at
// once, in the order they came. The handlers are mounted by internal/httpapi; a Server
// is safe for concurrent use.
package ogcapi

import (
	"time"

	"reach/internal/analysis"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// Deriver gives the collections derived from analyses (nil when there are
// none yet).
type Deriver interface {
	Derived() layers.FeatureSource
}

// Deps is what the OGC API serves from. Features is required.
type Deps struct {
	// Features serves the base layers.
	Features layers.FeatureSource
	// Analyzer adds derived collections after the base ones; nil adds none.
	Analyzer Deriver
	// Info describes the data for the landing page and credits.
	Info layers.StoreInfo
	// BaseURL, when set, is used for absolute links instead of the
	// request's scheme and host.
	BaseURL string
	// Basemap is the raster background the landing page names.
	Basemap ogc.Basemap
	// Now gives the time for timeStamp members; required.
	Now func() time.Time
	// Coverage reports the network coverage per mode for the landing page;
	// nil reports none.
	Coverage func() []analysis.NetworkCoverage
	// CursorKey signs paging cursors.
	CursorKey []byte
	// CacheBytes bounds the cache of encoded pages and tiles; negative
	// turns it off.
	CacheBytes int64
	// RenderSlots bounds the feature pages and tiles built at once (those
	// not answered from the cache); the others wait in line. 0 or less: no
	// bound.
	RenderSlots int
}

// Server holds the OGC API handlers.
type Server struct {
	deps    Deps
	reply   reply.Replier
	cursors ogc.CursorCodec
	// cache keeps encoded feature pages and tiles per collection version.
	cache *responseCache
	// pageSizes sizes the buffers of items pages.
	pageSizes pageSizes
	// gate lets RenderSlots pages and tiles be built at once.
	gate *renderGate
}

// New returns the OGC API handlers over deps, answering errors through r.
func New(deps Deps, r reply.Replier) *Server {
	return &Server{deps: deps, reply: r, cursors: ogc.CursorCodec{Key: deps.CursorKey}, cache: newResponseCache(deps.CacheBytes),
		gate: newRenderGate(deps.RenderSlots)}
}

// coverage returns the network coverage per mode, or nil.
func (s *Server) coverage() []analysis.NetworkCoverage {
	if s.deps.Coverage == nil {
		return nil
	}
	return s.deps.Coverage()
}
