package osm

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestGeodesicLength(t *testing.T) {
	const a = 6378137.0 // GRS80 semi-major axis
	tests := []struct {
		name string
		ls   orb.LineString
		want float64
		tol  float64
	}{
		// A degree of the equator: a·π/180.
		{"equator degree", orb.LineString{{0, 0}, {1, 0}}, a * math.Pi / 180, 1e-6},
		// Meridian arc from 0° to 1° on GRS80: 110 574.3886 m (series of
		// the meridian distance, Helmert).
		{"meridian degree", orb.LineString{{14, 0}, {14, 1}}, 110574.3886, 1e-3},
		{"single point", orb.LineString{{14, 51}}, 0, 0},
		{"repeated point", orb.LineString{{14, 51}, {14, 51}}, 0, 0},
		{"there and back", orb.LineString{{0, 0}, {1, 0}, {0, 0}}, 2 * a * math.Pi / 180, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GeodesicLength(tt.ls); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("GeodesicLength(%v) = %.6f, want %.6f", tt.ls, got, tt.want)
			}
		})
	}
}
