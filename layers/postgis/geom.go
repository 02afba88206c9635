package postgis

import (
	"sort"

	"reach/layers/postgis/geometry"
)

// ErrSRID is wrapped by the error of a geometry read whose SRID is not
// the one its layer declares.
var ErrSRID = geometry.ErrSRID

// SRIDs of the stored geometries.
const (
	sridUTM33N = 25833 // ETRS89 / UTM zone 33N, metres
	sridLAEA   = 3035  // ETRS89-LAEA Europe, metres
)

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
