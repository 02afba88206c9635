package layers

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The Validate methods below hold the invariants of every stored record.
// Both stores call them before anything is written, the file readers call
// them on every record they produce (adding file and line), so the same
// record is refused the same way wherever it comes in. Each returns nil or
// FieldErrors naming the record and every invalid field. Rules that need
// more than the record (a duplicate key, the source or kind a load
// replaces, an AGS that must exist in the municipalities layer) stay with
// the caller, reported with Invalid.

// texts checks that each named value can be stored as text.
func (c *checker) texts(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		if why := ValidText(kv[i+1]); why != "" {
			c.add(kv[i], kv[i+1], why)
		}
	}
}

func (c *checker) nonEmpty(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, v, "must not be empty")
	}
}

func (c *checker) ags(field, v string, optional bool) {
	if (v != "" || !optional) && !IsAGS(v) {
		c.add(field, v, "want an AGS of 8 digits")
	}
}

func (c *checker) kreis(field, v string) {
	if v != "" && (len(v) != 5 || !IsAGS(v+"000")) {
		c.add(field, v, "want a Kreis key of 5 digits")
	}
}

func (c *checker) nonNeg(field string, v float64) {
	if !finite(v) || v < 0 {
		c.add(field, v, "want a finite number ≥ 0")
	}
}

// Validate checks a municipality: an AGS of 8 digits, a name, a Kreis key
// of 5 digits or none, population and area ≥ 0, DEGURBA 0–3, indicator
// keys that are not empty with finite values, and a polygon with finite
// coordinates and closed rings (or none).
func (m Municipality) Validate() error {
	c := checker{kind: "municipality", key: m.AGS}
	c.ags("ags", m.AGS, false)
	c.nonEmpty("name", m.Name)
	c.texts("name", m.Name, "kreis_name", m.KreisName, "planning_region", m.PlanningRegion)
	c.kreis("kreis_ags", m.KreisAGS)
	if m.Population < 0 {
		c.add("population", m.Population, "must be ≥ 0")
	}
	c.nonNeg("area_km2", m.AreaKm2)
	if m.DEGURBA < 0 || m.DEGURBA > 3 {
		c.add("degurba", m.DEGURBA, "want 1, 2, 3 or 0 for not given")
	}
	for _, k := range slices.Sorted(maps.Keys(m.Indicators)) {
		if strings.TrimSpace(k) == "" || ValidText(k) != "" {
			c.add("indicators", k, "an indicator key must be non-empty text")
		} else if v := m.Indicators[k]; !finite(v) {
			c.add("indicators."+k, v, "must be finite")
		}
	}
	if len(m.Geometry) > 0 {
		c.addErr(validShape("geometry", m.Geometry))
	}
	return c.err()
}

// Validate checks a membership: an AGS of 8 digits, a known kind and a
// group id.
func (m Membership) Validate() error {
	c := checker{kind: "membership of", key: m.AGS + " in " + strconv.Quote(m.GroupID)}
	c.ags("ags", m.AGS, false)
	switch m.Kind {
	case KindVerbund, KindVerwaltungsgemeinschaft, KindMittelbereich:
	default:
		c.add("kind", string(m.Kind), "want verbund, verwaltungsgemeinschaft or mittelbereich")
	}
	c.nonEmpty("group_id", m.GroupID)
	c.texts("group_id", m.GroupID, "group_name", m.GroupName)
	return c.err()
}

// Validate checks a central place: an id and a name, a level from
// Grundzentrum to Oberzentrum, the AGS of its municipality and of every
// member, a Kreis key of 5 digits or none, and finite coordinates.
func (p CentralPlace) Validate() error {
	c := checker{kind: "central place", key: p.ID, quote: true}
	c.nonEmpty("id", p.ID)
	c.nonEmpty("name", p.Name)
	c.texts("id", p.ID, "name", p.Name, "lep_type", p.LEPType, "verbund", p.Verbund, "planning_region", p.PlanningRegion,
		"source", p.Source, "location_source", p.LocationSource)
	if p.Level < LevelGrundzentrum || p.Level > LevelOberzentrum {
		c.add("level", int(p.Level), "want 1 Grundzentrum, 2 Mittelzentrum or 3 Oberzentrum")
	}
	c.ags("ags", p.AGS, false)
	for i, a := range p.Members {
		c.ags("members["+strconv.Itoa(i)+"]", a, false)
	}
	c.kreis("kreis_ags", p.KreisAGS)
	c.addErr(validShape("location", p.Location))
	return c.err()
}

// Validate checks a facility: an id, a category of the catalogue, a
// capacity ≥ 0 or none, an AGS of 8 digits or none, opening hours that
// ParseOpeningHours reads, and finite coordinates.
func (f Facility) Validate() error {
	c := checker{kind: "facility", key: f.ID, quote: true}
	c.nonEmpty("id", f.ID)
	c.texts("id", f.ID, "name", f.Name, "source", f.Source)
	if !f.Category.Valid() {
		c.add("category", string(f.Category), "not in the catalogue")
	}
	if f.Capacity != nil && (!finite(*f.Capacity) || *f.Capacity < 0) {
		c.add("capacity", f.Capacity, "want a finite number ≥ 0")
	}
	c.ags("ags", f.AGS, true)
	if _, err := ParseOpeningHours(f.OpeningHours); err != nil {
		c.add("opening_hours", f.OpeningHours, err.Error())
	}
	c.addErr(validShape("location", f.Location))
	return c.err()
}

// Validate checks a road segment: a highway class, a line of at least two
// finite positions, length and fixed duration ≥ 0, and per mode a finite
// speed ≥ 0 that is > 0 where a direction is open (unless the segment has a
// fixed duration).
func (r RoadSegment) Validate() error {
	c := checker{kind: "road segment", num: r.ID, isNum: true}
	c.nonEmpty("highway", r.Highway)
	c.texts("highway", r.Highway, "name", r.Name, "ref", r.Ref)
	if r.Geometry == nil {
		c.add("geometry", nil, "a segment needs a line")
	} else {
		c.addErr(validShape("geometry", r.Geometry))
	}
	c.nonNeg("length_m", r.LengthM)
	c.nonNeg("duration_s", r.DurationS)
	fixed := r.DurationS > 0
	for _, m := range Modes() {
		a, field := r.Access(m), string(m)+"_kmh"
		switch {
		case !finite(a.SpeedKmh) || a.SpeedKmh < 0:
			c.add(field, a.SpeedKmh, "want a finite speed ≥ 0")
		case (a.Forward || a.Backward) && a.SpeedKmh == 0 && !fixed:
			c.add(field, a.SpeedKmh, "an open direction needs a speed > 0 or a fixed duration")
		}
	}
	return c.err()
}

// Validate checks an indicator value: an AGS of 8 digits, a key and a
// finite value.
func (v IndicatorValue) Validate() error {
	c := checker{kind: "indicator", key: strconv.Quote(v.Key) + " of " + v.AGS}
	c.ags("ags", v.AGS, false)
	c.nonEmpty("key", v.Key)
	c.texts("key", v.Key)
	if !finite(v.Value) {
		c.add("value", v.Value, "must be finite")
	}
	return c.err()
}

// Validate checks a population record: an AGS of 8 digits, population
// and area ≥ 0.
func (r PopulationRecord) Validate() error {
	c := checker{kind: "population of", key: r.AGS}
	c.ags("ags", r.AGS, false)
	if r.Population < 0 {
		c.add("population", r.Population, "must be ≥ 0")
	}
	c.nonNeg("area_km2", r.AreaKm2)
	return c.err()
}

// Validate checks a graph edge: finite costs (negative for a closed
// direction), a length ≥ 0 and, when given, a line of finite positions.
func (e GraphEdge) Validate() error {
	c := checker{kind: "edge", num: e.ID, isNum: true}
	for _, x := range []struct {
		f string
		v float64
	}{{"cost", e.Cost}, {"reverse_cost", e.ReverseCost}} {
		if !finite(x.v) {
			c.add(x.f, x.v, "must be finite (negative for a closed direction)")
		}
	}
	c.nonNeg("length_m", e.LengthM)
	if e.Geometry != nil {
		c.addErr(validShape("geometry", e.Geometry))
	}
	return c.err()
}

// cellResult checks the fields every per-cell result has.
func (c *checker) cellResult(cellID string, population int64, ags string, reached bool, seconds float64) {
	c.nonEmpty("cell_id", cellID)
	c.texts("cell_id", cellID)
	if population < 0 {
		c.add("population", population, "must be ≥ 0")
	}
	c.ags("ags", ags, true)
	if reached && (!finite(seconds) || seconds < 0) {
		c.add("seconds", seconds, "a reached cell needs a finite time ≥ 0")
	}
	if !reached && !math.IsInf(seconds, 1) && (math.IsNaN(seconds) || seconds < 0) {
		c.add("seconds", seconds, "want ≥ 0 or +Inf for an unreached cell")
	}
}

// Travel-time methods: how a stored travel time was found. A reached
// cell's time comes from the road network or the calibrated straight-line
// estimate; "unreachable" marks a cell on a loaded network from which no
// facility can be reached; "unknown" a category with no facility loaded,
// whose times are not known at all (never a gap).
const (
	MethodNetwork      = "network"
	MethodStraightLine = "straight_line"
	MethodUnreachable  = "unreachable"
	MethodUnknown      = "unknown"
	// MethodTransit is a time by public transport over a departure window (a journey on foot
	// only included); MethodNoStop marks a cell with no stop with a departure in the window
	// within walking distance, whose time is not known: the timetable does not serve it, which
	// may be where the feed ends.
	MethodTransit = "transit"
	MethodNoStop  = "no_stop"
)

// Validate checks a travel time: a cell id, population ≥ 0, an AGS of 8
// digits or none, for a reached cell finite seconds and distance ≥ 0
// (+Inf or ≥ 0 seconds otherwise), and a method that fits: "network" or
// "straight_line" for a reached cell, "network", "straight_line" or
// "unreachable" for an unreached one, "unknown" only for an unreached one.
func (r TravelTimeRecord) Validate() error {
	c := checker{kind: "travel time of cell", key: r.CellID}
	c.cellResult(r.CellID, r.Population, r.AGS, r.Reached, r.Seconds)
	if r.Reached {
		c.nonNeg("distance_m", r.DistanceM)
	}
	c.texts("facility_id", r.FacilityID)
	switch r.Method {
	case MethodNetwork, MethodStraightLine:
	case MethodUnreachable, MethodUnknown:
		if r.Reached {
			c.add("method", r.Method, "a reached cell's time comes from the network or the straight-line estimate")
		}
	default:
		c.add("method", r.Method, `want "network", "straight_line", "unreachable" or "unknown"`)
	}
	return c.err()
}

// Validate checks a gap: a cell id, population ≥ 0, an AGS of 8 digits or
// none, seconds as for a travel time and a standard ≥ 0.
func (g GapRecord) Validate() error {
	c := checker{kind: "gap in cell", key: g.CellID}
	c.cellResult(g.CellID, g.Population, g.AGS, g.Reached, g.Seconds)
	c.nonNeg("standard_seconds", g.StandardSeconds)
	return c.err()
}

// Validate checks a result run: a category of the catalogue, a road mode,
// the time of computation and provenance that is a JSON document or empty.
func (r ResultRun) Validate() error {
	c := checker{kind: "run", key: string(r.Category) + "/" + string(r.Mode)}
	if !r.Category.Valid() {
		c.add("category", string(r.Category), "not in the catalogue")
	}
	if _, ok := ParseMode(string(r.Mode)); !ok {
		c.add("mode", string(r.Mode), "want car, bicycle or foot")
	}
	if r.ComputedAt.IsZero() {
		c.add("computed_at", "", "must be set")
	}
	if r.Provenance != "" && !json.Valid([]byte(r.Provenance)) {
		c.add("provenance", r.Provenance, "not a JSON document")
	}
	return c.err()
}

// ValidTokenName reports whether name may name an API token: 1 to 64 of
// A-Z a-z 0-9 . _ @ -.
func ValidTokenName(name string) bool {
	if len(name) < 1 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '@' || b == '-') {
			return false
		}
	}
	return true
}

// Validate checks a token: a name of ValidTokenName, a known role and a
// SHA-256 hash of 32 bytes.
func (t Token) Validate() error {
	c := checker{kind: "token", key: t.Name, quote: true}
	if !ValidTokenName(t.Name) {
		c.add("name", t.Name, "want 1 to 64 of A-Z a-z 0-9 . _ @ -")
	}
	if _, ok := ParseRole(string(t.Role)); !ok {
		c.add("role", string(t.Role), "want submitter, committee or admin")
	}
	if len(t.Hash) != 32 {
		c.add("hash", len(t.Hash), "want the 32 bytes of a SHA-256 hash")
	}
	return c.err()
}

// Validate checks a travel time by public transport: a cell id, population
// ≥ 0, an AGS of 8 digits or none, a window of at least a minute, times ≥ 0
// with P10 ≤ Median ≤ P90 where set, a share within the standard from 0 to
// 1, and a method that fits the median: "transit" when it is set,
// "unreachable" or "no_stop" when it is not.
func (r TransitTimeRecord) Validate() error {
	c := checker{kind: "transit travel time of cell", key: r.CellID}
	c.cellResult(r.CellID, r.Population, r.AGS, false, math.Inf(1))
	if r.WindowMinutes < 1 {
		c.add("window_minutes", r.WindowMinutes, "want at least 1")
	}
	for _, v := range []struct {
		name string
		p    *float64
	}{{"median_s", r.Median}, {"p10_s", r.P10}, {"p90_s", r.P90}} {
		if v.p != nil && (!finite(*v.p) || *v.p < 0) {
			c.add(v.name, *v.p, "want a finite time ≥ 0 or none")
		}
	}
	if r.Median != nil && ((r.P10 != nil && *r.P10 > *r.Median) || (r.P90 != nil && *r.P90 < *r.Median)) {
		c.add("median_s", *r.Median, "want p10_s ≤ median_s ≤ p90_s")
	}
	if r.ShareWithin != nil && !(*r.ShareWithin >= 0 && *r.ShareWithin <= 1) {
		c.add("share_within", *r.ShareWithin, "want a share from 0 to 1")
	}
	switch r.Method {
	case MethodTransit:
		if r.Median == nil {
			c.add("method", r.Method, `a cell without a median time is "unreachable" or "no_stop"`)
		}
	case MethodUnreachable, MethodNoStop:
		if r.Median != nil {
			c.add("method", r.Method, `a cell with a median time is "transit"`)
		}
	default:
		c.add("method", r.Method, `want "transit", "unreachable" or "no_stop"`)
	}
	return c.err()
}
