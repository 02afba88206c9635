package osm

import (
	"math"
	"strconv"
	"testing"
)

func TestParseMaxspeed(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want float64
		ok   bool
	}{
		{"plain", "50", 50, true},
		{"spaces", " 30 ", 30, true},
		{"decimal", "12.5", 12.5, true},
		{"mph", "50 mph", 80.4672, true},
		{"mph no space", "30mph", 48.28032, true},
		{"kmh unit", "30 km/h", 30, true},
		{"kmh", "70kmh", 70, true},
		{"knots", "10 knots", 18.52, true},
		{"DE urban", "DE:urban", 50, true},
		{"DE rural", "DE:rural", 100, true},
		{"DE motorway", "DE:motorway", 130, true},
		{"DE living street", "DE:living_street", 7, true},
		{"DE zone30", "DE:zone30", 30, true},
		{"DE zone:30", "DE:zone:30", 30, true},
		{"DE bicycle road", "DE:bicycle_road", 30, true},
		{"case", "de:URBAN", 50, true},
		{"walk", "walk", 7, true},
		{"none", "none", 130, true},
		{"list takes smallest", "50;70", 50, true},
		{"list reversed", "70;50", 50, true},
		{"list with units", "30 mph;60", 48.28032, true},
		{"list with junk", "signals;80", 80, true},
		{"lanes list", "100|80", 80, true},
		{"signals", "signals", 0, false},
		{"variable", "variable", 0, false},
		{"conditional", "50 @ (22:00-06:00)", 0, false},
		{"empty", "", 0, false},
		{"zero", "0", 0, false},
		{"negative", "-50", 0, false},
		{"plus", "+50", 0, false},
		{"exponent", "1e2", 0, false},
		{"hex", "0x32", 0, false},
		{"inf", "inf", 0, false},
		{"nan", "NaN", 0, false},
		{"too fast", "400", 0, false},
		{"dot only", ".", 0, false},
		{"trailing dot", "50.", 0, false},
		{"unit only", "mph", 0, false},
		{"other country", "AT:urban", 0, false},
		{"empty list", ";", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseMaxspeed(tt.in)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ParseMaxspeed(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseMaxspeed(f *testing.F) {
	for _, s := range []string{"50", "50 mph", "DE:urban", "walk", "none", "50;70", "signals", "12.5", "", "1;2;3", "10 knots"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseMaxspeed(s)
		if !ok {
			if v != 0 {
				t.Errorf("ParseMaxspeed(%q) = %v, false; want 0 with false", s, v)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > maxMaxspeed {
			t.Errorf("ParseMaxspeed(%q) = %v; want a finite speed in (0, %v]", s, v, maxMaxspeed)
		}
		// Deterministic.
		if v2, ok2 := ParseMaxspeed(s); v2 != v || !ok2 {
			t.Errorf("ParseMaxspeed(%q) not deterministic: %v then %v", s, v, v2)
		}
		// A value printed back as a plain number parses to itself.
		txt := strconv.FormatFloat(v, 'f', -1, 64)
		if back, ok := ParseMaxspeed(txt); !ok || back != v {
			t.Errorf("ParseMaxspeed(%q) = %v, %v; want %v (round trip of %q)", txt, back, ok, v, s)
		}
		// A list never yields more than any of its readable parts.
		if w, ok := ParseMaxspeed(s + ";" + txt); !ok || w > v {
			t.Errorf("ParseMaxspeed(%q) = %v; want at most %v", s+";"+txt, w, v)
		}
	})
}
