package osm

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"

	"reach/geo/crs"
)

// Place is a named settlement node of OSM (place=city, town or village).
type Place struct {
	NodeID   int64
	Name     string
	Kind     string    // city, town or village
	Location orb.Point // EPSG:25833
}

// placeKinds are the place values read by Places.
var placeKinds = map[string]bool{"city": true, "town": true, "village": true}

// Places reads the named place=city|town|village nodes of an OSM file (PBF
// or XML) in file order.
func Places(ctx context.Context, path string) ([]Place, error) {
	var out []Place
	err := eachObject(ctx, path, scanKinds{nodes: true}, func(o osm.Object) error {
		n, ok := o.(*osm.Node)
		if !ok || len(n.Tags) == 0 {
			return nil
		}
		kind, name := n.Tags.Find("place"), n.Tags.Find("name")
		if !placeKinds[kind] || name == "" {
			return nil
		}
		p, err := crs.FromLonLat(crs.UTM33N, orb.Point{n.Lon, n.Lat})
		if err != nil {
			return fmt.Errorf("osm: %s: node %d: %w", path, n.ID, err)
		}
		out = append(out, Place{NodeID: int64(n.ID), Name: name, Kind: kind, Location: p})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
