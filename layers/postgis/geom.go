package postgis

import (
	"fmt"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
)

// SRIDs of the stored geometries.
const (
	sridUTM33N = 25833 // ETRS89 / UTM zone 33N, metres
	sridLAEA   = 3035  // ETRS89-LAEA Europe, metres
)

// encodeGeom returns the EWKB of g with srid, or nil (SQL NULL) when g is
// nil. PostGIS reads EWKB both as a COPY binary value and through
// ST_GeomFromEWKB.
func encodeGeom(g orb.Geometry, srid int) (any, error) {
	if g == nil {
		return nil, nil
	}
	b, err := ewkb.Marshal(g, srid)
	if err != nil {
		return nil, fmt.Errorf("encode %s as EWKB: %w", g.GeoJSONType(), err)
	}
	return b, nil
}

// decodeGeom reads the WKB that ST_AsBinary returns; nil bytes (SQL NULL)
// give a nil geometry.
func decodeGeom(b []byte) (orb.Geometry, error) {
	if b == nil {
		return nil, nil
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("postgis: decode WKB: %w", err)
	}
	return g, nil
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
