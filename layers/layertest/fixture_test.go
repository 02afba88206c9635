package layertest

import (
	"testing"

	"reach/layers"
)

// TestFixture checks the fixture itself: every feature has a geometry, ids
// are unique per collection and the west box splits each collection.
func TestFixture(t *testing.T) {
	fx := NewFixture()
	box := westBBox(fx)
	for id, fs := range expectedFeatures(fx) {
		seen := map[string]bool{}
		in := 0
		for _, f := range fs {
			if f.Geometry == nil {
				t.Errorf("%s/%s has no geometry", id, f.ID)
				continue
			}
			if seen[f.ID] {
				t.Errorf("%s/%s twice", id, f.ID)
			}
			seen[f.ID] = true
			if box.Intersects(f.Geometry.Bound()) {
				in++
			}
		}
		if in == 0 || in == len(fs) {
			t.Errorf("%s: %d of %d features in the west box, want some but not all", id, in, len(fs))
		}
	}
	for _, m := range fx.Municipalities {
		if v, _ := layers.MunicipalityFeature(m).Get("ags"); v != m.AGS {
			t.Errorf("municipality feature ags = %v, want %s", v, m.AGS)
		}
	}
}
