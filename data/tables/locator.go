package tables

import (
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/spatial"
	"reach/layers"
)

// NamedPoint is a named settlement point, such as an OSM place node
// (EPSG:25833). Kind is the OSM place value (city, town, village).
type NamedPoint struct {
	Name     string
	Kind     string
	Location orb.Point
}

// TownLocator finds the town of a municipality, for central places given
// by AGS only: the municipality's coordinate in the Destatis
// Gemeindeverzeichnis where present (Seats), else the settlement point of
// that name inside the municipality (Places, e.g. OSM place nodes; a city
// before a town before a village), else an interior point of the
// municipal polygon. Locate says which (layers.Loc…). The zero value
// locates nothing. Safe for concurrent use once built.
type TownLocator struct {
	seats  map[string]orb.Point
	places []NamedPoint
	munis  map[string]orb.MultiPolygon
}

// NewTownLocator builds a locator from Destatis seats by AGS (may be nil),
// settlement points (may be nil) and the municipalities with their
// polygons (EPSG:25833; may be nil).
func NewTownLocator(seats map[string]orb.Point, places []NamedPoint, munis []layers.Municipality) *TownLocator {
	l := &TownLocator{seats: seats, places: places, munis: map[string]orb.MultiPolygon{}}
	for _, m := range munis {
		if len(m.Geometry) > 0 {
			l.munis[m.AGS] = m.Geometry
		}
	}
	return l
}

// Locate returns the town of the municipality ags named name (the central
// place's name; "" skips the match by name), where it comes from, and
// false when nothing locates it.
func (l *TownLocator) Locate(ags, name string) (orb.Point, string, bool) {
	if l == nil {
		return orb.Point{}, "", false
	}
	if p, ok := l.seats[ags]; ok {
		return p, layers.LocDestatisSeat, true
	}
	mp, hasPoly := l.munis[ags]
	if hasPoly && name != "" {
		want := townName(name)
		best, rank := -1, 99
		for i, p := range l.places {
			r, ok := kindRank[p.Kind]
			if !ok || r >= rank || !nameMatches(p.Name, want) {
				continue
			}
			if planar.MultiPolygonContains(mp, p.Location) {
				best, rank = i, r
			}
		}
		if best >= 0 {
			return l.places[best].Location, layers.LocOSMPlace, true
		}
	}
	if hasPoly {
		if p, ok := spatial.InteriorPoint(mp); ok {
			return p, layers.LocInteriorPoint, true
		}
	}
	return orb.Point{}, "", false
}

var kindRank = map[string]int{"city": 0, "town": 1, "village": 2}

// townName reduces an official municipality name to its town: lower case,
// without the ", Stadt" of the Gemeindeverzeichnis.
func townName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, suf := range []string{", stadt", ", st.", ", gemeinde"} {
		s = strings.TrimSuffix(s, suf)
	}
	return strings.TrimSpace(s)
}

// nameMatches reports whether an OSM name equals the town name, also where
// OSM gives a bilingual name ("Hoyerswerda - Wojerecy", "Bautzen/Budyšin").
func nameMatches(osmName, want string) bool {
	n := townName(osmName)
	if n == want {
		return true
	}
	for _, sep := range []string{" - ", "/", " – "} {
		if first, _, ok := strings.Cut(n, sep); ok && strings.TrimSpace(first) == want {
			return true
		}
	}
	return false
}
