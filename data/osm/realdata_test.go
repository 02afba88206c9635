package osm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"reach/geo/crs"
	"reach/layers"
)

// rawFile is an independent reading of an OSM file with the osm scanners
// and plain maps: node coordinates, and the ways with their tags.
type rawFile struct {
	nodes    map[int64]orb.Point
	nodeTags map[int64]osm.Tags // tagged nodes only
	ways     []*osm.Way
}

func readRaw(tb testing.TB, path string) rawFile {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var sc interface {
		Scan() bool
		Object() osm.Object
		Err() error
		Close() error
	}
	if strings.HasSuffix(path, ".pbf") {
		s := osmpbf.New(context.Background(), f, 1)
		s.SkipRelations = true
		sc = s
	} else {
		sc = osmxml.New(context.Background(), f)
	}
	defer sc.Close()
	raw := rawFile{nodes: map[int64]orb.Point{}, nodeTags: map[int64]osm.Tags{}}
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			raw.nodes[int64(o.ID)] = orb.Point{o.Lon, o.Lat}
			if len(o.Tags) > 0 {
				raw.nodeTags[int64(o.ID)] = o.Tags
			}
		case *osm.Way:
			raw.ways = append(raw.ways, o)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return raw
}

// expectedSegments counts the segments the splitting rule gives, computed
// with maps from the raw file: a routable way is cut at nodes used twice or
// more by routable ways, at its ends and at absent nodes.
func expectedSegments(raw rawFile) (segments, missingDistinct int) {
	uses := map[int64]int{}
	var routable [][]int64
	for _, w := range raw.ways {
		if _, ok := ProfileFor(w.TagMap()); !ok {
			continue
		}
		var refs []int64
		for _, n := range w.Nodes {
			if len(refs) > 0 && refs[len(refs)-1] == int64(n.ID) {
				continue
			}
			refs = append(refs, int64(n.ID))
		}
		for _, r := range refs {
			uses[r]++
		}
		routable = append(routable, refs)
	}
	for id := range uses {
		if _, ok := raw.nodes[id]; !ok {
			missingDistinct++
		}
	}
	for _, refs := range routable {
		run := 0 // present nodes in the current piece
		for i, r := range refs {
			if _, ok := raw.nodes[r]; !ok {
				if run >= 2 {
					segments++
				}
				run = 0
				continue
			}
			run++
			if run >= 2 && (i == len(refs)-1 || uses[r] >= 2) {
				segments++
				run = 1
			}
		}
	}
	return segments, missingDistinct
}

// checkSegments checks the invariants every segment of a real file must
// hold and compares the counts with the independent computation.
func checkSegments(t *testing.T, path string) ([]layers.RoadSegment, RoadStats) {
	t.Helper()
	segs, st := collectRoads(t, path)
	raw := readRaw(t, path)
	if st.WaysRead != int64(len(raw.ways)) {
		t.Errorf("WaysRead = %d, want %d", st.WaysRead, len(raw.ways))
	}
	wantSegs, wantMissing := expectedSegments(raw)
	if len(segs) != wantSegs || st.Segments != int64(wantSegs) {
		t.Errorf("%d segments (stats %d), want %d", len(segs), st.Segments, wantSegs)
	}
	if st.MissingNodes != int64(wantMissing) {
		t.Errorf("MissingNodes = %d, want %d", st.MissingNodes, wantMissing)
	}
	ids := map[int64]bool{}
	var sumLen, sumClass float64
	for _, s := range segs {
		if ids[s.ID] {
			t.Fatalf("duplicate segment id %d", s.ID)
		}
		ids[s.ID] = true
		if w, _ := SplitSegmentID(s.ID); w != s.WayID {
			t.Errorf("segment %d: id names way %d, WayID %d", s.ID, w, s.WayID)
		}
		if len(s.Geometry) < 2 {
			t.Fatalf("segment %d has %d points", s.ID, len(s.Geometry))
		}
		// Ends are the named nodes, in EPSG:25833.
		for _, end := range []struct {
			node int64
			p    orb.Point
		}{{s.FromNode, s.Geometry[0]}, {s.ToNode, s.Geometry[len(s.Geometry)-1]}} {
			ll, ok := raw.nodes[end.node]
			if !ok {
				t.Fatalf("segment %d: end node %d not in the file", s.ID, end.node)
			}
			want, err := crs.FromLonLat(crs.UTM33N, ll)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Hypot(end.p[0]-want[0], end.p[1]-want[1]); d > 0.01 {
				t.Fatalf("segment %d: end at %v, node %d at %v (%.3f m off)", s.ID, end.p, end.node, want, d)
			}
		}
		if !(s.LengthM > 0) {
			t.Errorf("segment %d (way %d) has length %v", s.ID, s.WayID, s.LengthM)
		}
		if g := gridLengthOnEllipsoid(t, s.Geometry); math.Abs(g-s.LengthM) > 1e-3+1e-6*s.LengthM {
			t.Errorf("segment %d: LengthM %.4f, grid length / scale factor %.4f", s.ID, s.LengthM, g)
		}
		for _, m := range layers.Modes() {
			a := s.Access(m)
			if open := a.Forward || a.Backward; open != (a.SpeedKmh > 0) || math.IsNaN(a.SpeedKmh) || a.SpeedKmh > 200 {
				t.Errorf("segment %d %s: access %+v", s.ID, m, a)
			}
		}
		if s.Car.Forward != s.Car.Backward && !s.Oneway || s.Oneway && s.Car.Forward == s.Car.Backward {
			t.Errorf("segment %d: Oneway %v with car %+v", s.ID, s.Oneway, s.Car)
		}
		sumLen += s.LengthM
	}
	for _, c := range st.ByHighway {
		sumClass += c.LengthM
	}
	if math.Abs(sumLen-st.LengthM) > 1e-6*sumLen || math.Abs(sumClass-st.LengthM) > 1e-6*sumLen {
		t.Errorf("total length %v, stats %v, per class %v", sumLen, st.LengthM, sumClass)
	}
	// Reading twice gives the same stream.
	again, _ := collectRoads(t, path)
	if len(again) != len(segs) {
		t.Fatalf("second read: %d segments, first %d", len(again), len(segs))
	}
	for i := range segs {
		if again[i].ID != segs[i].ID || again[i].LengthM != segs[i].LengthM {
			t.Fatalf("second read differs at %d: %d vs %d", i, again[i].ID, segs[i].ID)
		}
	}
	t.Logf("%s: %s", path, st)
	return segs, st
}

func TestRealHoyerswerda(t *testing.T) {
	segs, st := checkSegments(t, sharedData(t, "osm/hoyerswerda.osm.pbf"))
	if st.MissingNodes != 0 || len(segs) < 500 {
		t.Errorf("%d segments, %d missing nodes; want a complete town network", len(segs), st.MissingNodes)
	}
}

func TestRealBautzenXML(t *testing.T) {
	segs, _ := checkSegments(t, sharedData(t, "osm/bautzen_a4_junction.osm"))
	n := 0
	for _, s := range segs {
		if s.Highway == "motorway" {
			n++
			if s.Foot.Forward || s.Foot.Backward || s.Bicycle.Forward || s.Bicycle.Backward || s.Car.Forward == s.Car.Backward {
				t.Errorf("A4 segment %d: car %+v bicycle %+v foot %+v; want one-way car only", s.ID, s.Car, s.Bicycle, s.Foot)
			}
		}
	}
	if n == 0 {
		t.Error("no motorway segments in the A4 junction")
	}
}

func TestRealNorthBayreuthA9(t *testing.T) {
	segs, _ := checkSegments(t, sharedData(t, "osm/north-bayreuth.osm.pbf"))
	a9 := 0
	for _, s := range segs {
		if s.Highway != "motorway" || !strings.Contains(s.Ref, "A 9") {
			continue
		}
		a9++
		if !s.Oneway || s.Car.Forward == s.Car.Backward {
			t.Errorf("A9 segment %d: car %+v, want one-way", s.ID, s.Car)
		}
		if s.Foot != (layers.Access{}) || s.Bicycle != (layers.Access{}) {
			t.Errorf("A9 segment %d: foot %+v bicycle %+v, want closed", s.ID, s.Foot, s.Bicycle)
		}
	}
	if a9 < 10 {
		t.Errorf("%d A9 segments, want the motorway through the extract", a9)
	}
}

func TestRealNDSMissingNodes(t *testing.T) {
	path := sharedData(t, "osm/testfeld_nds_main_roads.osm.pbf")
	_, st := checkSegments(t, path)
	// SOURCES.md: osmium check-refs reports 771 absent nodes, and GDAL
	// builds 20,065 of the 20,077 ways (12 have fewer than two nodes).
	if st.MissingNodes != 771 || st.WaysRead != 20077 || st.WaysWithoutSegments != 12 {
		t.Errorf("stats %s; want 771 missing nodes, 20077 ways, 12 without segments", st)
	}
	if st.MissingNodeRefs < st.MissingNodes {
		t.Errorf("MissingNodeRefs %d < MissingNodes %d", st.MissingNodeRefs, st.MissingNodes)
	}
}

// poiFeature is one feature of the POI GeoJSON files (EPSG:4326, lon/lat).
type poiFeature struct {
	Geometry struct {
		Coordinates [2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// TestRealHoyerswerdaFacilities compares the facilities with the POIs
// extracted independently from the same file
// (facilities/pois_hoyerswerda_osm.geojson): every POI whose tags map to a
// category is found with that category at the POI's point, and nothing
// else is found. The POI file keeps only some tags; the access tag, which
// CategoryFor also reads, is taken from the raw file.
func TestRealHoyerswerdaFacilities(t *testing.T) {
	pbf := sharedData(t, "osm/hoyerswerda.osm.pbf")
	poiPath := sharedData(t, "facilities/pois_hoyerswerda_osm.geojson")
	data, err := os.ReadFile(poiPath)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []poiFeature `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	raw := readRaw(t, pbf)
	access := map[string]string{}
	for id, tags := range raw.nodeTags {
		if v := tags.Find("access"); v != "" {
			access[fmt.Sprintf("osm:node/%d", id)] = v
		}
	}
	for _, w := range raw.ways {
		if v := w.Tags.Find("access"); v != "" {
			access[fmt.Sprintf("osm:way/%d", w.ID)] = v
		}
	}
	type want struct {
		cat layers.Category
		pts []orb.Point // the file lists some ways twice, with slightly different points
	}
	wants := map[string]*want{}
	for _, f := range fc.Features {
		tags := map[string]string{}
		for k, v := range f.Properties {
			if s, ok := v.(string); ok {
				tags[k] = s
			}
		}
		id := fmt.Sprintf("osm:%s/%.0f", f.Properties["osm_type"], f.Properties["osm_id"])
		if v, ok := access[id]; ok {
			tags["access"] = v
		}
		cat, ok := CategoryFor(tags)
		if !ok {
			continue
		}
		p, err := crs.FromLonLat(crs.UTM33N, orb.Point(f.Geometry.Coordinates))
		if err != nil {
			t.Fatal(err)
		}
		if wants[id] == nil {
			wants[id] = &want{cat: cat}
		}
		wants[id].pts = append(wants[id].pts, p)
	}
	got, st := collectFacilities(t, pbf)
	if len(wants) < 30 {
		t.Fatalf("only %d categorised POIs in %s", len(wants), poiPath)
	}
	seen := map[string]bool{}
	for _, f := range got {
		if seen[f.ID] {
			t.Errorf("facility %s twice", f.ID)
		}
		seen[f.ID] = true
		w, ok := wants[f.ID]
		if !ok {
			t.Errorf("facility %s (%s, %q) is not among the POIs", f.ID, f.Category, f.Name)
			continue
		}
		if f.Category != w.cat || f.Source != "osm" {
			t.Errorf("facility %s: category %s source %q, want %s, osm", f.ID, f.Category, f.Source, w.cat)
		}
		best := math.Inf(1)
		for _, p := range w.pts {
			best = min(best, math.Hypot(f.Location[0]-p[0], f.Location[1]-p[1]))
		}
		// The POI file lists ways at the plain average of their node list
		// (closing node twice) and again at another centre; the reader
		// averages distinct vertices. All lie within a site's extent.
		if best > 15 {
			t.Errorf("facility %s at %v is %.1f m from the POI point(s) %v", f.ID, f.Location, best, w.pts)
		}
		if want, ok := vertexAverage(t, raw, f.ID); !ok {
			t.Errorf("facility %s: no such element in the raw file", f.ID)
		} else if d := math.Hypot(f.Location[0]-want[0], f.Location[1]-want[1]); d > 0.05 {
			t.Errorf("facility %s at %v, want %v (%.3f m off)", f.ID, f.Location, want, d)
		}
	}
	for id := range wants {
		if !seen[id] {
			t.Errorf("POI %s (%s) not found", id, wants[id].cat)
		}
	}
	t.Logf("%s", st)
}

// vertexAverage is the expected location of an "osm:node/…" or "osm:way/…"
// facility from the raw file: the node itself, or the average of a way's
// distinct vertices in lon/lat, then projected to EPSG:25833.
func vertexAverage(tb testing.TB, raw rawFile, id string) (orb.Point, bool) {
	tb.Helper()
	var pts []orb.Point
	var n int64
	switch {
	case strings.HasPrefix(id, "osm:node/"):
		fmt.Sscanf(id, "osm:node/%d", &n)
		p, ok := raw.nodes[n]
		if !ok {
			return orb.Point{}, false
		}
		pts = []orb.Point{p}
	case strings.HasPrefix(id, "osm:way/"):
		fmt.Sscanf(id, "osm:way/%d", &n)
		for _, w := range raw.ways {
			if int64(w.ID) != n {
				continue
			}
			seen := map[osm.NodeID]bool{}
			for _, wn := range w.Nodes {
				if p, ok := raw.nodes[int64(wn.ID)]; ok && !seen[wn.ID] {
					seen[wn.ID] = true
					pts = append(pts, p)
				}
			}
		}
	}
	if len(pts) == 0 {
		return orb.Point{}, false
	}
	var c orb.Point
	for _, p := range pts {
		c[0] += p[0] / float64(len(pts))
		c[1] += p[1] / float64(len(pts))
	}
	q, err := crs.FromLonLat(crs.UTM33N, c)
	if err != nil {
		tb.Fatal(err)
	}
	return q, true
}
