package layers

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OpeningHours are the weekly opening times of a facility, read from a subset of the OSM
// opening_hours syntax:
//
//	24/7                                   always open
//	Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00
//	Mo,We,Fr 07:30-13:00; Tu,Th 13:00-19:00
//	08:00-20:00                            every day
//	Mo-Sa 22:00-02:00                      past midnight: until 02:00 of the next day
//	Mo-Fr 08:00-18:00; We off              a later rule replaces the days it names
//
// Rules are separated by ";"; each names weekdays (Mo Tu We Th Fr Sa Su, ranges with "-",
// lists with ",", none for every day) and time ranges HH:MM-HH:MM (lists with ",", "off" or
// "closed" for none). Rules for public or school holidays ("PH", "SH") are skipped: holidays
// are not known. Anything else (months, week numbers, "sunrise", comments) is refused. The
// zero value (from an empty string) is "unknown" and counts as always open.
type OpeningHours struct {
	// spans[d] are the open minutes of weekday d (0 Monday … 6 Sunday) as [from, to) minute
	// ranges after its midnight; a range past midnight is split onto the next day.
	spans [7][][2]int16
	known bool
}

var weekdays = map[string]int{"Mo": 0, "Tu": 1, "We": 2, "Th": 3, "Fr": 4, "Sa": 5, "Su": 6}

// ParseOpeningHours reads an opening_hours value; errors name the part that was not
// understood. An empty value gives the unknown (always open) hours.
func ParseOpeningHours(s string) (OpeningHours, error) {
	var h OpeningHours
	s = strings.TrimSpace(s)
	if s == "" {
		return h, nil
	}
	h.known = true
	if s == "24/7" {
		for d := range h.spans {
			h.spans[d] = [][2]int16{{0, 1440}}
		}
		return h, nil
	}
	for _, rule := range strings.Split(s, ";") {
		rule = strings.TrimSpace(rule)
		if rule == "" {
			continue
		}
		if strings.HasPrefix(rule, "PH") || strings.HasPrefix(rule, "SH") {
			continue
		}
		days := [7]bool{}
		rest := rule
		if len(rule) >= 2 {
			if _, ok := weekdays[rule[:2]]; ok {
				sel, r, _ := strings.Cut(rule, " ")
				rest = strings.TrimSpace(r)
				if strings.Contains(sel, "PH") || strings.Contains(sel, "SH") {
					// "Mo-Fr,PH": the holidays part is not known; the weekdays count.
					sel = strings.NewReplacer(",PH", "", ",SH", "").Replace(sel)
				}
				for _, part := range strings.Split(sel, ",") {
					from, to, isRange := strings.Cut(part, "-")
					a, ok1 := weekdays[from]
					b, ok2 := a, true
					if isRange {
						b, ok2 = weekdays[to]
					}
					if !ok1 || !ok2 {
						return OpeningHours{}, fmt.Errorf("opening_hours %q: weekdays %q: want Mo, Tu, We, Th, Fr, Sa, Su, ranges Mo-Fr and lists Mo,We", s, part)
					}
					for d := a; ; d = (d + 1) % 7 {
						days[d] = true
						if d == b {
							break
						}
					}
				}
			} else {
				for d := range days {
					days[d] = true
				}
			}
		}
		if rest == "" {
			return OpeningHours{}, fmt.Errorf("opening_hours %q: rule %q names no times (HH:MM-HH:MM or off)", s, rule)
		}
		var ranges [][2]int
		if rest != "off" && rest != "closed" {
			for _, tr := range strings.Split(rest, ",") {
				from, to, ok := strings.Cut(strings.TrimSpace(tr), "-")
				a, err1 := clockMinutes(from)
				b, err2 := clockMinutes(to)
				if !ok || err1 != nil || err2 != nil || a >= 1440 || a == b {
					return OpeningHours{}, fmt.Errorf("opening_hours %q: times %q: want HH:MM-HH:MM, e.g. 08:00-12:30", s, tr)
				}
				ranges = append(ranges, [2]int{a, b})
			}
		}
		// A later rule replaces what earlier ones said of its days, including the part of a
		// range past midnight that an earlier rule spilled onto one of them.
		for d, on := range days {
			if on {
				h.spans[d] = nil
			}
		}
		for d, on := range days {
			if !on {
				continue
			}
			for _, r := range ranges {
				if r[1] > r[0] {
					h.spans[d] = append(h.spans[d], [2]int16{int16(r[0]), int16(r[1])})
				} else {
					h.spans[d] = append(h.spans[d], [2]int16{int16(r[0]), 1440})
					if r[1] > 0 {
						n := (d + 1) % 7
						h.spans[n] = append(h.spans[n], [2]int16{0, int16(r[1])})
					}
				}
			}
		}
	}
	return h, nil
}

// clockMinutes reads HH:MM (00:00 to 24:00) as minutes after midnight.
func clockMinutes(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h*60+m > 1440 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

// Known reports whether the hours were given (the zero value is unknown and always open).
func (h OpeningHours) Known() bool { return h.known }

// OpenAt reports whether the facility is open at local wall-clock time t (its location is
// ignored); unknown hours are always open.
func (h OpeningHours) OpenAt(t time.Time) bool {
	if !h.known {
		return true
	}
	d := (int(t.Weekday()) + 6) % 7 // Monday 0
	m := int16(t.Hour()*60 + t.Minute())
	for _, r := range h.spans[d] {
		if m >= r[0] && m < r[1] {
			return true
		}
	}
	return false
}
