package osm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reach/layers"
)

// TestRoadsSplitting checks splitting at network nodes, missing nodes and
// excluded classes on testdata/network.osm (see the sketch in the file).
func TestRoadsSplitting(t *testing.T) {
	segs, st := collectRoads(t, "testdata/network.osm")
	type key struct {
		way, from, to int64
		points        int
		index         int
	}
	want := []key{
		{10, 1, 2, 2, 0},
		{10, 2, 4, 3, 1},
		{11, 2, 6, 3, 0},
		{12, 6, 7, 2, 0},
		{13, 4, 8, 2, 0},
		{13, 9, 10, 2, 1},
	}
	if len(segs) != len(want) {
		t.Fatalf("got %d segments, want %d: %+v", len(segs), len(want), segs)
	}
	for i, w := range want {
		s := segs[i]
		got := key{s.WayID, s.FromNode, s.ToNode, len(s.Geometry), 0}
		wayID, idx := SplitSegmentID(s.ID)
		got.index = idx
		if got != w || wayID != s.WayID {
			t.Errorf("segment %d = %+v (id %d → way %d), want %+v", i, got, s.ID, wayID, w)
		}
	}
	if s := segs[0]; s.Name != "Hauptstraße" || s.Ref != "K 1" || s.Highway != "residential" {
		t.Errorf("way 10 attributes = %q %q %q, want Hauptstraße, K 1, residential", s.Name, s.Ref, s.Highway)
	}
	type counts struct{ read, routable, segs, missing, missingRefs, empty int64 }
	gotC := counts{st.WaysRead, st.RoutableWays, st.Segments, st.MissingNodes, st.MissingNodeRefs, st.WaysWithoutSegments}
	if wantC := (counts{6, 4, 6, 1, 1, 0}); gotC != wantC {
		t.Errorf("stats = %+v, want %+v", gotC, wantC)
	}
	if c := st.ByHighway["residential"]; c.Ways != 1 || c.Segments != 2 {
		t.Errorf("residential stats = %+v, want 1 way, 2 segments", c)
	}
	// Way 12 is private but open to pedestrians.
	if s := segs[3]; s.Car.Forward || s.Car.Backward || s.Bicycle.Forward || !s.Foot.Forward || !s.Foot.Backward {
		t.Errorf("way 12 access car %+v bicycle %+v foot %+v; want foot only", s.Car, s.Bicycle, s.Foot)
	}
	// Lengths: 0.001° of longitude at 51.18° on GRS80 is 69.99 m (from the
	// radius of the parallel, N·cos φ); way 10's second segment spans two.
	const a, f = 6378137.0, 1 / 298.257222101
	phi := 51.18 * math.Pi / 180
	e2 := f * (2 - f)
	nu := a / math.Sqrt(1-e2*math.Sin(phi)*math.Sin(phi))
	perMilliDeg := nu * math.Cos(phi) * 0.001 * math.Pi / 180
	// Along a parallel the geodesic is shorter than the parallel arc by a
	// negligible amount at 70 m (well below 1 mm).
	for i, n := range []float64{1, 2} {
		if got, want := segs[i].LengthM, n*perMilliDeg; math.Abs(got-want) > 1e-3 {
			t.Errorf("segment %d length = %.4f m, want %.4f m", i, got, want)
		}
	}
	for _, s := range segs {
		if got, want := s.LengthM, gridLengthOnEllipsoid(t, s.Geometry); math.Abs(got-want) > 1e-3 {
			t.Errorf("segment %d: LengthM %.4f, grid length / scale factor %.4f", s.ID, got, want)
		}
	}
}

// TestRoadsModes checks the per-mode access of testdata/modes.osm against
// the table in that file.
func TestRoadsModes(t *testing.T) {
	segs, st := collectRoads(t, "testdata/modes.osm")
	ways := byWay(segs)
	const (
		no   = ""
		fwd  = "F"
		bwd  = "B"
		both = "FB"
	)
	dir := func(a layers.Access) string {
		s := ""
		if a.Forward {
			s += "F"
		}
		if a.Backward {
			s += "B"
		}
		return s
	}
	tests := []struct {
		way               int64
		car, bike, foot   string
		bikeSpeedAtMostKm float64 // 0 = not checked
	}{
		{101, fwd, fwd, both, 0},
		{102, bwd, bwd, both, 0},
		{103, fwd, both, both, 0},
		{104, fwd, both, both, 0},
		{105, both, fwd, both, 0},
		{106, fwd, no, no, 0},
		{107, both, no, no, 0},
		{108, no, both, both, 0},
		{109, no, no, both, 0},
		{110, no, both, both, PushSpeedKmh},
		{111, no, both, both, 0},
		{112, no, both, both, 0},
		{114, no, no, both, 0},
		{115, no, both, both, 0},
		{116, both, both, both, 0},
		{117, no, no, both, 0},
		{118, both, both, both, SpeedWalk},
		{119, no, both, both, 0},
		{120, both, both, both, 0},
		{122, no, both, both, StepsSpeedKmh},
		{123, no, both, both, PushSpeedKmh},
		{124, both, both, both, 0},
		{125, fwd, no, both, 0},
	}
	for _, tt := range tests {
		ss := ways[tt.way]
		if len(ss) != 1 {
			t.Errorf("way %d: %d segments, want 1", tt.way, len(ss))
			continue
		}
		s := ss[0]
		if got := dir(s.Car); got != tt.car {
			t.Errorf("way %d car = %q, want %q", tt.way, got, tt.car)
		}
		if got := dir(s.Bicycle); got != tt.bike {
			t.Errorf("way %d bicycle = %q, want %q", tt.way, got, tt.bike)
		}
		if got := dir(s.Foot); got != tt.foot {
			t.Errorf("way %d foot = %q, want %q", tt.way, got, tt.foot)
		}
		if s.Oneway != (len(tt.car) == 1) {
			t.Errorf("way %d Oneway = %v, want %v", tt.way, s.Oneway, len(tt.car) == 1)
		}
		for _, m := range layers.Modes() {
			a := s.Access(m)
			if open := a.Forward || a.Backward; open != (a.SpeedKmh > 0) {
				t.Errorf("way %d %s: open %v with speed %v", tt.way, m, open, a.SpeedKmh)
			}
		}
		if tt.bikeSpeedAtMostKm > 0 && s.Bicycle.SpeedKmh > tt.bikeSpeedAtMostKm {
			t.Errorf("way %d bicycle speed %v, want at most %v", tt.way, s.Bicycle.SpeedKmh, tt.bikeSpeedAtMostKm)
		}
	}
	for _, w := range []int64{113, 121} {
		if len(ways[w]) != 0 {
			t.Errorf("way %d yielded %d segments, want none (closed to every mode)", w, len(ways[w]))
		}
	}
	if st.RoutableWays != 23 || st.WaysRead != 25 {
		t.Errorf("stats: %d of %d ways routable, want 23 of 25", st.RoutableWays, st.WaysRead)
	}

	// Ferries: the duration tag gives 900 s; without it the fallback speed.
	ferry := ways[119][0]
	if ferry.Highway != "ferry" || ferry.DurationS != 900 || ferry.Name != "Fähre Pillnitz" {
		t.Errorf("ferry 119: highway %q duration %v name %q; want ferry, 900, Fähre Pillnitz", ferry.Highway, ferry.DurationS, ferry.Name)
	}
	if want := ferry.LengthM / 900 * 3.6; math.Abs(ferry.Foot.SpeedKmh-want) > 1e-9 {
		t.Errorf("ferry 119 foot speed %v, want length/duration %v", ferry.Foot.SpeedKmh, want)
	}
	carFerry := ways[120][0]
	if want := carFerry.LengthM / (FerrySpeedKmh / 3.6); math.Abs(carFerry.DurationS-want) > 1e-9 || math.Abs(carFerry.Car.SpeedKmh-FerrySpeedKmh) > 1e-9 {
		t.Errorf("ferry 120: duration %v speed %v, want %v s at %v km/h", carFerry.DurationS, carFerry.Car.SpeedKmh, want, FerrySpeedKmh)
	}
	// maxspeed=DE:urban on a primary: 50 km/h × 0.8.
	if got := ways[124][0].Car.SpeedKmh; math.Abs(got-40) > 1e-9 {
		t.Errorf("way 124 car speed %v, want 40", got)
	}
	// Road segments other than ferries have no fixed duration.
	if d := ways[101][0].DurationS; d != 0 {
		t.Errorf("way 101 DurationS = %v, want 0", d)
	}
}

// TestRoadsRoundabout checks the implied oneway of roundabouts and
// motorways and the motorway's closure to walkers (testdata/roundabout.osm).
func TestRoadsRoundabout(t *testing.T) {
	segs, _ := collectRoads(t, "testdata/roundabout.osm")
	ways := byWay(segs)
	ring := ways[20]
	if len(ring) != 2 {
		t.Fatalf("roundabout: %d segments, want 2", len(ring))
	}
	wantEnds := [][2]int64{{1, 3}, {3, 1}}
	for i, s := range ring {
		if got := [2]int64{s.FromNode, s.ToNode}; got != wantEnds[i] || len(s.Geometry) != 3 {
			t.Errorf("roundabout segment %d: %v with %d points, want %v with 3", i, got, len(s.Geometry), wantEnds[i])
		}
		if !s.Car.Forward || s.Car.Backward || !s.Oneway {
			t.Errorf("roundabout segment %d car %+v oneway %v, want forward only", i, s.Car, s.Oneway)
		}
		if !s.Bicycle.Forward || s.Bicycle.Backward {
			t.Errorf("roundabout segment %d bicycle %+v, want forward only", i, s.Bicycle)
		}
		if !s.Foot.Forward || !s.Foot.Backward {
			t.Errorf("roundabout segment %d foot %+v, want both directions", i, s.Foot)
		}
	}
	mw := ways[23]
	if len(mw) != 1 {
		t.Fatalf("motorway: %d segments, want 1", len(mw))
	}
	if s := mw[0]; !s.Car.Forward || s.Car.Backward || s.Foot != (layers.Access{}) || s.Bicycle != (layers.Access{}) {
		t.Errorf("motorway car %+v bicycle %+v foot %+v; want car forward only, others closed", s.Car, s.Bicycle, s.Foot)
	}
	if s := mw[0]; math.Abs(s.Car.SpeedKmh-SpeedAdvisory*0.9) > 1e-9 {
		t.Errorf("motorway car speed %v, want %v", s.Car.SpeedKmh, SpeedAdvisory*0.9)
	}
}

func TestRoadsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.osm")
	if err := os.WriteFile(bad, []byte("<osm><node id=\"1\" lat=\"51\" lon=\"14\"><tag k=\"a\"</osm>"), 0o644); err != nil {
		t.Fatal(err)
	}
	notOSM := filepath.Join(dir, "x.osm.pbf")
	if err := os.WriteFile(notOSM, []byte("hello world, no osm here"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, wantIn string }{
		{"missing file", filepath.Join(dir, "nope.osm.pbf"), "nope.osm.pbf"},
		{"broken xml", bad, "bad.osm"},
		{"not osm", notOSM, "neither OSM PBF nor OSM XML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs []error
			for _, err := range Roads(context.Background(), tc.path, nil) {
				if err != nil {
					errs = append(errs, err)
				}
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
			}
			if msg := errs[0].Error(); !strings.HasPrefix(msg, "osm: ") || !strings.Contains(msg, tc.wantIn) {
				t.Errorf("error %q, want prefix \"osm: \" and %q", msg, tc.wantIn)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var got error
		for _, err := range Roads(ctx, "testdata/network.osm", nil) {
			got = err
		}
		if !errors.Is(got, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", got)
		}
	})
	t.Run("early stop", func(t *testing.T) {
		n := 0
		for _, err := range Roads(context.Background(), "testdata/network.osm", nil) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			break
		}
		if n != 1 {
			t.Errorf("got %d segments before break, want 1", n)
		}
	})
}

func TestSegmentID(t *testing.T) {
	for _, tc := range []struct {
		way   int64
		index int
	}{{1, 0}, {1, 4095}, {123456789012, 17}, {-5, 3}, {-1, 0}, {0, 0}} {
		id := SegmentID(tc.way, tc.index)
		w, i := SplitSegmentID(id)
		if w != tc.way || i != tc.index {
			t.Errorf("SplitSegmentID(SegmentID(%d, %d) = %d) = %d, %d", tc.way, tc.index, id, w, i)
		}
	}
	if SegmentID(1, 4095) >= SegmentID(2, 0) {
		t.Errorf("ids of way 1 overlap those of way 2")
	}
}

// TestRoadsGzipXML reads a gzip-compressed copy of a fixture and expects the
// same segments as from the plain file.
func TestRoadsGzipXML(t *testing.T) {
	plain, err := os.ReadFile("testdata/network.osm")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(t.TempDir(), "network.osm.gz")
	if err := os.WriteFile(gz, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, _ := collectRoads(t, "testdata/network.osm")
	got, _ := collectRoads(t, gz)
	if len(got) != len(want) {
		t.Fatalf("gzip: %d segments, plain: %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].LengthM != want[i].LengthM {
			t.Errorf("segment %d: gzip %d (%v m), plain %d (%v m)", i, got[i].ID, got[i].LengthM, want[i].ID, want[i].LengthM)
		}
	}
}
