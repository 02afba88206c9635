package analysis

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"reach/geo/route"
	"reach/layers"
)

// PointsField returns the travel-time field by mode from every populated
// cell to the nearest of pts (EPSG:25833): on the network where one is
// loaded, completed by the straight-line estimate; Facility gives the
// index into pts. By public transport (Transit) it is the median over the
// engine's default departure window, labelled per cell as TransitField's,
// and Facility is -1.
func (e *Engine) PointsField(ctx context.Context, mode layers.Mode, pts []orb.Point) (Field, error) {
	f, err := e.pointsField(ctx, mode, pts)
	if err != nil {
		return Field{}, err
	}
	return Field{f: f, mode: mode}, nil
}

// pointsField is the travel-time field by mode from every cell to the
// nearest of pts (EPSG:25833): on the network where one is loaded,
// completed by the straight-line estimate; fac holds the index into pts.
func (e *Engine) pointsField(ctx context.Context, mode layers.Mode, pts []orb.Point) (*field, error) {
	if mode == Transit {
		if e.transit == nil {
			return nil, errNoTransit("central places")
		}
		q, err := e.DefaultTransitQuery()
		if err != nil {
			return nil, err
		}
		tc, err := e.transit.PointSeconds(ctx, pts, q)
		if err != nil {
			return nil, fmt.Errorf("analysis: central places transit: %w", err)
		}
		return e.transitCellsField(tc)
	}
	ids := make([]int32, len(pts))
	for i := range ids {
		ids[i] = int32(i)
	}
	mn := e.nets[mode]
	if mn == nil {
		return e.straightTo(pts, ids).withStraightSeconds(e, mode), nil
	}
	tg := targets{id: ids, arrivals: make([][]route.Source, len(pts)), pts: pts}
	for i, p := range pts {
		if s := mn.n.Snap(p); s.Snapped {
			tg.arrivals[i] = append([]route.Source(nil), s.Arrivals()...)
		}
	}
	f, err := e.targetField(ctx, mn, tg)
	if err != nil {
		return nil, fmt.Errorf("analysis: central places %s: %w", mode, err)
	}
	return f, nil
}
