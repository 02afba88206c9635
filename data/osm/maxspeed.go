package osm

import (
	"math"
	"strconv"
	"strings"
)

// Speeds (km/h) that German implicit maxspeed values stand for.
const (
	// SpeedWalk is "Schrittgeschwindigkeit" (maxspeed=walk,
	// DE:living_street): courts put it at 4–7 km/h; the upper end is used.
	SpeedWalk = 7.0
	// SpeedUrban is the general limit inside built-up areas (DE:urban).
	SpeedUrban = 50.0
	// SpeedRural is the general limit outside built-up areas (DE:rural).
	SpeedRural = 100.0
	// SpeedAdvisory is the German motorway advisory speed
	// (Richtgeschwindigkeit), used for maxspeed=none and DE:motorway.
	SpeedAdvisory = 130.0
	// maxMaxspeed is the largest value ParseMaxspeed accepts.
	maxMaxspeed = 300.0
)

// ParseMaxspeed reads the value of an OSM maxspeed tag and returns the limit
// in km/h. It understands plain numbers ("50", "12.5"), units ("50 mph",
// "30 km/h", "30 kmh", "10 knots"), the German implicit values
// ("DE:urban" 50, "DE:rural" 100, "DE:motorway" 130, "DE:living_street" 7,
// "DE:zone30" or "DE:zone:30" 30, "DE:bicycle_road" 30), "walk" (7) and
// "none" (130, the advisory speed, as German motorways without a limit are
// driven at it on average). Lists such as "50;70" or "50|70" yield the
// smallest value: they usually stand for different lanes or times, and the
// lower one is the safe estimate. It returns false for everything else,
// including "signals" and "variable" (limits set by signs that change),
// conditional values ("50 @ (22:00-06:00)"), and results outside (0, 300].
func ParseMaxspeed(s string) (kmh float64, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if strings.ContainsAny(s, ";|") {
		best, found := 0.0, false
		for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '|' }) {
			if v, ok := parseOneMaxspeed(part); ok && (!found || v < best) {
				best, found = v, true
			}
		}
		return best, found
	}
	return parseOneMaxspeed(s)
}

func parseOneMaxspeed(s string) (float64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "walk", "de:walk", "de:living_street":
		return SpeedWalk, true
	case "none", "de:motorway", "de:autobahn":
		return SpeedAdvisory, true
	case "de:urban", "de:zone:urban":
		return SpeedUrban, true
	case "de:rural", "de:zone:rural", "de:trunk":
		return SpeedRural, true
	case "de:zone30", "de:zone:30", "de:bicycle_road", "de:cyclestreet":
		return 30, true
	case "de:zone20", "de:zone:20":
		return 20, true
	case "de:zone10", "de:zone:10":
		return 10, true
	}
	factor := 1.0
	num := s
	for _, u := range []struct {
		suffix string
		factor float64
	}{
		{"mph", 1.609344},
		{"knots", 1.852},
		{"knot", 1.852},
		{"km/h", 1},
		{"kmh", 1},
		{"kph", 1},
	} {
		if strings.HasSuffix(num, u.suffix) {
			num = strings.TrimSpace(strings.TrimSuffix(num, u.suffix))
			factor = u.factor
			break
		}
	}
	if num == "" || !isDecimal(num) {
		return 0, false
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	v *= factor
	if !(v > 0 && v <= maxMaxspeed) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// isDecimal reports whether s is digits with at most one inner decimal
// point, which keeps "1e2", "0x10", "inf" and "+5" out.
func isDecimal(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return len(s) > 0
}
