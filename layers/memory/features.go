package memory

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/geo/spatial"
	"reach/layers"
	"reach/layers/query"
)

// collIndex is the served view of one collection in a snapshot: feature
// ids in keyset order, the CRS84 bound of each served geometry, an R-tree
// over those bounds, and builders for the features.
type collIndex struct {
	id      string
	ids     []string    // feature ids in layers.CompareIDs order; rank = index
	bounds  []orb.Bound // CRS84 bound of the served geometry; meaningful where hasGeom
	hasGeom []bool
	tree    *spatial.RTree
	extent  orb.Bound // CRS84 extent; zero when no feature has a geometry
	// version names this index's content; set once when the store installs
	// it (Store.swap), before any reader sees it.
	version string
	// feature builds the full served feature of rank i.
	feature func(i int) layers.Feature
	// props builds the feature of rank i for property filtering; its
	// geometry may be missing (cheaper than feature).
	props func(i int) layers.Feature
}

// buildIndex builds the served view of a collection of n records already
// sorted by feature id. key, bound, feature and props may be nil when n is 0.
func buildIndex(id string, n int, key func(int) string, bound func(int) (orb.Bound, bool),
	feature, props func(int) layers.Feature) *collIndex {
	ci := &collIndex{id: id, ids: make([]string, n), bounds: make([]orb.Bound, n), hasGeom: make([]bool, n),
		feature: feature, props: props}
	var entries []int32
	first := true
	for i := 0; i < n; i++ {
		ci.ids[i] = key(i)
		b, ok := bound(i)
		if !ok {
			continue
		}
		ci.bounds[i], ci.hasGeom[i] = b, true
		entries = append(entries, int32(i))
		if first {
			ci.extent, first = b, false
		} else {
			ci.extent = ci.extent.Union(b)
		}
	}
	ci.tree = spatial.NewRTree(ci.bounds, entries)
	if ci.props == nil {
		ci.props = ci.feature
	}
	return ci
}

// rank returns the index of id, or -1 when the collection does not hold it.
func (ci *collIndex) rank(id string) int {
	i := sort.Search(len(ci.ids), func(i int) bool { return layers.CompareIDs(ci.id, ci.ids[i], id) >= 0 })
	if i < len(ci.ids) && ci.ids[i] == id {
		return i
	}
	return -1
}

// after returns the rank of the first feature whose id sorts after cursor.
func (ci *collIndex) after(cursor string) int {
	if cursor == "" {
		return 0
	}
	return sort.Search(len(ci.ids), func(i int) bool { return layers.CompareIDs(ci.id, ci.ids[i], cursor) > 0 })
}

// lonLatBound returns the bound of g's vertices transformed from CRS from
// to CRS84, which is exactly the bound of the served geometry. ok is false
// for a nil or empty geometry.
func lonLatBound(g orb.Geometry, from crs.Code) (b orb.Bound, ok bool) {
	spatial.EachVertex(g, func(p orb.Point) {
		q, err := crs.ToLonLat(from, p)
		if err != nil {
			return
		}
		if !ok {
			b, ok = orb.Bound{Min: q, Max: q}, true
			return
		}
		b = b.Extend(q)
	})
	return b, ok
}

func pointBound(p orb.Point) (orb.Bound, bool) {
	if p == (orb.Point{}) {
		return orb.Bound{}, false
	}
	return lonLatBound(p, crs.UTM33N)
}

func municipalityIndex(ms []layers.Municipality) *collIndex {
	return buildIndex(layers.CollMunicipalities, len(ms),
		func(i int) string { return ms[i].AGS },
		func(i int) (orb.Bound, bool) {
			if len(ms[i].Geometry) == 0 {
				return orb.Bound{}, false
			}
			return lonLatBound(ms[i].Geometry, crs.UTM33N)
		},
		func(i int) layers.Feature { return layers.MunicipalityFeature(cloneMunicipality(ms[i])) },
		func(i int) layers.Feature {
			m := ms[i]
			m.Geometry = nil
			return layers.MunicipalityFeature(m)
		})
}

func cellIndex(cs []layers.Cell) *collIndex {
	return buildIndex(layers.CollPopulationGrid, len(cs),
		func(i int) string { return cs[i].ID },
		func(i int) (orb.Bound, bool) {
			id, err := grid.ParseID(cs[i].ID)
			if err != nil {
				return orb.Bound{}, false
			}
			return lonLatBound(id.Polygon(), crs.LAEA)
		},
		func(i int) layers.Feature { return layers.CellFeature(cloneCell(cs[i])) }, nil)
}

func placeIndex(ps []layers.CentralPlace) *collIndex {
	return buildIndex(layers.CollCentralPlaces, len(ps),
		func(i int) string { return ps[i].ID },
		func(i int) (orb.Bound, bool) { return pointBound(ps[i].Location) },
		func(i int) layers.Feature { return layers.CentralPlaceFeature(clonePlace(ps[i])) }, nil)
}

func facilityIndex(fs []layers.Facility) *collIndex {
	return buildIndex(layers.CollFacilities, len(fs),
		func(i int) string { return fs[i].ID },
		func(i int) (orb.Bound, bool) { return pointBound(fs[i].Location) },
		func(i int) layers.Feature { return layers.FacilityFeature(cloneFacility(fs[i])) }, nil)
}

func roadIndex(rs []layers.RoadSegment) *collIndex {
	return buildIndex(layers.CollRoads, len(rs),
		func(i int) string { return strconv.FormatInt(rs[i].ID, 10) },
		func(i int) (orb.Bound, bool) { return lonLatBound(rs[i].Geometry, crs.UTM33N) },
		func(i int) layers.Feature { return layers.RoadFeature(cloneRoad(rs[i])) },
		func(i int) layers.Feature {
			r := rs[i]
			r.Geometry = nil
			return layers.RoadFeature(r)
		})
}

func projectIndex(ps []layers.Project) *collIndex {
	return buildIndex(layers.CollProjects, len(ps),
		func(i int) string { return ps[i].ID },
		func(i int) (orb.Bound, bool) { return lonLatBound(ps[i].Geometry, crs.UTM33N) },
		func(i int) layers.Feature { return layers.ProjectFeature(cloneProject(ps[i])) },
		func(i int) layers.Feature {
			p := ps[i]
			p.Geometry = nil
			return layers.ProjectFeature(cloneProject(p))
		})
}

// Collections lists the served collections in the stable order of
// layers.CollectionIDs, each with its CRS84 extent (zero when empty).
func (s *Store) Collections(ctx context.Context) ([]layers.Collection, error) {
	if err := checkCtx(ctx, "collections"); err != nil {
		return nil, err
	}
	sn := s.snap()
	ids := layers.CollectionIDs()
	out := make([]layers.Collection, 0, len(ids))
	for _, id := range ids {
		c, err := sn.collection(id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Collection describes one collection or returns an error wrapping
// layers.ErrNotFound.
func (s *Store) Collection(ctx context.Context, id string) (layers.Collection, error) {
	if err := checkCtx(ctx, "collection"); err != nil {
		return layers.Collection{}, err
	}
	return s.snap().collection(id)
}

func (sn *snapshot) collection(id string) (layers.Collection, error) {
	c, ok := layers.CollectionInfo(id)
	ci, held := sn.colls[id]
	if !ok || !held {
		return layers.Collection{}, fmt.Errorf("memory: collection %q: %w", id, layers.ErrNotFound)
	}
	c.Extent = ci.extent
	c.Version = ci.version
	c.Synthetic = sn.synthetic
	c.Attribution = sn.attribution
	return c, nil
}

// Items returns one page of features of q.Collection in keyset order.
// q.BBox (in q.BBoxCRS) selects features whose served geometry intersects
// it exactly (query.BoxPlan), q.Filters selects by exact property value (query.MatchParams), q.After
// starts after that id. NumberMatched counts every feature matching BBox
// and Filters, irrespective of paging. An unknown collection wraps
// layers.ErrNotFound; a bad limit, bbox, cursor or filter wraps
// layers.ErrInvalid.
func (s *Store) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	if err := checkCtx(ctx, "items"); err != nil {
		return layers.Page{}, err
	}
	sn := s.snap()
	c, err := sn.collection(q.Collection)
	if err != nil {
		return layers.Page{}, err
	}
	if q.Limit < 1 {
		return layers.Page{}, fmt.Errorf("memory: items of %q: field limit: value %d: must be at least 1: %w", q.Collection, q.Limit, layers.ErrInvalid)
	}
	if err := query.CheckParams(c, q.Filters); err != nil {
		return layers.Page{}, fmt.Errorf("memory: items of %q: %w", q.Collection, err)
	}
	if err := query.Check(c, q.Filter); err != nil {
		return layers.Page{}, fmt.Errorf("memory: items of %q: %w", q.Collection, err)
	}
	plan, hasBox, err := query.PlanLonLat(q, crs.Code(c.StorageCRS))
	if err != nil {
		return layers.Page{}, fmt.Errorf("memory: items of %q: %w", q.Collection, err)
	}
	// A box covering the whole domain matches every feature with a
	// geometry, without an index search.
	allBox := hasBox && plan.All
	hasBox = hasBox && !plan.All
	ci := sn.colls[q.Collection]
	if q.After != "" && q.Collection == layers.CollRoads {
		if _, err := strconv.ParseInt(q.After, 10, 64); err != nil {
			return layers.Page{}, fmt.Errorf("memory: items of %q: field cursor: value %q: not a road id: %w", q.Collection, q.After, layers.ErrInvalid)
		}
	}
	start := ci.after(q.After)
	page := layers.Page{Features: []layers.Feature{}, Version: ci.version}
	n := len(ci.ids)

	// Fast path: no selection, so every feature matches.
	if !hasBox && !allBox && len(q.Filters) == 0 && q.Filter == nil {
		end := min(start+q.Limit, n)
		for i := start; i < end; i++ {
			if i%256 == 0 {
				if err := checkCtx(ctx, "items"); err != nil {
					return layers.Page{}, err
				}
			}
			page.Features = append(page.Features, ci.feature(i))
		}
		page.NumberMatched = n
		if end < n {
			page.Next = ci.ids[end-1]
		}
		return page, nil
	}

	// The spatial index narrows the candidates to the bbox, and to the
	// envelope of an S_INTERSECTS the filter requires.
	search, useIndex := orb.Bound{}, false
	if hasBox {
		if plan.None {
			return page, nil
		}
		search, useIndex = plan.Outer, true
	}
	if env, ok := query.Envelope(q.Filter); ok {
		if useIndex && !search.Intersects(env) {
			page.Features = []layers.Feature{}
			return page, nil
		}
		if useIndex {
			search = orb.Bound{Min: orb.Point{math.Max(search.Min[0], env.Min[0]), math.Max(search.Min[1], env.Min[1])},
				Max: orb.Point{math.Min(search.Max[0], env.Max[0]), math.Min(search.Max[1], env.Max[1])}}
		} else {
			search, useIndex = env, true
		}
	}
	var cand []int32
	if useIndex {
		cand = ci.tree.Search(search, nil)
		sort.Slice(cand, func(a, b int) bool { return cand[a] < cand[b] })
	}
	count := n
	if useIndex {
		count = len(cand)
	}
	needGeom := q.Filter != nil && hasIntersects(q.Filter)
	more := false
	for k := 0; k < count; k++ {
		if k%256 == 0 {
			if err := checkCtx(ctx, "items"); err != nil {
				return layers.Page{}, err
			}
		}
		i := k
		if useIndex {
			i = int(cand[k])
		}
		if allBox && !ci.hasGeom[i] {
			continue // a feature without geometry intersects nothing
		}
		var full *layers.Feature
		if hasBox && !(plan.HasInner && ci.hasGeom[i] && within(ci.bounds[i], plan.Inner)) {
			f := ci.feature(i)
			if !plan.Match(f.Geometry, ci.bounds[i]) {
				continue
			}
			full = &f
		}
		if len(q.Filters) > 0 || q.Filter != nil {
			var f layers.Feature
			switch {
			case full != nil:
				f = *full
			case needGeom:
				f = ci.feature(i)
				full = &f
			default:
				f = ci.props(i)
			}
			if !query.MatchParams(f, q.Filters) || !query.Match(q.Filter, f) {
				continue
			}
		}
		page.NumberMatched++
		if i < start {
			continue
		}
		if len(page.Features) == q.Limit {
			more = true
			continue
		}
		if full == nil {
			f := ci.feature(i)
			full = &f
		}
		page.Features = append(page.Features, *full)
	}
	if more {
		page.Next = page.Features[len(page.Features)-1].ID
	}
	return page, nil
}

// within reports whether a lies inside b (boundaries included).
func within(a, b orb.Bound) bool {
	return a.Min[0] >= b.Min[0] && a.Min[1] >= b.Min[1] && a.Max[0] <= b.Max[0] && a.Max[1] <= b.Max[1]
}

// Item returns one feature or an error wrapping layers.ErrNotFound when the
// collection or the feature does not exist.
func (s *Store) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	if err := checkCtx(ctx, "item"); err != nil {
		return layers.Feature{}, err
	}
	sn := s.snap()
	ci, ok := sn.colls[collection]
	if !ok {
		return layers.Feature{}, fmt.Errorf("memory: collection %q: %w", collection, layers.ErrNotFound)
	}
	r := ci.rank(id)
	if r < 0 {
		return layers.Feature{}, fmt.Errorf("memory: %s feature %q: %w", collection, id, layers.ErrNotFound)
	}
	return ci.feature(r), nil
}

// hasIntersects reports whether e holds a spatial predicate (which needs
// the feature's geometry).
func hasIntersects(e layers.Expr) bool {
	switch x := e.(type) {
	case *layers.Intersects:
		return true
	case *layers.And:
		for _, a := range x.Args {
			if hasIntersects(a) {
				return true
			}
		}
	case *layers.Or:
		for _, a := range x.Args {
			if hasIntersects(a) {
				return true
			}
		}
	case *layers.Not:
		return hasIntersects(x.Arg)
	}
	return false
}
