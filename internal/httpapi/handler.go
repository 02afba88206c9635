// Package httpapi is the HTTP face of reach: OGC API Features (Part 1 Core
// and Part 2 CRS) over the layers, Mapbox vector tiles in the WebMercatorQuad
// tile matrix set, server-rendered HTML for browsers, the OpenAPI 3.0
// document, health checks, and the JSON analysis endpoints (travel-time
// matrix, isochrones, project submission and assessment, ranking, site
// suggestions).
//
// NewHandler builds the whole tree from Deps; the handler is safe for
// concurrent use and keeps no package-level state. Errors are answered as
// application/problem+json (RFC 9457) with the parameters or fields that
// were wrong; internal errors show only "internal error" and a request id,
// and are logged with it.
//
// Coordinates on the wire are CRS84 (longitude, latitude) unless a request
// asks for another CRS with crs=…; request bodies always use [lon, lat].
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"reach/internal/analysis"
	"reach/internal/httpapi/ogcapi"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/internal/web"
	"reach/layers"
)

// Deps is what the handler serves from. Only Features is required.
type Deps struct {
	// Features serves the base layers (municipalities, grid, …).
	Features layers.FeatureSource
	// Store is used by POST /projects and the project, assessment and
	// ranking endpoints; nil answers those with 503.
	Store layers.Store
	// Analyzer answers the analysis endpoints and adds derived collections;
	// nil answers the analysis endpoints with 503.
	Analyzer Analyzer
	// Info describes the data for the landing page; Synthetic labels every
	// page and document as synthetic data.
	Info layers.StoreInfo
	// Logger receives the access log and internal errors; nil discards.
	Logger *slog.Logger
	// Ready reports whether the service can answer (for /readyz); nil means
	// always ready.
	Ready func(ctx context.Context) error
	// Coverage reports the network coverage per mode once the read model is
	// built (nil before); /readyz, the landing page and the map show it.
	// Nil means no coverage is reported.
	Coverage func() []analysis.NetworkCoverage
	// RequestTimeout bounds each request through its context; 0 means 60 s.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// MaxPoints bounds the number of points in an analysis request
	// (sources × destinations of a matrix count as their sum, plus the
	// product is bounded by MaxPoints²/4); 0 means 100.
	MaxPoints int
	// MaxConcurrentAnalyses bounds analyses running at once; further
	// requests wait up to a second, then get 429. 0 means 4.
	MaxConcurrentAnalyses int
	// CursorKey signs paging cursors (see ogc.CursorCodec); empty is fine.
	CursorKey []byte
	// BaseURL, when set (e.g. "https://reach.example.org"), is used for
	// absolute links instead of the request's scheme and host.
	BaseURL string
	// Basemap, when its URL is set, is the raster background the map shows;
	// without it the map makes no request to another server.
	Basemap ogc.Basemap
	// Now gives the time for timeStamp members; nil means time.Now.
	Now func() time.Time
	// CacheBytes bounds the memory kept for encoded feature pages and
	// vector tiles of versioned collections; 0 means 64 MiB, negative
	// turns the cache off.
	CacheBytes int64
	// RenderSlots bounds the feature pages and vector tiles built at once
	// (those not answered from the cache); more wait in line, first come,
	// first served. 0 means GOMAXPROCS, negative no bound.
	RenderSlots int
	// Tokens authenticates writers by bearer token. nil is the demo mode
	// (no database): writes are accepted without a token from loopback only,
	// and every write answer says that it is not kept.
	Tokens layers.TokenStore
	// ReadRequiresToken makes every read (except /healthz and /readyz)
	// need a token of any role too; reads are open otherwise.
	ReadRequiresToken bool
	// AllowedOrigins are the browser origins (e.g. "https://portal.example.org")
	// besides this server's own that may write (CORS for writes). Reads are
	// open to every origin.
	AllowedOrigins []string
	// CallCloses is when submitters can no longer submit or amend; zero
	// means the call is open.
	CallCloses time.Time
	// Ping checks the database for /readyz; nil when there is none.
	Ping func(ctx context.Context) error
	// Unavailable tells errors of a database that cannot serve now (they
	// are answered 503 with Retry-After instead of 500); nil means none are.
	Unavailable func(error) bool
}

// server holds the dependencies of the handlers.
type server struct {
	deps  Deps
	log   *slog.Logger
	reply reply.Replier
	sem   chan struct{}
	// ogc serves the layers as OGC API Features and Tiles.
	ogc    *ogcapi.Server
	routes []route
}

// route is one entry of the route table from which both the chi router and
// the OpenAPI document are built, so that the two cannot drift apart.
type route struct {
	method  string
	pattern string
	opID    string
	summary string
	tag     string
	params  []string // names of parameters in the OpenAPI components
	body    string   // schema name of the JSON request body, "" for none
	ok      response // the success response
	problem []int    // documented problem statuses besides 500
	handler http.HandlerFunc
	// write marks routes that change records: they need a token with a
	// role (see internal/auth).
	write bool
	// open marks routes that never need a token (health checks).
	open bool
}

// response documents a success response.
type response struct {
	status int
	desc   string
	types  []string // media types
	schema string   // component schema name, "" for none
}

// NewHandler returns the HTTP handler of reach.
func NewHandler(deps Deps) http.Handler {
	_, h := build(deps)
	return h
}

// build returns the server and its router.
func build(deps Deps) (*server, *chi.Mux) {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.RequestTimeout <= 0 {
		deps.RequestTimeout = 60 * time.Second
	}
	if deps.MaxBodyBytes <= 0 {
		deps.MaxBodyBytes = 1 << 20
	}
	if deps.MaxPoints <= 0 {
		deps.MaxPoints = 100
	}
	if deps.MaxConcurrentAnalyses <= 0 {
		deps.MaxConcurrentAnalyses = 4
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.CacheBytes == 0 {
		deps.CacheBytes = 64 << 20
	}
	if deps.RenderSlots == 0 {
		deps.RenderSlots = runtime.GOMAXPROCS(0)
	}
	s := &server{
		deps:  deps,
		log:   deps.Logger,
		reply: reply.Replier{Log: deps.Logger, Unavailable: deps.Unavailable},
		sem:   make(chan struct{}, deps.MaxConcurrentAnalyses),
	}
	var derived ogcapi.Deriver
	if deps.Analyzer != nil {
		derived = deps.Analyzer
	}
	s.ogc = ogcapi.New(ogcapi.Deps{
		Features: deps.Features, Analyzer: derived, Info: deps.Info, BaseURL: deps.BaseURL, Basemap: deps.Basemap,
		Now: deps.Now, Coverage: deps.Coverage, CursorKey: deps.CursorKey, CacheBytes: deps.CacheBytes,
		RenderSlots: deps.RenderSlots,
	}, s.reply)
	s.routes = s.routeTable()

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(s.accessLog)
	r.Use(s.recoverer)
	r.Use(s.timeout)
	r.Use(securityHeaders)
	r.Use(s.cleanInput)
	r.Use(s.cors)
	r.Use(middleware.Compress(5, ogc.MediaJSON, ogc.MediaGeoJSON, ogc.MediaProblem, "application/vnd.oai.openapi+json",
		"text/html", "text/css", "text/javascript", "application/javascript", ogc.MediaMVT))
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		s.problem(w, req, http.StatusNotFound, "not found", "no resource at "+req.URL.Path, nil)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allow := allowedMethods(r, req)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.problem(w, req, http.StatusMethodNotAllowed, "method not allowed",
			req.Method+" is not allowed on "+req.URL.Path+"; allowed: "+strings.Join(allow, ", "), nil)
	})
	for _, rt := range s.routes {
		h := rt.handler
		if !rt.open {
			h = s.guard(rt.write, h)
		}
		r.Method(rt.method, rt.pattern, h)
		if rt.method == http.MethodGet {
			// HEAD wherever GET is: the same handler; net/http drops the body.
			r.Method(http.MethodHead, rt.pattern, h)
		}
	}
	toMap := func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "/map/", http.StatusMovedPermanently)
	}
	r.Get("/map", toMap)
	r.Head("/map", toMap)
	mapHandler := http.StripPrefix("/map", web.Handler())
	r.Get("/map/*", mapHandler.ServeHTTP)
	r.Head("/map/*", mapHandler.ServeHTTP)
	return s, r
}

// allowedMethods lists the methods routed for the path of req, for the
// Allow header of a 405 answer. OPTIONS is always allowed (CORS preflight).
func allowedMethods(mux *chi.Mux, req *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if mux.Match(chi.NewRouteContext(), m, req.URL.Path) {
			out = append(out, m)
		}
	}
	return append(out, http.MethodOptions)
}

// routeTable lists every API route.
func (s *server) routeTable() []route {
	jsonHTML := []string{ogc.MediaJSON, ogc.MediaHTML}
	geoHTML := []string{ogc.MediaGeoJSON, ogc.MediaHTML}
	return []route{
		{method: "GET", pattern: "/", opID: "getLandingPage", summary: "Landing page", tag: "Capabilities",
			params: []string{"f"}, ok: response{200, "links to the API, conformance and collections", jsonHTML, "LandingPage"},
			problem: []int{400}, handler: s.ogc.Landing},
		{method: "GET", pattern: "/conformance", opID: "getConformance", summary: "Conformance classes implemented", tag: "Capabilities",
			params: []string{"f"}, ok: response{200, "conformance classes", jsonHTML, "Conformance"},
			problem: []int{400}, handler: s.ogc.Conformance},
		{method: "GET", pattern: "/api", opID: "getAPI", summary: "This OpenAPI 3.0 document", tag: "Capabilities",
			ok: response{200, "the OpenAPI document", []string{ogc.MediaOpenAPI, ogc.MediaJSON}, ""}, handler: s.openAPI},
		{method: "GET", pattern: "/collections", opID: "getCollections", summary: "Feature collections served", tag: "Data",
			params: []string{"f"}, ok: response{200, "the collections", jsonHTML, "Collections"},
			problem: []int{400}, handler: s.ogc.Collections},
		{method: "GET", pattern: "/collections/{collectionId}", opID: "describeCollection", summary: "Describe one collection", tag: "Data",
			params: []string{"collectionId", "f"}, ok: response{200, "the collection", jsonHTML, "Collection"},
			problem: []int{400, 404}, handler: s.ogc.Collection},
		{method: "GET", pattern: "/collections/{collectionId}/items", opID: "getFeatures", summary: "Features of a collection, one page at a time (keyset paging with next links)", tag: "Data",
			params: []string{"collectionId", "bbox", "bbox-crs", "crs", "limit", "cursor", "datetime", "filter", "filter-lang", "filter-crs", "f"}, ok: response{200, "a page of features; f=csv or f=gpkg downloads every matching feature", []string{ogc.MediaGeoJSON, ogc.MediaHTML, ogc.MediaCSV, ogcapi.MediaGPKG}, "FeatureCollection"},
			problem: []int{400, 404}, handler: s.ogc.Items},
		{method: "GET", pattern: "/collections/{collectionId}/items/{featureId}", opID: "getFeature", summary: "One feature", tag: "Data",
			params: []string{"collectionId", "featureId", "crs", "f"}, ok: response{200, "the feature", geoHTML, "Feature"},
			problem: []int{400, 404}, handler: s.ogc.Item},
		{method: "GET", pattern: "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", opID: "getTile", summary: "Mapbox vector tile of a collection in WebMercatorQuad (tileMatrix/tileRow/tileCol = z/y/x); accepts the collection's property filters as items does", tag: "Tiles",
			params: []string{"collectionId", "tileMatrix", "tileRow", "tileCol"}, ok: response{200, "the tile (possibly empty)", []string{ogc.MediaMVT}, ""},
			problem: []int{400, 404}, handler: s.ogc.Tile},
		{method: "GET", pattern: "/collections/{collectionId}/queryables", opID: "getQueryables", summary: "The properties filter may use, as a JSON Schema (OGC API Features Part 3)", tag: "Data",
			params: []string{"collectionId"}, ok: response{200, "the queryables", []string{ogc.MediaSchema}, ""},
			problem: []int{400, 404}, handler: s.ogc.Queryables},
		{method: "GET", pattern: "/collections/{collectionId}/schema", opID: "getSchema", summary: "The schema of the features, with the type of every property (linked as describedby)", tag: "Data",
			params: []string{"collectionId"}, ok: response{200, "the feature schema", []string{ogc.MediaSchema}, ""},
			problem: []int{400, 404}, handler: s.ogc.FeatureSchema},
		{method: "GET", pattern: "/collections/{collectionId}/tiles", opID: "getTilesets", summary: "The tilesets of a collection (one, in WebMercatorQuad)", tag: "Tiles",
			params: []string{"collectionId"}, ok: response{200, "the tilesets", []string{ogc.MediaJSON}, ""},
			problem: []int{400, 404}, handler: s.ogc.Tilesets},
		{method: "GET", pattern: "/collections/{collectionId}/tiles/WebMercatorQuad", opID: "getTileset", summary: "Tileset metadata; f=tilejson gives TileJSON 3.0.0", tag: "Tiles",
			params: []string{"collectionId"}, ok: response{200, "the tileset", []string{ogc.MediaJSON}, ""},
			problem: []int{400, 404}, handler: s.ogc.Tileset},
		{method: "GET", pattern: "/tileMatrixSets", opID: "getTileMatrixSets", summary: "The tile matrix sets (WebMercatorQuad)", tag: "Tiles",
			ok: response{200, "tile matrix sets", []string{ogc.MediaJSON}, ""}, handler: s.ogc.TileMatrixSets},
		{method: "GET", pattern: "/tileMatrixSets/WebMercatorQuad", opID: "getTileMatrixSet", summary: "The WebMercatorQuad tile matrix set", tag: "Tiles",
			ok: response{200, "tile matrix set metadata", []string{ogc.MediaJSON}, ""}, handler: s.ogc.TileMatrixSet},
		{method: "POST", pattern: "/analyses/matrix", opID: "postMatrix", summary: "Travel times and network distances from every source to every destination", tag: "Analyses",
			body: "MatrixRequest", ok: response{200, "durations (s) and distances (m), null where unreachable; methods per pair (straight_line where an end is off the network)", []string{ogc.MediaJSON}, "MatrixResult"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.matrix},
		{method: "POST", pattern: "/analyses/isochrones", opID: "postIsochrones", summary: "Travel-time bands around origins with their population", tag: "Analyses",
			body: "IsochroneRequest", ok: response{200, "one feature per band: geometry the area within to_minutes; population and cells of the ring from_minutes–to_minutes, cumulative_population and cumulative_cells within to_minutes", []string{ogc.MediaGeoJSON}, "FeatureCollection"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.isochrones},
		{method: "POST", pattern: "/analyses/sites", opID: "postSites", summary: "Suggest k sites that cover the most residents outside the standard", tag: "Analyses",
			body: "SiteRequest", ok: response{200, "the suggested sites", []string{ogc.MediaJSON}, "SiteResult"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.sites},
		{method: "POST", pattern: "/analyses/gaps", opID: "postGaps", summary: "The gap register of a category and mode: residents outside the standard per municipality, Kreis and planning region, the share of residents per method (network, straight-line estimate, unreachable), the fairness of the travel times, and with cells: true every cell outside", tag: "Analyses",
			body: "GapRequest", ok: response{200, "the gap register", []string{ogc.MediaJSON}, "GapResult"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.gaps},
		{method: "POST", pattern: "/analyses/need", opID: "postNeed", summary: "Capacity-aware access of a category (E2SFCA supply ratio per cell, facility and municipality, next to the planning ratio) today or in a projection year, with the fairness of travel times", tag: "Analyses",
			body: "NeedRequest", ok: response{200, "supply ratios, planning ratio, distribution of access times", []string{ogc.MediaJSON}, "NeedResult"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.need},
		{method: "POST", pattern: "/analyses/fire", opID: "postFire", summary: "Fire brigade arrival (turn-out plus drive) per cell, share within the limit per municipality, areas of first responsibility; with proposed stations or closures, before and after", tag: "Analyses",
			body: "FireRequest", ok: response{200, "coverage today and, with a proposal, after", []string{ogc.MediaJSON}, "FireResult"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.fire},
		{method: "POST", pattern: "/analyses/round-trip", opID: "postRoundTrip", summary: "By public transport: who can be at a facility of a category by an appointment, stay, and be back home the same day; per cell and per municipality", tag: "Analyses",
			body: "RoundTripRequest", ok: response{200, "share of residents per municipality who can make the round trip, and with cells: true the answer per cell", []string{ogc.MediaJSON}, "RoundTripResult"},
			problem: []int{400, 413, 422, 429, 503}, handler: s.roundTrip},
		{method: "POST", pattern: "/projects", opID: "postProject", summary: "Submit a project proposal as a GeoJSON Feature", tag: "Projects",
			body: "ProjectFeature", ok: response{201, "created; Location names the project, ETag its revision; a repeated Idempotency-Key returns the first answer", []string{ogc.MediaGeoJSON}, "Feature"},
			problem: []int{400, 401, 403, 409, 413, 415, 422, 503}, handler: s.postProject, write: true},
		{method: "PUT", pattern: "/projects/{projectId}", opID: "putProject", summary: "Replace a project proposal (If-Match with the ETag of the revision it is based on)", tag: "Projects",
			params: []string{"projectId"}, body: "ProjectFeature", ok: response{200, "the stored project with its new ETag", []string{ogc.MediaGeoJSON}, "Feature"},
			problem: []int{400, 401, 403, 404, 412, 413, 415, 422, 428, 503}, handler: s.putProject, write: true},
		{method: "GET", pattern: "/projects/{projectId}", opID: "getProject", summary: "One project proposal as a GeoJSON Feature", tag: "Projects",
			params: []string{"projectId"}, ok: response{200, "the project", []string{ogc.MediaGeoJSON}, "Feature"},
			problem: []int{404}, handler: s.getProject},
		{method: "GET", pattern: "/projects/{projectId}/assessment", opID: "getAssessment", summary: "The assessment dossier of a project", tag: "Projects",
			params: []string{"projectId"}, ok: response{200, "the assessment", []string{ogc.MediaJSON}, "Assessment"},
			problem: []int{404, 429, 503}, handler: s.assessment},
		{method: "GET", pattern: "/projects/{projectId}/difference", opID: "getDifference", summary: "The before/after map of a project: the cells whose travel time it shortens or that it brings newly within the standard, with the times before and after; crs, bbox and filter as for items; f=csv or f=gpkg downloads", tag: "Projects",
			params: []string{"projectId", "bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs", "f"}, ok: response{200, "the changed cells", []string{ogc.MediaGeoJSON, ogc.MediaCSV, ogcapi.MediaGPKG}, "FeatureCollection"},
			problem: []int{400, 404, 422, 429, 503}, handler: s.difference},
		{method: "GET", pattern: "/projects/{projectId}/dossier", opID: "getDossier", summary: "The committee's dossier of a project as a page for the browser and A4 print (redirects to the map's dossier page)", tag: "Projects",
			params: []string{"projectId"}, ok: response{303, "see the dossier page", []string{ogc.MediaHTML}, ""}, handler: s.dossierPage},
		{method: "GET", pattern: "/ranking", opID: "getRanking", summary: "Proposals ranked by score, with the best selection within the budget", tag: "Projects",
			params: []string{"budget"}, ok: response{200, "the ranking", []string{ogc.MediaJSON}, "Ranking"},
			problem: []int{400, 429, 503}, handler: s.ranking},
		{method: "GET", pattern: "/credits", opID: "getCredits", summary: "Data sources and licences of the loaded layers", tag: "Capabilities",
			params: []string{"f"}, ok: response{200, "the credits", jsonHTML, ""}, problem: []int{400}, handler: s.ogc.Credits},
		{method: "GET", pattern: "/healthz", opID: "getHealth", summary: "Liveness: the process answers", tag: "Operations",
			ok: response{200, "ok", []string{ogc.MediaJSON}, ""}, handler: s.healthz, open: true},
		{method: "GET", pattern: "/readyz", opID: "getReady", summary: "Readiness: the data can be served", tag: "Operations",
			ok: response{200, "ready", []string{ogc.MediaJSON}, ""}, problem: []int{503}, handler: s.readyz, open: true},
	}
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	reply.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.deps.Ready != nil {
		if err := s.deps.Ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "httpapi: not ready", "err", err, "request_id", middleware.GetReqID(r.Context()))
			s.problem(w, r, http.StatusServiceUnavailable, "not ready", "the service cannot serve data yet", nil)
			return
		}
	}
	if s.deps.Ping != nil {
		if err := s.deps.Ping(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "httpapi: database unreachable", "err", err, "request_id", middleware.GetReqID(r.Context()))
			s.problem(w, r, http.StatusServiceUnavailable, "database unavailable",
				"the database does not answer; the read model keeps serving what it holds", nil)
			return
		}
	}
	body := map[string]any{"status": "ready"}
	if cov := s.coverage(); cov != nil {
		body["network_coverage"] = cov
	}
	reply.WriteJSON(w, http.StatusOK, body)
}

// coverage returns the network coverage per mode, or nil.
func (s *server) coverage() []analysis.NetworkCoverage {
	if s.deps.Coverage == nil {
		return nil
	}
	return s.deps.Coverage()
}

// dossierPage sends the browser to the printable dossier page of a project.
func (s *server) dossierPage(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/map/dossier.html?project="+url.QueryEscape(reply.URLParam(r, "projectId")), http.StatusSeeOther)
}
