package osm

import (
	"strings"

	"reach/layers"
)

// Profile is what the car, bicycle and foot profiles make of one OSM way.
// Directions are relative to the way's node order: Forward means from its
// first towards its last node. A zero Access means the mode may not use the
// way at all.
type Profile struct {
	Highway string // OSM highway class, or "ferry" for route=ferry ways
	Car     layers.Access
	Bicycle layers.Access
	Foot    layers.Access
	// Oneway is true when cars may use the way in one direction only, as
	// tagged or implied (roundabouts, motorways).
	Oneway bool
	// FerryDurationS is the crossing time of the whole way in seconds from
	// its duration tag; 0 for roads and for ferries without a readable
	// duration (those use FerrySpeedKmh).
	FerryDurationS float64
}

// Access returns the access of mode m.
func (p Profile) Access(m layers.Mode) layers.Access {
	switch m {
	case layers.Car:
		return p.Car
	case layers.Bicycle:
		return p.Bicycle
	case layers.Foot:
		return p.Foot
	}
	return layers.Access{}
}

// Routable reports whether at least one mode may use the way in at least
// one direction.
func (p Profile) Routable() bool {
	open := func(a layers.Access) bool { return a.Forward || a.Backward }
	return open(p.Car) || open(p.Bicycle) || open(p.Foot)
}

// Profile speeds in km/h.
const (
	// FootSpeedKmh is the walking speed on every way open to pedestrians
	// except steps.
	FootSpeedKmh = 5.0
	// StepsSpeedKmh is the speed along steps (horizontal length), for
	// walkers and for cyclists carrying their bicycle.
	StepsSpeedKmh = 2.0
	// PushSpeedKmh is the speed of a cyclist pushing the bicycle where
	// riding is not allowed but walking is.
	PushSpeedKmh = 5.0
	// FerrySpeedKmh is the assumed speed of a ferry whose duration tag is
	// missing or unreadable.
	FerrySpeedKmh = 10.0
)

// class holds the defaults of one highway class.
type class struct {
	// carLimit is the speed limit assumed when maxspeed is not tagged (km/h);
	// 0 closes the class to cars by default.
	carLimit float64
	// carFactor turns a limit into an average travel speed, accounting for
	// junctions, bends, traffic lights and traffic.
	carFactor float64
	// bike is the riding speed; 0 closes the class to bicycles unless
	// bikePush.
	bike float64
	// bikePush opens the class to cyclists pushing their bicycle by default.
	bikePush bool
	// foot is the walking speed; 0 closes the class to pedestrians.
	foot float64
	// motorway classes are closed to bicycles and pedestrians whatever the
	// tags say (StVO §18).
	motorway bool
}

// classes are the routable highway classes. Car limits assume German rules:
// 50 in towns, 100 outside, 130 advisory on motorways; where a class is
// found both in and out of towns (primary, secondary) the assumed limit lies
// between. Average car speeds (limit × factor) without maxspeed: motorway
// 117, trunk 90, primary 64, secondary 60, tertiary 49, unclassified 42,
// residential 25.5 (Tempo-30 zones), service 15, track 15, living street 6.
var classes = map[string]class{
	"motorway":       {carLimit: 130, carFactor: 0.9, motorway: true},
	"motorway_link":  {carLimit: 80, carFactor: 0.75, motorway: true},
	"trunk":          {carLimit: 100, carFactor: 0.9, bike: 18, foot: FootSpeedKmh},
	"trunk_link":     {carLimit: 70, carFactor: 0.75, bike: 18, foot: FootSpeedKmh},
	"primary":        {carLimit: 80, carFactor: 0.8, bike: 18, foot: FootSpeedKmh},
	"primary_link":   {carLimit: 60, carFactor: 0.75, bike: 18, foot: FootSpeedKmh},
	"secondary":      {carLimit: 80, carFactor: 0.75, bike: 18, foot: FootSpeedKmh},
	"secondary_link": {carLimit: 60, carFactor: 0.7, bike: 18, foot: FootSpeedKmh},
	"tertiary":       {carLimit: 70, carFactor: 0.7, bike: 18, foot: FootSpeedKmh},
	"tertiary_link":  {carLimit: 50, carFactor: 0.7, bike: 18, foot: FootSpeedKmh},
	"unclassified":   {carLimit: 60, carFactor: 0.7, bike: 16, foot: FootSpeedKmh},
	"residential":    {carLimit: 30, carFactor: 0.85, bike: 16, foot: FootSpeedKmh},
	"living_street":  {carLimit: SpeedWalk, carFactor: 0.85, bike: 10, foot: FootSpeedKmh},
	"service":        {carLimit: 20, carFactor: 0.75, bike: 14, foot: FootSpeedKmh},
	"track":          {carLimit: 30, carFactor: 0.5, bike: 12, foot: FootSpeedKmh},
	"road":           {carLimit: 50, carFactor: 0.6, bike: 14, foot: FootSpeedKmh},
	"cycleway":       {bike: 18, foot: FootSpeedKmh},
	"path":           {bike: 12, foot: FootSpeedKmh},
	"footway":        {bikePush: true, foot: FootSpeedKmh},
	"pedestrian":     {bikePush: true, foot: FootSpeedKmh},
	"steps":          {bikePush: true, foot: StepsSpeedKmh},
	"corridor":       {foot: FootSpeedKmh},
	"bridleway":      {},
}

// permission is what an access tag value says for one mode.
type permission int

const (
	permUnknown permission = iota
	permYes
	permNo
	permPush // bicycle=dismount: walking with the bicycle
)

// parsePermission reads an access value. Values that let the public reach a
// destination count as yes (destination, customers, permissive, …); values
// that exclude the public count as no (private, agricultural, forestry,
// delivery, permit, use_sidepath, …). Unknown values are ignored so that a
// less specific tag decides.
func parsePermission(v string) permission {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "designated", "permissive", "official", "destination", "customers", "public", "discouraged":
		return permYes
	case "no", "private", "agricultural", "forestry", "agricultural;forestry", "forestry;agricultural",
		"delivery", "permit", "military", "emergency", "use_sidepath", "restricted", "psv", "bus", "unknown_no":
		return permNo
	case "dismount":
		return permPush
	}
	return permUnknown
}

// accessKeys are the access tags per mode, least specific first.
var accessKeys = map[layers.Mode][]string{
	layers.Car:     {"access", "vehicle", "motor_vehicle", "motorcar"},
	layers.Bicycle: {"access", "vehicle", "bicycle"},
	layers.Foot:    {"access", "foot"},
}

// permissionFor returns the most specific known permission of mode m, or
// def when no access tag of the mode has a known value.
func permissionFor(m layers.Mode, tags map[string]string, def permission) permission {
	keys := accessKeys[m]
	for i := len(keys) - 1; i >= 0; i-- {
		if v, ok := tags[keys[i]]; ok {
			if p := parsePermission(v); p != permUnknown {
				if p == permPush && m != layers.Bicycle {
					p = permYes
				}
				return p
			}
		}
	}
	return def
}

// Direction values of oneway tags.
const (
	dirBoth     = 0
	dirForward  = 1
	dirBackward = -1
	dirNone     = 2 // reversible: no fixed direction, closed to the mode
	dirUnknown  = 3
)

func parseOneway(v string) int {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "1":
		return dirForward
	case "-1", "reverse":
		return dirBackward
	case "no", "false", "0", "alternating":
		return dirBoth
	case "reversible":
		return dirNone
	}
	return dirUnknown
}

// firstOneway returns the direction of the first key with a known value.
func firstOneway(tags map[string]string, keys ...string) int {
	for _, k := range keys {
		if v, ok := tags[k]; ok {
			if d := parseOneway(v); d != dirUnknown {
				return d
			}
		}
	}
	return dirUnknown
}

// hasOppositeCycleway reports cycleway=opposite* (on any side): cyclists
// may ride against the oneway.
func hasOppositeCycleway(tags map[string]string) bool {
	for _, k := range []string{"cycleway", "cycleway:left", "cycleway:right", "cycleway:both"} {
		if strings.HasPrefix(tags[k], "opposite") {
			return true
		}
	}
	return false
}

func access(open bool, dir int, speed float64) layers.Access {
	if !open || dir == dirNone || speed <= 0 {
		return layers.Access{}
	}
	return layers.Access{
		Forward:  dir != dirBackward,
		Backward: dir != dirForward,
		SpeedKmh: speed,
	}
}

// tagMaxspeed returns the tagged limit: maxspeed, or else the lower of
// maxspeed:forward and maxspeed:backward. maxspeed:conditional is ignored.
func tagMaxspeed(tags map[string]string) (float64, bool) {
	if v, ok := ParseMaxspeed(tags["maxspeed"]); ok {
		return v, true
	}
	f, okF := ParseMaxspeed(tags["maxspeed:forward"])
	b, okB := ParseMaxspeed(tags["maxspeed:backward"])
	switch {
	case okF && okB:
		return min(f, b), true
	case okF:
		return f, true
	case okB:
		return b, true
	}
	return 0, false
}

// unpavedSpeed caps the bicycle speed on loose surfaces (km/h); 0 = no cap.
func unpavedSpeed(tags map[string]string) float64 {
	switch tags["surface"] {
	case "compacted", "fine_gravel":
		return 14
	case "unpaved", "gravel", "dirt", "earth", "ground", "grass", "sand", "mud", "pebblestone", "woodchips", "grass_paver", "rock":
		return 10
	}
	switch tags["tracktype"] {
	case "grade3", "grade4", "grade5":
		return 10
	}
	return 0
}

// isYes reports a yes-like tag value.
func isYes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "1":
		return true
	}
	return false
}

// ProfileFor applies the car, bicycle and foot profiles to the tags of one
// way and reports whether the way belongs to the road network at all (a
// routable highway class or route=ferry, open to at least one mode).
//
// Rules:
//   - Classes: see the classes table (motorway … road, cycleway, path,
//     footway, pedestrian, steps, corridor, bridleway). Other highway values
//     (construction, proposed, platform, raceway, bus_guideway, busway, …)
//     are not routable.
//   - Access: per mode the most specific known tag wins (car: access <
//     vehicle < motor_vehicle < motorcar; bicycle: access < vehicle <
//     bicycle; foot: access < foot). yes, designated, permissive,
//     destination, customers open; no, private, agricultural, forestry,
//     delivery, permit, use_sidepath close; bicycle=dismount means pushing.
//     Unknown values are skipped. Conditional and directional access tags
//     are ignored.
//   - motorway and motorway_link, and any way with motorroad=yes, are closed
//     to bicycles and pedestrians whatever the tags say (StVO §18).
//   - area=yes highways are open to pedestrians only (along their outline,
//     which keeps squares connected to the paths that end on them).
//   - Oneway for cars: oneway:motorcar, oneway:motor_vehicle,
//     oneway:vehicle, oneway (yes/true/1, -1/reverse, no/false/0;
//     alternating counts as two-way, reversible closes the way to vehicles),
//     implied for junction=roundabout/circular and motorway/motorway_link
//     unless tagged otherwise. Bicycles: oneway:bicycle, else two-way with
//     cycleway=opposite*, else oneway:vehicle and oneway as for cars.
//     Pedestrians and pushed bicycles only follow oneway:foot.
//   - Car speed: the tagged maxspeed (see ParseMaxspeed), else the class's
//     assumed limit, times the class factor.
//   - Bicycle speed: the class speed, capped at 14/10 km/h on loose
//     surfaces (surface, tracktype) and at the speed limit where that is
//     lower (living streets: walking pace).
//   - Ferries (route=ferry without highway): car only where motor_vehicle or
//     motorcar (or vehicle/access) allows it, since most small ferries carry
//     no cars and car ferries are tagged motorcar=yes; bicycle and foot
//     unless tagged no. Speed from the duration tag, else FerrySpeedKmh.
func ProfileFor(tags map[string]string) (Profile, bool) {
	hw := tags["highway"]
	cls, isRoad := classes[hw]
	if !isRoad {
		if tags["route"] == "ferry" && hw == "" {
			return ferryProfile(tags)
		}
		return Profile{}, false
	}
	p := Profile{Highway: hw}
	motorroad := isYes(tags["motorroad"])
	area := isYes(tags["area"])

	// Car.
	carDef := permNo
	if cls.carLimit > 0 {
		carDef = permYes
	}
	carOpen := !area && permissionFor(layers.Car, tags, carDef) == permYes
	carDir := firstOneway(tags, "oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle", "oneway")
	implied := tags["junction"] == "roundabout" || tags["junction"] == "circular" || cls.motorway
	if carDir == dirUnknown {
		carDir = dirBoth
		if implied {
			carDir = dirForward
		}
	}
	limit, tagged := tagMaxspeed(tags)
	if !tagged {
		limit = cls.carLimit
	}
	carSpeed := limit * cls.carFactor
	if carOpen && carSpeed <= 0 {
		// A class closed to cars by default but opened by tags (e.g.
		// footway with motorcar=yes): drive at walking pace unless a limit
		// is tagged.
		carSpeed = limit * 0.8
		if !tagged {
			carSpeed = SpeedWalk
		}
	}
	p.Car = access(carOpen, carDir, carSpeed)
	p.Oneway = p.Car.Forward != p.Car.Backward

	// Foot.
	footDir := firstOneway(tags, "oneway:foot")
	if footDir == dirUnknown || footDir == dirNone {
		footDir = dirBoth
	}
	footDef := permNo
	if cls.foot > 0 {
		footDef = permYes
	}
	footOpen := !cls.motorway && !motorroad && permissionFor(layers.Foot, tags, footDef) == permYes
	footSpeed := cls.foot
	if footSpeed <= 0 {
		footSpeed = FootSpeedKmh
	}
	p.Foot = access(footOpen, footDir, footSpeed)

	// Bicycle.
	bikeDef := permNo
	switch {
	case cls.bike > 0:
		bikeDef = permYes
	case cls.bikePush:
		bikeDef = permPush
	}
	perm := permissionFor(layers.Bicycle, tags, bikeDef)
	if cls.motorway || motorroad || area {
		perm = permNo
	}
	if perm == permYes && cls.bike <= 0 && cls.bikePush {
		// Riding allowed on a footway or in a pedestrian zone
		// ("Radfahrer frei"): ride at a moderate speed, except on steps.
		cls.bike = 12
		if hw == "steps" {
			perm = permPush
		}
	}
	switch perm {
	case permYes:
		speed := cls.bike
		if speed <= 0 {
			speed = 14 // opened by tags on a class closed by default (bridleway, corridor)
		}
		if c := unpavedSpeed(tags); c > 0 && c < speed {
			speed = c
		}
		if limit > 0 && limit < speed {
			speed = limit
		}
		bikeDir := firstOneway(tags, "oneway:bicycle")
		if bikeDir == dirUnknown {
			if hasOppositeCycleway(tags) {
				bikeDir = dirBoth
			} else {
				bikeDir = firstOneway(tags, "oneway:vehicle", "oneway")
				if bikeDir == dirUnknown {
					bikeDir = dirBoth
					if implied {
						bikeDir = dirForward
					}
				}
			}
		}
		p.Bicycle = access(true, bikeDir, speed)
	case permPush:
		speed := PushSpeedKmh
		if hw == "steps" {
			speed = StepsSpeedKmh
		}
		// Pushing is walking: only possible where walking is.
		p.Bicycle = access(footOpen, footDir, speed)
	}
	return p, p.Routable()
}

// ferryProfile is the profile of a route=ferry way.
func ferryProfile(tags map[string]string) (Profile, bool) {
	p := Profile{Highway: "ferry"}
	speed := FerrySpeedKmh
	if d, ok := ParseDuration(tags["duration"]); ok {
		p.FerryDurationS = d
	}
	dir := firstOneway(tags, "oneway")
	if dir == dirUnknown || dir == dirNone {
		dir = dirBoth
	}
	p.Car = access(permissionFor(layers.Car, tags, permNo) == permYes, dir, speed)
	p.Oneway = p.Car.Forward != p.Car.Backward
	p.Bicycle = access(permissionFor(layers.Bicycle, tags, permYes) != permNo, dir, speed)
	p.Foot = access(permissionFor(layers.Foot, tags, permYes) == permYes, dir, speed)
	return p, p.Routable()
}
