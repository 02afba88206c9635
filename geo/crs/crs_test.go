package crs

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// Reference values from PostGIS 3.3 / PROJ 9.1 ST_Transform.
func TestTransformAgainstPROJ(t *testing.T) {
	tests := []struct {
		name string
		to   Code
		ll   orb.Point
		want orb.Point
	}{
		{"Dresden UTM33N", UTM33N, orb.Point{13.7373, 51.0504}, orb.Point{411494.36828613246, 5656188.093570028}},
		{"Vogtland UTM33N far from meridian", UTM33N, orb.Point{12.0, 50.2}, orb.Point{285909.60910642764, 5565175.932694574}},
		{"Dresden LAEA", LAEA, orb.Point{13.7373, 51.0504}, orb.Point{4582938.135891046, 3111044.597926472}},
		{"Görlitz corner LAEA", LAEA, orb.Point{15.04, 51.68}, orb.Point{4669278.911668915, 3186429.9692557813}},
		{"Dresden WebMercator", WebMercator, orb.Point{13.7373, 51.0504}, orb.Point{1529229.240874437, 6630213.746015253}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromLonLat(tt.to, tt.ll)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Hypot(got[0]-tt.want[0], got[1]-tt.want[1]); d > 0.001 {
				t.Errorf("FromLonLat(%v, %v) = %v, want %v (off by %.4f m)", tt.to, tt.ll, got, tt.want, d)
			}
			back, err := ToLonLat(tt.to, got)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Hypot(back[0]-tt.ll[0], back[1]-tt.ll[1]); d > 1e-9 {
				t.Errorf("round trip of %v gave %v", tt.ll, back)
			}
		})
	}
}

func TestTransformBetweenProjected(t *testing.T) {
	p := orb.Point{4486500, 3009500}
	q, err := Transform(LAEA, UTM33N, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Transform(UTM33N, LAEA, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Hypot(r[0]-p[0], r[1]-p[1]); d > 1e-6 {
		t.Errorf("LAEA→UTM→LAEA moved the point by %g m", d)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Code
		wantErr bool
	}{
		{"EPSG:25833", UTM33N, false},
		{"epsg:3035", LAEA, false},
		{"urn:ogc:def:crs:EPSG::25833", UTM33N, false},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", WebMercator, false},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84, false},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", CRS84, false},
		{"CRS84", CRS84, false},
		{"4326", EPSG4326, false},
		{"EPSG:31467", 0, true},
		{"", 0, true},
		{"EPSG:abc", 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestURIRoundTrip(t *testing.T) {
	for _, c := range Supported() {
		got, err := Parse(c.URI())
		if err != nil || got != c {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.URI(), got, err, c)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"EPSG:25833", "CRS84", "urn:ogc:def:crs:EPSG::3035", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err == nil && !c.Valid() {
			t.Errorf("Parse(%q) accepted invalid code %v", s, c)
		}
	})
}

// TestUTM32NAgainstPROJ checks EPSG:25832 against PROJ 9 (cs2cs EPSG:4326
// EPSG:25832, -f %.4f): Saxon points, far east of the zone's meridian.
func TestUTM32NAgainstPROJ(t *testing.T) {
	cases := []struct{ ll, want orb.Point }{
		{orb.Point{12.0, 51.0}, orb.Point{710488.8570, 5654109.1786}},
		{orb.Point{13.7373, 51.0504}, orb.Point{831974.8533, 5666113.7357}},
		{orb.Point{14.9, 51.15}, orb.Point{912508.4850, 5683072.6039}},
		{orb.Point{11.9, 50.3}, orb.Point{706522.2029, 5576009.7848}},
	}
	for _, tc := range cases {
		got, err := FromLonLat(UTM32N, tc.ll)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got[0]-tc.want[0]) > 0.001 || math.Abs(got[1]-tc.want[1]) > 0.001 {
			t.Errorf("%v → %v, PROJ %v", tc.ll, got, tc.want)
		}
		back, _ := ToLonLat(UTM32N, got)
		if math.Abs(back[0]-tc.ll[0]) > 1e-9 || math.Abs(back[1]-tc.ll[1]) > 1e-9 {
			t.Errorf("%v → %v → %v", tc.ll, got, back)
		}
		if c, err := Parse("EPSG:25832"); err != nil || c != UTM32N {
			t.Errorf("Parse(EPSG:25832) = %v, %v", c, err)
		}
	}
}
