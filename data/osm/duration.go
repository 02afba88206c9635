package osm

import (
	"strconv"
	"strings"
)

// maxDurationS is the longest duration ParseDuration accepts: a week, far
// beyond any ferry, so that typos of several digits are refused.
const maxDurationS = 7 * 24 * 3600

// ParseDuration reads the value of an OSM duration tag (ferries) and returns
// seconds. Accepted forms, as documented for the tag: "mm" (minutes, e.g.
// "15"), "hh:mm" ("00:15", "1:30"), "hh:mm:ss" ("1:30:00"), and ISO 8601
// periods of hours, minutes and seconds ("PT15M", "PT1H30M", "PT45S").
// Minutes and seconds after a colon must be two digits below 60. It returns
// false for anything else and for durations that are not positive or exceed
// a week.
func ParseDuration(s string) (seconds float64, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	var sec int
	switch {
	case strings.HasPrefix(s, "PT") || strings.HasPrefix(s, "pt"):
		v, ok := parseISODuration(s[2:])
		if !ok {
			return 0, false
		}
		sec = v
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		if len(parts) > 3 {
			return 0, false
		}
		h, ok := atoiDigits(parts[0], 1, 3)
		if !ok {
			return 0, false
		}
		sec = h * 3600
		for i, p := range parts[1:] {
			v, ok := atoiDigits(p, 2, 2)
			if !ok || v >= 60 {
				return 0, false
			}
			if i == 0 {
				sec += v * 60
			} else {
				sec += v
			}
		}
	default:
		m, ok := atoiDigits(s, 1, 5)
		if !ok {
			return 0, false
		}
		sec = m * 60
	}
	if sec <= 0 || sec > maxDurationS {
		return 0, false
	}
	return float64(sec), true
}

// parseISODuration reads the time part of an ISO 8601 duration ("1H30M",
// "15M", "45S"), each designator at most once and in order.
func parseISODuration(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	total, order := 0, 0
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) || i > 6 {
			return 0, false
		}
		v, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, false
		}
		var unit, rank int
		switch s[i] {
		case 'H', 'h':
			unit, rank = 3600, 1
		case 'M', 'm':
			unit, rank = 60, 2
		case 'S', 's':
			unit, rank = 1, 3
		default:
			return 0, false
		}
		if rank <= order {
			return 0, false
		}
		order = rank
		total += v * unit
		if total > maxDurationS {
			return 0, false
		}
		s = s[i+1:]
	}
	return total, true
}

// atoiDigits parses s as an unsigned decimal of minLen to maxLen digits.
func atoiDigits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}
