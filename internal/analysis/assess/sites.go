package assess

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/analysis"
)

// sitesEffect is what new sites of a category change: the cells whose
// time drops, where each site snapped, and the catchment bands.
type sitesEffect struct {
	Changes   []analysis.CellChange // ascending by cell
	Sites     []analysis.SnapInfo
	Catchment []analysis.Band
}

// addSites computes the effect of new facilities at sites (EPSG:25833) on
// f, a network field: the "only improving" reverse search from the sites'
// arrivals on f's baseline, and the catchment isochrones (reverse search)
// at minutes.
func addSites(ctx context.Context, e *analysis.Engine, f analysis.Field, sites []orb.Point, minutes []float64) (sitesEffect, error) {
	var out sitesEffect
	net, ok := e.Net(f.Mode())
	if !ok || f.NodeCosts() == nil {
		return out, fmt.Errorf("analysis: add sites: no %s network", f.Mode())
	}
	var arrivals [][]route.Source
	var extra []isochrone.Reached
	for _, s := range sites {
		ll, _ := analysis.FromUTM(s)
		sn, info, err := e.SnapPoint(f.Mode(), ll)
		if err != nil {
			return out, err
		}
		out.Sites = append(out.Sites, info)
		arrivals = append(arrivals, sn.Arrivals())
		if sn.Snapped {
			extra = append(extra, isochrone.Reached{P: sn.Point, Seconds: float64(sn.Access.Seconds())})
		}
	}
	out.Changes = e.Improve(f, arrivals)
	var sources []route.Source
	for _, a := range arrivals {
		sources = append(sources, a...)
	}
	limit, _ := graph.CostOf(graph.Seconds(minutes[len(minutes)-1] * 60))
	q := net.Network.ReverseQueries().Get()
	defer net.Network.ReverseQueries().Put(q)
	q.Run(sources, limit)
	bands, _, err := e.Raster().Network(ctx, net.Network, net.Network.ReverseGraph(), q, minutes, e.BandCells(), net.Cells.AllDepartures(), extra)
	if err != nil {
		return out, err
	}
	out.Catchment = bands
	return out, nil
}
