package postgis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/spatial"
	"reach/layers"
	"reach/layers/query"
)

// The municipalities are served from a read model too: the features of one
// layer version (indicators included: their changes bump the version), as
// the SQL path builds them, with the bound of each stored geometry. Pages
// are the SQL path's: same features and order, same cursors and
// numberMatched rules, the bbox exact per ST_Intersects in the box's CRS; a
// feature within gridEps of a box edge, a filter or a cursor that is no id
// of the version goes to PostgreSQL.

// muniModel is one version of the municipalities in memory, in the order
// of ORDER BY ags (checked to be the byte order).
type muniModel struct {
	version string
	feats   []layers.Feature
	bounds  []orb.Bound // of the stored geometry (EPSG:25833); empty without one
	hasGeom []bool
	bytes   int64
}

// muniModelFor returns the model of version, starting its load when it is
// not there yet (nil until then).
func (s *Store) muniModelFor(version string) *muniModel {
	if s.modelBytes <= 0 || version == "" {
		return nil
	}
	m := &s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.muni; g != nil && g.version == version {
		return g
	}
	if m.muniLoading || m.muniFailed == version {
		return nil
	}
	m.muniLoading = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		g, err := s.loadMuniModel(ctx)
		m.mu.Lock()
		defer m.mu.Unlock()
		m.muniLoading = false
		if err == nil && g.bytes > s.modelBytes-m.gridBytes() {
			err = fmt.Errorf("%w: municipalities need %d KiB, more than is left of %d MiB", errNoModel, g.bytes>>10, s.modelBytes>>20)
		}
		if err != nil {
			m.muniFailed = version
			slog.Default().Warn("postgis: the municipalities are served from the database", "reason", err)
			return
		}
		m.muni = g
		slog.Default().Info("postgis: municipalities held in memory", "version", g.version, "features", len(g.feats), "KiB", g.bytes>>10)
	}()
	return nil
}

// gridBytes is the memory of the grid model held (m.mu held).
func (m *modelState) gridBytes() int64 {
	if m.grid == nil {
		return 0
	}
	return int64(len(m.grid.east)) * gridCellBytes
}

func (s *Store) loadMuniModel(ctx context.Context) (*muniModel, error) {
	t, err := lookupTable(layers.CollMunicipalities)
	if err != nil {
		return nil, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var version *string
	if err := tx.QueryRow(ctx, versionSQL, t.table).Scan(&version); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if version == nil {
		return nil, fmt.Errorf("%w: %s has no version", errNoModel, t.table)
	}
	rows, err := tx.Query(ctx, t.selectSQL+" ORDER BY "+pgx.Identifier{t.idColumn}.Sanitize())
	if err != nil {
		return nil, err
	}
	fs, err := t.features(ctx, tx, rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	g := &muniModel{version: *version, feats: fs, bounds: make([]orb.Bound, len(fs)), hasGeom: make([]bool, len(fs))}
	for i, f := range fs {
		if i > 0 && f.ID <= fs[i-1].ID {
			return nil, fmt.Errorf("%w: the database orders %q after %q", errNoModel, f.ID, fs[i-1].ID)
		}
		g.bytes += 1024
		if f.Geometry != nil && f.Stored != nil && f.StoredCRS == crs.UTM33N {
			g.bounds[i], g.hasGeom[i] = f.Stored.Bound(), true
			if mp, ok := f.Stored.(orb.MultiPolygon); ok {
				for _, p := range mp {
					for _, r := range p {
						g.bytes += int64(len(r)) * 32 // stored and served
					}
				}
			}
		} else if f.Geometry != nil {
			return nil, fmt.Errorf("%w: municipality %q without its stored geometry", errNoModel, f.ID)
		}
	}
	return g, nil
}

// matches returns the indexes of the features meeting q's box; ok is false
// when one lies within gridEps of the box's edge.
func (g *muniModel) matches(q layers.ItemsQuery) (out []int, ok bool) {
	all := func(withGeom bool) []int {
		for i := range g.feats {
			if !withGeom || g.hasGeom[i] {
				out = append(out, i)
			}
		}
		return out
	}
	if q.BBox == nil {
		return all(false), true
	}
	p, err := query.PlanBox(*q.BBox, q.BBoxCRS, crs.UTM33N, crs.UTM33N)
	if err != nil {
		return nil, false
	}
	switch {
	case p.All:
		return all(true), true
	case p.None:
		return nil, true
	}
	eps := gridEps(p.CRS)
	lo := orb.Bound{Min: orb.Point{p.Box.Min[0] + eps, p.Box.Min[1] + eps}, Max: orb.Point{p.Box.Max[0] - eps, p.Box.Max[1] - eps}}
	hi := orb.Bound{Min: orb.Point{p.Box.Min[0] - eps, p.Box.Min[1] - eps}, Max: orb.Point{p.Box.Max[0] + eps, p.Box.Max[1] + eps}}
	loValid := lo.Min[0] <= lo.Max[0] && lo.Min[1] <= lo.Max[1]
	for i, f := range g.feats {
		if !g.hasGeom[i] || !g.bounds[i].Intersects(p.Outer) {
			continue
		}
		if !p.Same && p.HasInner && within(g.bounds[i], p.Inner) {
			out = append(out, i)
			continue
		}
		// The geometry in the box's CRS, vertex by vertex.
		var geom orb.Geometry
		switch p.CRS {
		case crs.UTM33N:
			geom = f.Stored
		case crs.CRS84:
			geom = f.Geometry
		default:
			geom, err = crs.Project(f.Stored, crs.UTM33N, p.CRS)
			if err != nil {
				return nil, false
			}
		}
		if loValid && spatial.Intersects(geom, lo) {
			out = append(out, i)
			continue
		}
		if spatial.Intersects(geom, hi) {
			return nil, false
		}
	}
	return out, true
}

// items answers q from the model; ok is false when PostgreSQL must answer.
func (g *muniModel) items(q layers.ItemsQuery) (layers.Page, bool) {
	sel, ok := g.matches(q)
	if !ok {
		return layers.Page{}, false
	}
	start := 0
	if q.After != "" {
		k := -1
		for i, f := range g.feats {
			if f.ID == q.After {
				k = i
				break
			}
		}
		if k < 0 {
			return layers.Page{}, false
		}
		for start < len(sel) && sel[start] <= k {
			start++
		}
	}
	end := min(start+q.Limit, len(sel))
	// Never nil, as the SQL path's municipalities.
	p := layers.Page{Version: g.version, NumberMatched: -1, Features: make([]layers.Feature, 0, max(end-start, 0))}
	for _, i := range sel[start:end] {
		f := g.feats[i]
		// The page's own properties and geometries: callers may change
		// them (tiles are projected in place).
		f.Properties = append([]layers.Property(nil), f.Properties...)
		if f.Geometry != nil {
			f.Geometry = orb.Clone(f.Geometry)
		}
		if f.Stored != nil {
			f.Stored = orb.Clone(f.Stored)
		}
		p.Features = append(p.Features, f)
	}
	if end < len(sel) && end > start {
		p.Next = p.Features[len(p.Features)-1].ID
	}
	switch {
	case q.After == "" && p.Next == "":
		p.NumberMatched = len(p.Features)
	case q.BBox == nil:
		p.NumberMatched = len(g.feats)
	}
	return p, true
}

// LoadReadModels starts loading the read models of the grid and the
// municipalities for their current versions (see WithReadModel), in the
// background, so that the first requests find them; without WithReadModel
// it does nothing. Otherwise each loads at the first items request of its
// version.
func (s *Store) LoadReadModels(ctx context.Context) {
	if s.modelBytes <= 0 {
		return
	}
	for _, tbl := range []string{"population_grid", "municipalities"} {
		var v *string
		if err := s.pool.QueryRow(ctx, versionSQL, tbl).Scan(&v); err != nil || v == nil {
			continue
		}
		if tbl == "population_grid" {
			s.gridModelFor(*v)
		} else {
			s.muniModelFor(*v)
		}
	}
}
