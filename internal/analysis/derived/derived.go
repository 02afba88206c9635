// Package derived serves what the engine computes as OGC collections — the
// travel times and the gap register per category and mode, the assessments
// of the proposals — widens the municipalities with the engine's
// classification, and stores the results next to the layers
// (WriteResults, for `reach analyze`). The engine is passed in; the
// proposals are read, per request, from the project reader given.
package derived

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/analysis/gaps"
	"reach/layers"
	"reach/layers/query"
)

// Collection ids of the derived (computed) collections. Other tools rely on
// them.
const (
	CollTravelTimes = "travel-times"
	CollGaps        = "gaps"
	CollAssessments = "assessments"
)

// Source returns the computed results of e as OGC collections:
//
//   - "travel-times": one feature per populated cell for the category and
//     mode given as filters (?category=…&mode=…, both required), with
//     inspire_id, seconds (null when unreachable), facility_id, population,
//     distance_m and method; cell polygons in CRS84;
//   - "gaps": the cells outside the standard for ?category=…&mode=… with
//     the classification of their municipality;
//   - "assessments", when assessments is not nil: one feature per
//     project of the reader, as assessments gives them (see
//     internal/analysis/assess).
//
// Feature ids of the cell collections are "category:mode:inspire_id" so that
// Item can be answered without filters. The source is safe for concurrent
// use; fields are computed on first use and cached by the engine.
func Source(e *analysis.Engine, projects ProjectReader, assessments ProjectFeatures) layers.FeatureSource {
	return &derived{e: e, projects: projects, assess: assessments}
}

// ProjectReader reads the proposals (a layers.Reader is one).
type ProjectReader interface {
	Projects(ctx context.Context) ([]layers.Project, error)
}

// ProjectFeatures gives one feature per project of ps (sorted by id), with
// the project id as feature id.
type ProjectFeatures func(ctx context.Context, ps []layers.Project) ([]layers.Feature, error)

type derived struct {
	e        *analysis.Engine
	projects ProjectReader
	assess   ProjectFeatures

	mu      sync.Mutex
	lastKey string
	lastFs  []layers.Feature
}

var _ layers.FeatureSource = (*derived)(nil)

func (d *derived) infos() []layers.Collection {
	ext := extent(d.e)
	cellProps := []layers.PropertyInfo{
		{Name: "inspire_id", Type: "string"},
		{Name: "category", Type: "string", Description: "service category (filter; default general_practice)", Filterable: true},
		{Name: "mode", Type: "string", Description: "car, bicycle or foot (filter; default car)", Filterable: true},
		{Name: "ags", Type: "string", Filterable: true},
		{Name: "population", Type: "integer"},
		{Name: "reached", Type: "boolean", Filterable: true},
		{Name: "seconds", Type: "number", Unit: "s", Description: "travel time to the nearest facility in seconds; null when none is reachable"},
		{Name: "facility_id", Type: "string", Filterable: true},
		{Name: "distance_m", Type: "number", Unit: "m", Description: "network (or straight-line) distance in metres"},
		{Name: "method", Type: "string", Description: "network, straight_line, unreachable, or unknown (no facility of the category loaded); by transit: transit, unreachable, or no_stop (no stop with a departure in the window within walking distance: the timetable does not serve the cell)"},
	}
	gapProps := []layers.PropertyInfo{
		{Name: "inspire_id", Type: "string"},
		{Name: "category", Type: "string", Description: "service category (filter; default general_practice)", Filterable: true},
		{Name: "mode", Type: "string", Description: "car, bicycle or foot (filter; default car)", Filterable: true},
		{Name: "ags", Type: "string", Filterable: true},
		{Name: "population", Type: "integer"},
		{Name: "reached", Type: "boolean", Filterable: true},
		{Name: "seconds", Type: "number", Unit: "s", Description: "null when no facility is reachable"},
		{Name: "standard_minutes", Type: "number", Unit: "min"},
		{Name: "facility_id", Type: "string"},
		{Name: "thinly_populated", Type: "boolean", Filterable: true},
		{Name: "structurally_weak", Type: "boolean", Filterable: true},
		{Name: "method", Type: "string", Description: "as in travel-times; by transit, no_stop cells are listed but not counted outside the standard (the feed may end there)"},
	}
	assessProps := []layers.PropertyInfo{
		{Name: "project_id", Type: "string"},
		{Name: "title", Type: "string"},
		{Name: "kind", Type: "string", Filterable: true},
		{Name: "category", Type: "string", Filterable: true},
		{Name: "newly_within_standard", Type: "integer", Description: "null when the effect is unknown"},
		{Name: "beneficiaries", Type: "integer", Description: "null when the effect is unknown"},
		{Name: "verdict", Type: "string", Filterable: true},
		{Name: "score", Type: "number"},
		{Name: "requested_funding", Type: "number", Unit: "EUR", Description: "null when not stated"},
		{Name: "complete", Type: "boolean", Filterable: true, Description: "false when the dossier lacks what the ranking needs"},
		{Name: "effect_unknown_reason", Type: "string", Description: "why the effect is unknown; null when known"},
	}
	syn := d.e.Info().Synthetic
	out := []layers.Collection{
		{ID: CollTravelTimes, Title: "Travel times to the nearest facility", StorageCRS: 3035, GeometryType: "Polygon", Extent: ext, Synthetic: syn,
			Description: "Per populated grid cell the travel time to the nearest facility of a category by a mode (filters category and mode; without them: general practice by car).", Properties: cellProps},
		{ID: CollGaps, Title: "Gap register", StorageCRS: 3035, GeometryType: "Polygon", Extent: ext, Synthetic: syn,
			Description: "Populated grid cells outside the standard of the catalogue for a category and mode (filters category and mode; without them: general practice by car).", Properties: gapProps},
		{ID: CollAssessments, Title: "Project assessments", StorageCRS: 25833, GeometryType: "Geometry", Extent: ext, Synthetic: syn,
			Description: "One feature per proposal with its Zentrale-Orte verdict, score and residents newly within the standard.", Properties: assessProps},
	}
	if d.assess == nil {
		out = out[:2]
	}
	if tp := d.e.TransitPlanner(); tp != nil {
		out = append(out, tp.Collections()...)
	}
	return out
}

func (d *derived) Collections(ctx context.Context) ([]layers.Collection, error) {
	return d.infos(), nil
}

func (d *derived) Collection(ctx context.Context, id string) (layers.Collection, error) {
	for _, c := range d.infos() {
		if c.ID == id {
			return c, nil
		}
	}
	return layers.Collection{}, fmt.Errorf("analysis: collection %q: %w", id, layers.ErrNotFound)
}

// Default filters of the travel-times and gaps collections: a GIS client
// that lists the collections and reads their first page without knowing the
// filters (QGIS, ogrinfo) gets the travel times to the nearest general
// practice by car.
const (
	DefaultDerivedCategory = layers.CatGeneralPractice
	DefaultDerivedMode     = layers.Car
)

// catModeFilters reads the category and mode filters; a missing one takes
// DefaultDerivedCategory or DefaultDerivedMode.
func catModeFilters(filters map[string]string) (layers.Category, layers.Mode, error) {
	cs, ok := filters["category"]
	if !ok || cs == "" {
		cs = string(DefaultDerivedCategory)
	}
	ms, ok := filters["mode"]
	if !ok || ms == "" {
		ms = string(DefaultDerivedMode)
	}
	cat := layers.Category(cs)
	if !cat.Valid() {
		return "", "", fmt.Errorf("analysis: parameter category: %q is not a category: %w", cs, layers.ErrInvalid)
	}
	mode, ok := layers.ParseMode(ms)
	if !ok && layers.Mode(ms) == analysis.Transit {
		mode, ok = analysis.Transit, true
	}
	if !ok {
		return "", "", fmt.Errorf("analysis: parameter mode: %q is not a mode: %w", ms, layers.ErrInvalid)
	}
	return cat, mode, nil
}

func (d *derived) features(ctx context.Context, coll string, filters map[string]string) ([]layers.Feature, error) {
	switch coll {
	case CollTravelTimes:
		cat, mode, err := catModeFilters(filters)
		if err != nil {
			return nil, err
		}
		tts, err := d.e.TravelTimes(ctx, cat, mode)
		if err != nil {
			return nil, err
		}
		out := make([]layers.Feature, len(tts))
		for i, t := range tts {
			out[i] = travelTimeFeature(cat, mode, t)
		}
		return out, nil
	case CollGaps:
		cat, mode, err := catModeFilters(filters)
		if err != nil {
			return nil, err
		}
		rep, err := gaps.Of(ctx, d.e, gaps.Query{Category: cat, Mode: mode, WithoutFairness: true})
		if err != nil {
			return nil, err
		}
		out := make([]layers.Feature, len(rep.Cells))
		for i, g := range rep.Cells {
			out[i] = gapFeature(cat, mode, rep, g)
		}
		return out, nil
	case CollAssessments:
		return d.assessments(ctx)
	}
	if transitCollection(d.e, coll) {
		return d.e.TransitPlanner().Features(ctx, coll)
	}
	return nil, fmt.Errorf("analysis: collection %q: %w", coll, layers.ErrNotFound)
}

// assessments gives the features of the reader's projects, reusing the
// last result while the projects are unchanged.
func (d *derived) assessments(ctx context.Context) ([]layers.Feature, error) {
	ps, err := d.projects.Projects(ctx)
	if err != nil {
		return nil, fmt.Errorf("analysis: assessments: %w", err)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	key := projectsKey(ps)
	d.mu.Lock()
	if d.lastFs != nil && d.lastKey == key {
		fs := d.lastFs
		d.mu.Unlock()
		return fs, nil
	}
	d.mu.Unlock()
	fs, err := d.assess(ctx, ps)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.lastKey, d.lastFs = key, fs
	d.mu.Unlock()
	return fs, nil
}

// projectsKey fingerprints a project list for the assessment cache.
func projectsKey(ps []layers.Project) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%v|%v|%v|%v|%v|%v|%v;", p.ID, p.Title, p.Kind, p.Category, p.Municipalities,
			p.InvestmentCost, p.RequestedFunding, p.Geometry, p.SpeedKmh, fptr(p.Innovation), fptr(p.Transferability))
	}
	return b.String()
}

func fptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func (d *derived) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	c, err := d.Collection(ctx, q.Collection)
	if err != nil {
		return layers.Page{}, err
	}
	if err := query.CheckParams(c, q.Filters); err != nil {
		return layers.Page{}, err
	}
	if err := query.Check(c, q.Filter); err != nil {
		return layers.Page{}, fmt.Errorf("analysis: items of %q: %w", q.Collection, err)
	}
	fs, err := d.features(ctx, q.Collection, q.Filters)
	if err != nil {
		return layers.Page{}, err
	}
	plan, hasBox, err := query.PlanLonLat(q, crs.Code(c.StorageCRS))
	if err != nil {
		return layers.Page{}, err
	}
	var matched []layers.Feature
	for _, f := range fs {
		if !query.MatchParams(f, q.Filters) {
			continue
		}
		if hasBox && (f.Geometry == nil || !plan.Match(f.Geometry, f.Geometry.Bound())) {
			continue
		}
		if !query.Match(q.Filter, f) {
			continue
		}
		matched = append(matched, f)
	}
	return query.PageOf(q.Collection, matched, q.After, q.Limit), nil
}

func (d *derived) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	if _, err := d.Collection(ctx, collection); err != nil {
		return layers.Feature{}, err
	}
	var filters map[string]string
	if collection != CollAssessments && !transitCollection(d.e, collection) {
		parts := strings.SplitN(id, ":", 3)
		if len(parts) != 3 {
			return layers.Feature{}, fmt.Errorf("analysis: %s feature %q: want category:mode:inspire_id: %w", collection, id, layers.ErrNotFound)
		}
		filters = map[string]string{"category": parts[0], "mode": parts[1]}
		if _, _, err := catModeFilters(filters); err != nil {
			return layers.Feature{}, fmt.Errorf("analysis: %s feature %q: %w", collection, id, layers.ErrNotFound)
		}
	}
	fs, err := d.features(ctx, collection, filters)
	if err != nil {
		return layers.Feature{}, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return layers.Feature{}, fmt.Errorf("analysis: %s feature %q: %w", collection, id, layers.ErrNotFound)
}

func travelTimeFeature(cat layers.Category, mode layers.Mode, t analysis.TravelTime) layers.Feature {
	var secs, dist, fac any
	if t.Reached {
		secs, dist, fac = t.Seconds, t.DistanceM, t.FacilityID
	}
	return layers.Feature{ID: string(cat) + ":" + string(mode) + ":" + t.CellID, Geometry: analysis.CellPolygon(t.CellID), Properties: []layers.Property{
		{Name: "inspire_id", Value: t.CellID}, {Name: "category", Value: string(cat)}, {Name: "mode", Value: string(mode)},
		{Name: "ags", Value: t.AGS}, {Name: "population", Value: t.Population}, {Name: "reached", Value: t.Reached},
		{Name: "seconds", Value: secs}, {Name: "facility_id", Value: fac}, {Name: "distance_m", Value: dist}, {Name: "method", Value: t.Method},
	}}
}

func gapFeature(cat layers.Category, mode layers.Mode, rep gaps.Report, g gaps.Cell) layers.Feature {
	var secs, fac any
	method := g.Method
	if method == "" {
		method = rep.Method
	}
	if g.Seconds != nil {
		secs = *g.Seconds
	}
	if g.FacilityID != "" {
		fac = g.FacilityID
	}
	return layers.Feature{ID: string(cat) + ":" + string(mode) + ":" + g.CellID, Geometry: analysis.CellPolygon(g.CellID), Properties: []layers.Property{
		{Name: "inspire_id", Value: g.CellID}, {Name: "category", Value: string(cat)}, {Name: "mode", Value: string(mode)},
		{Name: "ags", Value: g.AGS}, {Name: "population", Value: g.Population}, {Name: "reached", Value: g.Reached},
		{Name: "seconds", Value: secs}, {Name: "standard_minutes", Value: rep.StandardMinutes}, {Name: "facility_id", Value: fac},
		{Name: "thinly_populated", Value: g.ThinlyPopulated}, {Name: "structurally_weak", Value: g.StructurallyWeak},
		{Name: "method", Value: method},
	}}
}

// WithClassification wraps base (the store's feature source) so that the
// "municipalities" collection gains the engine's classification as
// properties: degurba_computed (1 cities, 2 towns and suburbs, 3 rural
// areas, as Eurostat numbers them; null when not computed),
// thinly_populated and structurally_weak (filterable). Every other
// collection and feature passes through unchanged. The HTTP layer serves
// this in place of the base store; use Combined to add the derived
// collections as well. Safe for concurrent use when base is.
func WithClassification(e *analysis.Engine, base layers.FeatureSource) layers.FeatureSource {
	return &classified{e: e, base: base}
}

type classified struct {
	e    *analysis.Engine
	base layers.FeatureSource
}

var (
	_ layers.FeatureSource = (*classified)(nil)
	_ layers.TileSource    = (*classified)(nil)
)

var classProps = []layers.PropertyInfo{
	{Name: "degurba_computed", Type: "integer", Description: "degree of urbanisation computed from the 1 km grid: 1 cities, 2 towns and suburbs, 3 rural areas", Filterable: true},
	{Name: "thinly_populated", Type: "boolean", Filterable: true},
	{Name: "structurally_weak", Type: "boolean", Filterable: true},
}

func (c *classified) Collections(ctx context.Context) ([]layers.Collection, error) {
	cs, err := c.base.Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]layers.Collection, len(cs))
	for i, col := range cs {
		out[i] = c.widen(col)
	}
	return out, nil
}

func (c *classified) widen(col layers.Collection) layers.Collection {
	if col.ID == layers.CollMunicipalities {
		col.Properties = append(append([]layers.PropertyInfo(nil), col.Properties...), classProps...)
		col.Version = classVersion(col.Version)
	}
	return col
}

// classVersion names the widened municipalities apart from the store's, so
// that pages cached before the classification was there are not served
// after it.
func classVersion(v string) string {
	if v == "" {
		return ""
	}
	return v + "+classified"
}

func (c *classified) Collection(ctx context.Context, id string) (layers.Collection, error) {
	col, err := c.base.Collection(ctx, id)
	if err != nil {
		return col, err
	}
	return c.widen(col), nil
}

func (c *classified) addClass(f layers.Feature) layers.Feature {
	mc, ok := c.e.Classification().ByAGS[f.ID]
	var deg, thin, weak any
	if ok {
		if mc.DEGURBAComputed > 0 {
			deg = int64(mc.DEGURBAComputed)
		}
		thin, weak = mc.ThinlyPopulated, mc.StructurallyWeak
	}
	props := append(append([]layers.Property(nil), f.Properties...),
		layers.Property{Name: "degurba_computed", Value: deg},
		layers.Property{Name: "thinly_populated", Value: thin},
		layers.Property{Name: "structurally_weak", Value: weak})
	f.Properties = props
	return f
}

func (c *classified) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	if q.Collection != layers.CollMunicipalities {
		return c.base.Items(ctx, q)
	}
	// Split the filters: the base store knows its own, the class filters
	// are applied here over the whole (small) layer so that paging stays
	// exact.
	baseF, classF := map[string]string{}, map[string]string{}
	for k, v := range q.Filters {
		if k == "degurba_computed" || k == "thinly_populated" || k == "structurally_weak" {
			classF[k] = v
		} else {
			baseF[k] = v
		}
	}
	classExpr := false
	for _, p := range query.Properties(q.Filter) {
		if p == "degurba_computed" || p == "thinly_populated" || p == "structurally_weak" {
			classExpr = true
		}
	}
	if len(classF) == 0 && !classExpr {
		p, err := c.base.Items(ctx, q)
		if err != nil {
			return p, err
		}
		for i := range p.Features {
			p.Features[i] = c.addClass(p.Features[i])
		}
		p.Version = classVersion(p.Version)
		return p, nil
	}
	all := layers.ItemsQuery{Collection: q.Collection, BBox: q.BBox, BBoxCRS: q.BBoxCRS, Limit: 10000, After: q.After, Filters: baseF}
	var kept []layers.Feature
	version, first := "", true
	for {
		p, err := c.base.Items(ctx, all)
		if err != nil {
			return p, err
		}
		if first {
			version, first = p.Version, false
		} else if p.Version != version {
			version = "" // the layer changed between the pages
		}
		for _, f := range p.Features {
			f = c.addClass(f)
			if query.MatchParams(f, classF) && query.Match(q.Filter, f) {
				kept = append(kept, f)
			}
		}
		if p.Next == "" {
			break
		}
		all.After = p.Next
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	page := layers.Page{NumberMatched: -1, Version: classVersion(version)}
	if q.After == "" {
		page.NumberMatched = len(kept)
	}
	if len(kept) > limit {
		page.Next = kept[limit-1].ID
		kept = kept[:limit]
	}
	page.Features = kept
	return page, nil
}

// Tile hands tiles to the base store where it encodes them itself
// (layers.TileSource): municipality tiles only when they carry and filter
// by none of the classification's properties, under the widened version.
func (c *classified) Tile(ctx context.Context, q layers.TileQuery) (layers.Tile, error) {
	ts, ok := c.base.(layers.TileSource)
	if !ok {
		return layers.Tile{}, fmt.Errorf("analysis: tiles of %q: %w", q.Collection, layers.ErrTileUnsupported)
	}
	if q.Collection != layers.CollMunicipalities {
		return ts.Tile(ctx, q)
	}
	for _, p := range classProps {
		_, filtered := q.Filters[p.Name]
		if filtered || slices.Contains(q.Properties, p.Name) {
			return layers.Tile{}, fmt.Errorf("analysis: tiles of %q with %s: %w", q.Collection, p.Name, layers.ErrTileUnsupported)
		}
	}
	t, err := ts.Tile(ctx, q)
	t.Version = classVersion(t.Version)
	return t, err
}

func (c *classified) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	f, err := c.base.Item(ctx, collection, id)
	if err != nil || collection != layers.CollMunicipalities {
		return f, err
	}
	return c.addClass(f), nil
}

// Combined returns one feature source with the base collections (the
// municipalities widened as by WithClassification) followed by the derived
// collections of Source (with assessments).
func Combined(e *analysis.Engine, base layers.FeatureSource, projects ProjectReader, assessments ProjectFeatures) layers.FeatureSource {
	return &combined{base: WithClassification(e, base), derived: Source(e, projects, assessments), e: e}
}

type combined struct {
	base, derived layers.FeatureSource
	e             *analysis.Engine
}

func (c *combined) pick(id string) layers.FeatureSource {
	switch id {
	case CollTravelTimes, CollGaps, CollAssessments:
		return c.derived
	}
	if transitCollection(c.e, id) {
		return c.derived
	}
	return c.base
}

func (c *combined) Collections(ctx context.Context) ([]layers.Collection, error) {
	a, err := c.base.Collections(ctx)
	if err != nil {
		return nil, err
	}
	b, err := c.derived.Collections(ctx)
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}

func (c *combined) Collection(ctx context.Context, id string) (layers.Collection, error) {
	return c.pick(id).Collection(ctx, id)
}

func (c *combined) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	return c.pick(q.Collection).Items(ctx, q)
}

func (c *combined) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	return c.pick(collection).Item(ctx, collection, id)
}

// extent returns the CRS84 bound of the populated cells of e (empty
// without cells).
func extent(e *analysis.Engine) orb.Bound {
	cells := e.PopulatedCells()
	if len(cells) == 0 {
		return orb.Bound{}
	}
	b := orb.Bound{Min: cells[0].LonLat, Max: cells[0].LonLat}
	for _, c := range cells[1:] {
		b = b.Extend(c.LonLat)
	}
	return b
}

// transitCollection reports whether id is a collection of e's timetable
// (served by its TransitPlanner).
func transitCollection(e *analysis.Engine, id string) bool {
	tp := e.TransitPlanner()
	if tp == nil {
		return false
	}
	for _, c := range tp.Collections() {
		if c.ID == id {
			return true
		}
	}
	return false
}
