package osm

import (
	"fmt"
	"math"
	"testing"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want float64
		ok   bool
	}{
		{"hh:mm", "00:15", 900, true},
		{"h:mm", "1:30", 5400, true},
		{"minutes", "15", 900, true},
		{"minutes padded", "05", 300, true},
		{"hh:mm:ss", "1:30:00", 5400, true},
		{"hh:mm:ss seconds", "00:02:30", 150, true},
		{"spaces", " 00:10 ", 600, true},
		{"iso minutes", "PT15M", 900, true},
		{"iso hours minutes", "PT1H30M", 5400, true},
		{"iso seconds", "PT45S", 45, true},
		{"zero", "0", 0, false},
		{"zero hh:mm", "00:00", 0, false},
		{"minutes 60", "00:60", 0, false},
		{"seconds 60", "0:10:60", 0, false},
		{"one-digit minutes", "1:5", 0, false},
		{"four parts", "1:00:00:00", 0, false},
		{"empty", "", 0, false},
		{"text", "15 min", 0, false},
		{"negative", "-15", 0, false},
		{"decimal", "1.5", 0, false},
		{"iso empty", "PT", 0, false},
		{"iso wrong order", "PT15M1H", 0, false},
		{"iso repeated", "PT1M1M", 0, false},
		{"too long", "200:00", 0, false},
		{"missing hours", ":15", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseDuration(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"00:15", "15", "1:30:00", "PT1H30M", "", "99:59:59", "0:00", "PT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseDuration(s)
		if !ok {
			if v != 0 {
				t.Errorf("ParseDuration(%q) = %v, false; want 0 with false", s, v)
			}
			return
		}
		if v <= 0 || v > maxDurationS || v != math.Trunc(v) {
			t.Errorf("ParseDuration(%q) = %v; want whole seconds in (0, %d]", s, v, maxDurationS)
		}
		// Printing the value as h:mm:ss reads back to the same seconds.
		sec := int(v)
		txt := fmt.Sprintf("%d:%02d:%02d", sec/3600, sec%3600/60, sec%60)
		if back, ok := ParseDuration(txt); !ok || back != v {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v (from %q)", txt, back, ok, v, s)
		}
	})
}
