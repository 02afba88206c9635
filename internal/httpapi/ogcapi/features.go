package ogcapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// Source returns the feature source of this request: the base layers,
// composed with the analyzer's derived collections when there are any.
func (s *Server) Source() layers.FeatureSource {
	if s.deps.Analyzer != nil {
		if d := s.deps.Analyzer.Derived(); d != nil {
			return composite{base: s.deps.Features, derived: d}
		}
	}
	return s.deps.Features
}

// resolve finds the source that serves collection id and describes the
// collection (with its version), once per request: the handlers then ask
// that source directly.
func (s *Server) resolve(ctx context.Context, id string) (layers.FeatureSource, layers.Collection, error) {
	src := s.Source()
	if c, ok := src.(composite); ok {
		return c.owner(ctx, id)
	}
	coll, err := src.Collection(ctx, id)
	return src, coll, err
}

// composite serves the base collections first, then those derived ones
// whose ids the base does not use.
type composite struct {
	base, derived layers.FeatureSource
}

var _ layers.FeatureSource = composite{}

func (c composite) Collections(ctx context.Context) ([]layers.Collection, error) {
	a, err := c.base.Collections(ctx)
	if err != nil {
		return nil, err
	}
	b, err := c.derived.Collections(ctx)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(a))
	for _, x := range a {
		seen[x.ID] = true
	}
	for _, x := range b {
		if !seen[x.ID] {
			a = append(a, x)
		}
	}
	return a, nil
}

// owner returns the source that serves collection id.
func (c composite) owner(ctx context.Context, id string) (layers.FeatureSource, layers.Collection, error) {
	coll, err := c.base.Collection(ctx, id)
	if err == nil {
		return c.base, coll, nil
	}
	if !errors.Is(err, layers.ErrNotFound) {
		return nil, layers.Collection{}, err
	}
	coll, err = c.derived.Collection(ctx, id)
	return c.derived, coll, err
}

func (c composite) Collection(ctx context.Context, id string) (layers.Collection, error) {
	_, coll, err := c.owner(ctx, id)
	return coll, err
}

func (c composite) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	src, _, err := c.owner(ctx, q.Collection)
	if err != nil {
		return layers.Page{}, err
	}
	return src.Items(ctx, q)
}

func (c composite) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	src, _, err := c.owner(ctx, collection)
	if err != nil {
		return layers.Feature{}, err
	}
	return src.Item(ctx, collection, id)
}

// Landing answers / (JSON or HTML).
func (s *Server) Landing(w http.ResponseWriter, r *http.Request) {
	f, ok := s.reply.Format(w, r)
	if !ok {
		return
	}
	b := reply.BaseURL(s.deps.BaseURL, r)
	info := s.deps.Info
	title := "reach: reachability of public services in Saxony"
	if info.Title != "" {
		title += " — " + info.Title
	}
	desc := "OGC API Features over municipalities, the population grid, central places, facilities, roads and proposals, with travel-time analyses."
	if info.Synthetic {
		desc = "SYNTHETIC DATA (generated demo region, not real). " + desc
	}
	doc := ogc.LandingPage{
		Title: title, Description: desc, Synthetic: info.Synthetic, Attribution: info.Attribution,
		Links: []ogc.Link{
			{Href: b + "/?f=json", Rel: "self", Type: ogc.MediaJSON, Title: "this document"},
			{Href: b + "/?f=html", Rel: "alternate", Type: ogc.MediaHTML, Title: "this document as HTML"},
			{Href: b + "/api", Rel: "service-desc", Type: ogc.MediaOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
			{Href: b + "/conformance", Rel: "conformance", Type: ogc.MediaJSON, Title: "conformance classes"},
			{Href: b + "/collections", Rel: "data", Type: ogc.MediaJSON, Title: "feature collections"},
			{Href: b + "/tileMatrixSets", Rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", Type: ogc.MediaJSON, Title: "tile matrix sets"},
		},
	}
	if s.deps.Basemap.URL != "" {
		bm := s.deps.Basemap
		doc.Basemap = &bm
	}
	doc.Links = append(doc.Links, ogc.Link{Href: b + "/map/", Rel: "related", Type: ogc.MediaHTML, Title: "map for planners and committees"},
		ogc.Link{Href: b + "/credits", Rel: "license", Type: ogc.MediaHTML, Title: "data sources and licences"})
	if f == ogc.FormatHTML {
		s.renderHTML(w, r, "landing", doc.Title, landingHTML{LandingPage: doc, Coverage: s.coverage()})
		return
	}
	s.reply.WriteDoc(w, r, doc)
}

// Conformance answers /conformance.
func (s *Server) Conformance(w http.ResponseWriter, r *http.Request) {
	f, ok := s.reply.Format(w, r)
	if !ok {
		return
	}
	doc := ogc.Conformance{ConformsTo: ogc.ConformanceClasses()}
	if f == ogc.FormatHTML {
		s.renderHTML(w, r, "conformance", "Conformance", doc)
		return
	}
	s.reply.WriteDoc(w, r, doc)
}

// wireCollection converts a collection to its wire form.
func (s *Server) wireCollection(b string, c layers.Collection) ogc.Collection {
	esc := url.PathEscape(c.ID)
	attribution := layers.CollectionAttribution(c.ID, layers.Credits(s.deps.Info.Versions))
	if attribution == "" {
		attribution = c.Attribution
	}
	out := ogc.Collection{
		ID: c.ID, Title: c.Title, Description: c.Description, ItemType: "feature",
		CRS: ogc.CRSURIs(), GeometryType: c.GeometryType, Attribution: attribution,
		Synthetic: c.Synthetic || s.deps.Info.Synthetic,
		Links: []ogc.Link{
			{Href: b + "/collections/" + esc + "?f=json", Rel: "self", Type: ogc.MediaJSON, Title: c.Title},
			{Href: b + "/collections/" + esc + "?f=html", Rel: "alternate", Type: ogc.MediaHTML, Title: c.Title + " as HTML"},
			{Href: b + "/collections/" + esc + "/items?f=json", Rel: "items", Type: ogc.MediaGeoJSON, Title: "features"},
			{Href: b + "/collections/" + esc + "/items?f=html", Rel: "items", Type: ogc.MediaHTML, Title: "features as HTML"},
			{Href: b + "/collections/" + esc + "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", Rel: "item",
				Type: ogc.MediaMVT, Title: "vector tiles (WebMercatorQuad)", Templated: true},
			{Href: b + "/collections/" + esc + "/tiles", Rel: "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
				Type: ogc.MediaJSON, Title: "vector tilesets"},
			{Href: b + "/collections/" + esc + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables",
				Type: ogc.MediaSchema, Title: "queryables"},
			{Href: b + "/collections/" + esc + "/schema", Rel: "describedby", Type: ogc.MediaSchema, Title: "feature schema"},
			// The same once more as "describedBy": GDAL (3.6 and later)
			// compares the relation case-sensitively in that spelling.
			{Href: b + "/collections/" + esc + "/schema", Rel: "describedBy", Type: ogc.MediaSchema, Title: "feature schema"},
		},
	}
	if c.StorageCRS != 0 {
		if code := crs.Code(c.StorageCRS); code.Valid() {
			out.StorageCRS = code.URI()
		}
	}
	if c.Extent != (orb.Bound{}) {
		e := c.Extent
		out.Extent = &ogc.Extent{Spatial: &ogc.SpatialExtent{
			BBox: [][4]float64{{round7(e.Min[0]), round7(e.Min[1]), round7(e.Max[0]), round7(e.Max[1])}},
			CRS:  crs.CRS84.URI(),
		}}
	}
	for _, p := range c.Properties {
		out.Properties = append(out.Properties, ogc.Property{Name: p.Name, Type: p.Type, Description: p.Description, Filterable: p.Filterable})
	}
	return out
}

func round7(v float64) float64 { return ogc.RoundCoord(v, 7) }

// Collections answers /collections.
func (s *Server) Collections(w http.ResponseWriter, r *http.Request) {
	f, ok := s.reply.Format(w, r)
	if !ok {
		return
	}
	cs, err := s.Source().Collections(r.Context())
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	b := reply.BaseURL(s.deps.BaseURL, r)
	doc := ogc.Collections{
		Links: []ogc.Link{
			{Href: b + "/collections?f=json", Rel: "self", Type: ogc.MediaJSON, Title: "collections"},
			{Href: b + "/collections?f=html", Rel: "alternate", Type: ogc.MediaHTML, Title: "collections as HTML"},
		},
		Collections: make([]ogc.Collection, 0, len(cs)),
		CRS:         ogc.CRSURIs(),
	}
	for _, c := range cs {
		doc.Collections = append(doc.Collections, s.wireCollection(b, c))
	}
	if f == ogc.FormatHTML {
		s.renderHTML(w, r, "collections", "Collections", doc)
		return
	}
	s.reply.WriteDoc(w, r, doc)
}

// Collection answers /collections/{collectionId}.
func (s *Server) Collection(w http.ResponseWriter, r *http.Request) {
	f, ok := s.reply.Format(w, r)
	if !ok {
		return
	}
	c, err := s.Source().Collection(r.Context(), reply.URLParam(r, "collectionId"))
	if err != nil {
		s.reply.Fail(w, r, collErr(reply.URLParam(r, "collectionId"), err), http.StatusBadRequest)
		return
	}
	doc := s.wireCollection(reply.BaseURL(s.deps.BaseURL, r), c)
	if f == ogc.FormatHTML {
		s.renderHTML(w, r, "collection", c.Title, doc)
		return
	}
	s.reply.WriteDoc(w, r, doc)
}

// collErr names the collection in a not-found error.
func collErr(id string, err error) error {
	if errors.Is(err, layers.ErrNotFound) {
		return reply.NotFound(fmt.Sprintf("httpapi: collection %q", id), "collectionId", id, "no such collection; see /collections")
	}
	return err
}

// itemsPage is the data of an items page for HTML.
type itemsPage struct {
	Collection     ogc.Collection
	Features       []layers.Feature
	NumberMatched  int
	NumberReturned int
	Links          []ogc.Link
	Next           string
	Prev           string
}

// Items answers /collections/{collectionId}/items: one page of features, or a CSV or GeoPackage download of all matching ones.
func (s *Server) Items(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := reply.URLParam(r, "collectionId")
	src, c, err := s.resolve(ctx, id)
	if err != nil {
		s.reply.Fail(w, r, collErr(id, err), http.StatusBadRequest)
		return
	}
	p, err := ogc.ParseItems(r.URL.Query(), c, s.cursors, r.Header.Get("Accept"))
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	if p.Format == ogc.FormatCSV || p.Format == ogc.FormatGPKG {
		s.download(w, r, c, p)
		return
	}
	// A GeoJSON page of a versioned collection is kept encoded under the
	// version: the same request is answered from memory (or with 304).
	b := reply.BaseURL(s.deps.BaseURL, r)
	pageKey := func(version string) string {
		return "items\x00" + c.ID + "\x00" + version + "\x00" + b + "\x00" + r.URL.Query().Encode()
	}
	const itemsCacheControl = "public, max-age=30"
	if p.Format != ogc.FormatHTML && c.Version != "" {
		if hit, ok := s.cache.get(pageKey(c.Version)); ok {
			hit.write(w, r, itemsCacheControl)
			return
		}
	}
	q := p.Query
	if p.Format != ogc.FormatHTML {
		q.WrittenIn = p.CRS
	}
	release, err := s.gate.enter(ctx)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	defer release()
	page, err := src.Items(ctx, q)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	esc := url.PathEscape(c.ID)
	itemsURL := b + "/collections/" + esc + "/items"
	withQuery := func(mod func(url.Values)) string {
		q := r.URL.Query()
		mod(q)
		if len(q) == 0 {
			return itemsURL
		}
		return itemsURL + "?" + q.Encode()
	}
	links := []ogc.Link{
		{Href: withQuery(func(q url.Values) { q.Set("f", "json") }), Rel: "self", Type: ogc.MediaGeoJSON, Title: "this page"},
		{Href: withQuery(func(q url.Values) { q.Set("f", "html") }), Rel: "alternate", Type: ogc.MediaHTML, Title: "this page as HTML"},
	}
	next := ""
	if page.Next != "" {
		tok := s.cursors.EncodePage(c.ID, p.Cursor.Next(page.Next))
		next = withQuery(func(q url.Values) { q.Set("cursor", tok) })
		links = append(links, ogc.Link{Href: withQuery(func(q url.Values) { q.Set("cursor", tok); q.Set("f", "json") }),
			Rel: "next", Type: ogc.MediaGeoJSON, Title: "next page"})
	}
	// prev where the cursor remembers the way back (no query needed).
	pc, hasPrev := p.Cursor.Prev()
	prevLink := func(f string) string {
		return withQuery(func(q url.Values) {
			if pc.After == "" {
				q.Del("cursor")
			} else {
				q.Set("cursor", s.cursors.EncodePage(c.ID, pc))
			}
			q.Set("f", f)
		})
	}
	if hasPrev {
		links = append(links, ogc.Link{Href: prevLink("json"), Rel: "prev", Type: ogc.MediaGeoJSON, Title: "previous page"})
	}
	links = append(links, ogc.Link{Href: b + "/collections/" + esc, Rel: "collection", Type: ogc.MediaJSON, Title: c.Title})
	if p.Format == ogc.FormatHTML {
		wc := s.wireCollection(b, c)
		if next != "" {
			next = withQuery(func(q url.Values) {
				q.Set("cursor", s.cursors.EncodePage(c.ID, p.Cursor.Next(page.Next)))
				q.Set("f", "html")
			})
		}
		prev := ""
		if hasPrev {
			prev = prevLink("html")
		}
		release()
		s.renderHTML(w, r, "items", c.Title, itemsPage{Collection: wc, Features: page.Features,
			NumberMatched: page.NumberMatched, NumberReturned: len(page.Features), Links: links, Next: next, Prev: prev})
		return
	}
	w.Header().Add("Vary", "Accept")
	// The page is written into one buffer sized from the collection's last
	// pages, so that it does not grow by copying (garbage the collector
	// would chase under load).
	var buf bytes.Buffer
	buf.Grow(s.pageSizes.estimate(c.ID, len(page.Features)))
	fw := ogc.NewFeatureWriter(&buf, p.CRS)
	err = fw.Begin(ogc.CollectionHeader{TimeStamp: s.deps.Now(), NumberMatched: page.NumberMatched,
		NumberReturned: len(page.Features), Links: links})
	for i := 0; err == nil && i < len(page.Features); i++ {
		err = fw.Write(page.Features[i])
	}
	if err == nil {
		err = fw.End()
	}
	if err != nil {
		s.reply.Fail(w, r, fmt.Errorf("httpapi: writing features of %q: %w", c.ID, err), http.StatusBadRequest)
		return
	}
	s.pageSizes.observe(c.ID, buf.Len(), len(page.Features))
	resp := newRenderedResponse(pageKey(page.Version), ogc.MediaGeoJSON, buf.Bytes())
	resp.contentCRS = "<" + p.CRS.URI() + ">"
	if page.Version != "" {
		s.cache.put(resp)
	}
	release()
	resp.write(w, r, itemsCacheControl)
}

// Item answers /collections/{collectionId}/items/{featureId}.
func (s *Server) Item(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, fid := reply.URLParam(r, "collectionId"), reply.URLParam(r, "featureId")
	f, ok := s.reply.Format(w, r, "crs")
	if !ok {
		return
	}
	code, err := ogc.ParseCRS("crs", r.URL.Query().Get("crs"))
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	src, c, err := s.resolve(ctx, id)
	if err != nil {
		s.reply.Fail(w, r, collErr(id, err), http.StatusBadRequest)
		return
	}
	feat, err := src.Item(ctx, id, fid)
	if err != nil {
		if errors.Is(err, layers.ErrNotFound) {
			err = reply.NotFound(fmt.Sprintf("httpapi: feature %q in collection %q", fid, id), "featureId", fid, "no such feature in this collection")
		}
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	b := reply.BaseURL(s.deps.BaseURL, r)
	self := b + "/collections/" + url.PathEscape(c.ID) + "/items/" + url.PathEscape(feat.ID)
	links := []ogc.Link{
		{Href: self + "?f=json", Rel: "self", Type: ogc.MediaGeoJSON, Title: "this feature"},
		{Href: self + "?f=html", Rel: "alternate", Type: ogc.MediaHTML, Title: "this feature as HTML"},
		{Href: b + "/collections/" + url.PathEscape(c.ID), Rel: "collection", Type: ogc.MediaJSON, Title: c.Title},
	}
	if f == ogc.FormatHTML {
		s.renderHTML(w, r, "item", c.Title+": "+feat.ID, itemsPage{Collection: s.wireCollection(b, c),
			Features: []layers.Feature{feat}, NumberReturned: 1, Links: links})
		return
	}
	s.reply.Feature(w, r, feat, code, links, http.StatusOK)
}

// landingHTML is the landing page with the network coverage note.
type landingHTML struct {
	ogc.LandingPage
	Coverage []analysis.NetworkCoverage
}

// creditsDoc is the credits page: every publisher of the loaded layers.
type creditsDoc struct {
	Credits []creditEntry `json:"credits"`
	// Other holds credits the store reports that no rule matched.
	Other     []string   `json:"other,omitempty"`
	Synthetic bool       `json:"synthetic"`
	Links     []ogc.Link `json:"links"`
}

type creditEntry struct {
	Text        string   `json:"text"`
	Layers      []string `json:"layers"`
	Collections []string `json:"collections"`
}

// Credits answers /credits: the licence credits of the layers actually
// loaded (from the data versions of the store), with the layers and
// collections each covers.
func (s *Server) Credits(w http.ResponseWriter, r *http.Request) {
	f, ok := s.reply.Format(w, r)
	if !ok {
		return
	}
	b := reply.BaseURL(s.deps.BaseURL, r)
	doc := creditsDoc{Synthetic: s.deps.Info.Synthetic, Credits: []creditEntry{}, Links: []ogc.Link{
		{Href: b + "/credits?f=json", Rel: "self", Type: ogc.MediaJSON, Title: "credits"},
		{Href: b + "/credits?f=html", Rel: "alternate", Type: ogc.MediaHTML, Title: "credits as HTML"},
	}}
	seen := map[string]bool{}
	for _, c := range layers.Credits(s.deps.Info.Versions) {
		doc.Credits = append(doc.Credits, creditEntry{Text: c.Text, Layers: c.Layers, Collections: c.Collections})
		seen[c.Text] = true
	}
	for _, a := range s.deps.Info.Attribution {
		if !seen[a] {
			doc.Other = append(doc.Other, a)
		}
	}
	if f == ogc.FormatHTML {
		s.renderHTML(w, r, "credits", "Datenquellen und Lizenzen", doc)
		return
	}
	s.reply.WriteDoc(w, r, doc)
}

// pageSizes keeps the mean encoded size of a feature per collection, to
// size the buffer of the next page. Safe for concurrent use.
type pageSizes struct {
	m sync.Map // collection id → *atomic.Int64 (bytes per feature)
}

// estimate returns the buffer size for a page of n features of coll.
func (p *pageSizes) estimate(coll string, n int) int {
	per := int64(512)
	if v, ok := p.m.Load(coll); ok {
		per = v.(*atomic.Int64).Load()
	}
	return int(per*int64(n)*9/8) + 4096
}

// observe records a page of n features that took size bytes.
func (p *pageSizes) observe(coll string, size, n int) {
	if n < 16 {
		return
	}
	v, _ := p.m.LoadOrStore(coll, new(atomic.Int64))
	v.(*atomic.Int64).Store(int64(size / n))
}
