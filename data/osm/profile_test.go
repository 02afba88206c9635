package osm

import (
	"math"
	"testing"

	"reach/layers"
)

func TestProfileFor(t *testing.T) {
	type acc = layers.Access
	both := func(v float64) acc { return acc{Forward: true, Backward: true, SpeedKmh: v} }
	fwd := func(v float64) acc { return acc{Forward: true, SpeedKmh: v} }
	closed := acc{}
	tests := []struct {
		name            string
		tags            map[string]string
		ok              bool
		car, bike, foot acc
	}{
		{"motorway default", map[string]string{"highway": "motorway"}, true, fwd(117), closed, closed},
		{"motorway maxspeed 120", map[string]string{"highway": "motorway", "maxspeed": "120"}, true, fwd(108), closed, closed},
		{"motorway none", map[string]string{"highway": "motorway", "maxspeed": "none"}, true, fwd(117), closed, closed},
		{"motorway bicycle=yes stays closed", map[string]string{"highway": "motorway", "bicycle": "yes", "foot": "yes"}, true, fwd(117), closed, closed},
		{"motorway_link", map[string]string{"highway": "motorway_link"}, true, fwd(60), closed, closed},
		{"trunk", map[string]string{"highway": "trunk"}, true, both(90), both(18), both(5)},
		{"trunk motorroad", map[string]string{"highway": "trunk", "motorroad": "yes"}, true, both(90), closed, closed},
		{"primary DE:rural", map[string]string{"highway": "primary", "maxspeed": "DE:rural"}, true, both(80), both(18), both(5)},
		{"primary 50;70", map[string]string{"highway": "primary", "maxspeed": "50;70"}, true, both(40), both(18), both(5)},
		{"primary 30 mph", map[string]string{"highway": "primary", "maxspeed": "30 mph"}, true, both(30 * 1.609344 * 0.8), both(18), both(5)},
		{"primary signals uses default", map[string]string{"highway": "primary", "maxspeed": "signals"}, true, both(64), both(18), both(5)},
		{"secondary forward/backward", map[string]string{"highway": "secondary", "maxspeed:forward": "70", "maxspeed:backward": "50"}, true, both(37.5), both(18), both(5)},
		{"residential default", map[string]string{"highway": "residential"}, true, both(25.5), both(16), both(5)},
		{"residential maxspeed 10", map[string]string{"highway": "residential", "maxspeed": "10"}, true, both(8.5), both(10), both(5)},
		{"living_street", map[string]string{"highway": "living_street"}, true, both(SpeedWalk * 0.85), both(SpeedWalk), both(5)},
		{"track gravel", map[string]string{"highway": "track", "surface": "gravel"}, true, both(15), both(10), both(5)},
		{"track grade4", map[string]string{"highway": "track", "tracktype": "grade4", "motor_vehicle": "forestry"}, true, closed, both(10), both(5)},
		{"service", map[string]string{"highway": "service"}, true, both(15), both(14), both(5)},
		{"cycleway", map[string]string{"highway": "cycleway"}, true, closed, both(18), both(5)},
		{"cycleway foot=no", map[string]string{"highway": "cycleway", "foot": "no"}, true, closed, both(18), closed},
		{"footway push", map[string]string{"highway": "footway"}, true, closed, both(PushSpeedKmh), both(5)},
		{"pedestrian bicycle=yes", map[string]string{"highway": "pedestrian", "bicycle": "yes"}, true, closed, both(12), both(5)},
		{"pedestrian area", map[string]string{"highway": "pedestrian", "area": "yes"}, true, closed, closed, both(5)},
		{"service area", map[string]string{"highway": "service", "area": "yes"}, true, closed, closed, both(5)},
		{"steps", map[string]string{"highway": "steps"}, true, closed, both(StepsSpeedKmh), both(StepsSpeedKmh)},
		{"steps bicycle=yes still carried", map[string]string{"highway": "steps", "bicycle": "yes"}, true, closed, both(StepsSpeedKmh), both(StepsSpeedKmh)},
		{"footway oneway ignored by walkers", map[string]string{"highway": "footway", "oneway": "yes"}, true, closed, both(PushSpeedKmh), both(5)},
		{"oneway:foot", map[string]string{"highway": "footway", "oneway:foot": "yes"}, true, closed, fwd(PushSpeedKmh), fwd(5)},
		{"bridleway", map[string]string{"highway": "bridleway"}, false, closed, closed, closed},
		{"bridleway foot=yes", map[string]string{"highway": "bridleway", "foot": "yes"}, true, closed, closed, both(5)},
		{"path bicycle=no", map[string]string{"highway": "path", "bicycle": "no"}, true, closed, closed, both(5)},
		{"private", map[string]string{"highway": "service", "access": "private"}, false, closed, closed, closed},
		{"private bicycle=yes", map[string]string{"highway": "service", "access": "private", "bicycle": "yes"}, true, closed, both(14), closed},
		{"access=no motorcar=yes", map[string]string{"highway": "residential", "access": "no", "motorcar": "yes"}, true, both(25.5), closed, closed},
		{"motor_vehicle=no motorcar=yes", map[string]string{"highway": "residential", "motor_vehicle": "no", "motorcar": "yes"}, true, both(25.5), both(16), both(5)},
		{"unknown value falls back", map[string]string{"highway": "residential", "access": "no", "motor_vehicle": "bogus"}, false, closed, closed, closed},
		{"destination", map[string]string{"highway": "residential", "motor_vehicle": "destination"}, true, both(25.5), both(16), both(5)},
		{"roundabout", map[string]string{"highway": "primary", "junction": "roundabout"}, true, fwd(64), fwd(18), both(5)},
		{"circular -1", map[string]string{"highway": "primary", "junction": "circular", "oneway": "-1"}, true,
			acc{Backward: true, SpeedKmh: 64}, acc{Backward: true, SpeedKmh: 18}, both(5)},
		{"oneway:motor_vehicle", map[string]string{"highway": "residential", "oneway:motor_vehicle": "yes"}, true, fwd(25.5), both(16), both(5)},
		{"oneway alternating", map[string]string{"highway": "residential", "oneway": "alternating"}, true, both(25.5), both(16), both(5)},
		{"oneway bogus", map[string]string{"highway": "residential", "oneway": "maybe"}, true, both(25.5), both(16), both(5)},
		{"cycleway:left opposite", map[string]string{"highway": "residential", "oneway": "yes", "cycleway:left": "opposite_track"}, true, fwd(25.5), both(16), both(5)},
		{"oneway:bicycle -1", map[string]string{"highway": "cycleway", "oneway:bicycle": "-1"}, true, closed, acc{Backward: true, SpeedKmh: 18}, both(5)},
		{"construction", map[string]string{"highway": "construction", "construction": "primary"}, false, closed, closed, closed},
		{"proposed", map[string]string{"highway": "proposed"}, false, closed, closed, closed},
		{"platform", map[string]string{"highway": "platform"}, false, closed, closed, closed},
		{"no highway", map[string]string{"building": "yes"}, false, closed, closed, closed},
		{"ferry", map[string]string{"route": "ferry", "duration": "00:15"}, true, closed, both(FerrySpeedKmh), both(FerrySpeedKmh)},
		{"ferry motor_vehicle", map[string]string{"route": "ferry", "motor_vehicle": "yes"}, true, both(FerrySpeedKmh), both(FerrySpeedKmh), both(FerrySpeedKmh)},
		{"ferry foot=no", map[string]string{"route": "ferry", "foot": "no", "bicycle": "no"}, false, closed, closed, closed},
	}
	near := func(a, b acc) bool {
		return a.Forward == b.Forward && a.Backward == b.Backward && math.Abs(a.SpeedKmh-b.SpeedKmh) < 1e-9
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := ProfileFor(tt.tags)
			if ok != tt.ok {
				t.Errorf("ProfileFor(%v) ok = %v, want %v", tt.tags, ok, tt.ok)
			}
			if !near(p.Car, tt.car) {
				t.Errorf("car = %+v, want %+v", p.Car, tt.car)
			}
			if !near(p.Bicycle, tt.bike) {
				t.Errorf("bicycle = %+v, want %+v", p.Bicycle, tt.bike)
			}
			if !near(p.Foot, tt.foot) {
				t.Errorf("foot = %+v, want %+v", p.Foot, tt.foot)
			}
			if p.Oneway != (tt.car.Forward != tt.car.Backward) {
				t.Errorf("Oneway = %v for car %+v", p.Oneway, tt.car)
			}
		})
	}
	if p, _ := ProfileFor(map[string]string{"route": "ferry", "duration": "1:30"}); p.FerryDurationS != 5400 || p.Highway != "ferry" {
		t.Errorf("ferry duration %v highway %q, want 5400, ferry", p.FerryDurationS, p.Highway)
	}
}
