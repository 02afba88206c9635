package osm

import (
	"math"
	"testing"

	"reach/layers"
)

// FuzzProfileFor feeds arbitrary values of the tags that decide access,
// direction and speed. A profile must be usable by the graph builder: a
// finite, non-negative speed, positive exactly when a direction is open,
// and a finite, non-negative ferry duration.
func FuzzProfileFor(f *testing.F) {
	for _, s := range [][6]string{
		{"residential", "", "", "", "", ""},
		{"primary", "yes", "50", "no", "", ""},
		{"track", "-1", "walk", "private", "dismount", "grade3"},
		{"motorway", "reversible", "none", "", "", ""},
		{"", "", "", "", "", "PT1H30M"},
		{"cycleway", "alternating", "30 mph", "destination", "designated", "gravel"},
		{"footway", "1", "DE:urban", "yes;no", "use_sidepath", "\x00"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	f.Fuzz(func(t *testing.T, highway, oneway, maxspeed, access, bicycle, extra string) {
		tags := map[string]string{"highway": highway, "oneway": oneway, "maxspeed": maxspeed, "access": access,
			"bicycle": bicycle, "surface": extra, "tracktype": extra, "oneway:bicycle": oneway, "motor_vehicle": access}
		if highway == "" {
			delete(tags, "highway")
			tags["route"] = "ferry"
			tags["duration"] = extra
		}
		p, ok := ProfileFor(tags)
		if !ok {
			return
		}
		if math.IsNaN(p.FerryDurationS) || math.IsInf(p.FerryDurationS, 0) || p.FerryDurationS < 0 {
			t.Fatalf("tags %q: ferry duration %v", tags, p.FerryDurationS)
		}
		for _, m := range []layers.Mode{layers.Car, layers.Bicycle, layers.Foot} {
			a := p.Access(m)
			if math.IsNaN(a.SpeedKmh) || math.IsInf(a.SpeedKmh, 0) || a.SpeedKmh < 0 {
				t.Fatalf("tags %q: %s speed %v", tags, m, a.SpeedKmh)
			}
			if (a.Forward || a.Backward) != (a.SpeedKmh > 0) {
				t.Fatalf("tags %q: %s access %+v: open directions and speed disagree", tags, m, a)
			}
		}
	})
}
