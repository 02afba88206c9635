package centres

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/gtfs"
	"reach/data/osm"
	"reach/data/tables"
	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/analysis/transit"
	"reach/internal/realdata"
	"reach/layers"
)

// build builds the engine of l with car and foot networks.
func build(tb testing.TB, l analysistest.Layers) *analysis.Engine {
	tb.Helper()
	e, err := analysis.Build(context.Background(), &analysistest.Reader{L: l}, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return e
}

// realSaxonyCentres returns the real layers of Saxony (analysistest.RealSaxony)
// with the central places of the LEP 2013 at their Destatis seats, and the
// folder of the real data.
func realSaxonyCentres(t *testing.T) (analysistest.Layers, string) {
	t.Helper()
	r := analysistest.RealSaxony(t)
	dir := realdata.Dir(t)
	ctx := context.Background()
	seats, err := tables.ReadLocations(ctx, filepath.Join(dir, "population", "gemeinden_sachsen_gv_bevoelkerung_2019.csv"))
	if err != nil {
		t.Fatal(err)
	}
	loc := tables.NewTownLocator(seats, nil, r.Municipalities)
	r.CentralPlaces = analysistest.Collect(t, tables.ReadCentralPlaces(ctx, filepath.Join(dir, "zentrale_orte", "zentrale_orte_sachsen.csv"), tables.CentralPlaceOptions{Locate: loc.Locate}))
	return r, dir
}

// TestRealSaxonyCentreAccess loads the README's real data (the 2011 grid,
// the central places at their Destatis seats, the Hoyerswerda extract as
// the only road network) and checks the central-place indicators of all
// 419 municipalities against a brute force over the cells, and that at
// least 99 % of the residents have a car time with its method.
func TestRealSaxonyCentreAccess(t *testing.T) {
	r, dir := realSaxonyCentres(t)
	ctx := context.Background()
	r.Roads = analysistest.Collect(t, osm.Roads(ctx, filepath.Join(dir, "osm", "hoyerswerda.osm.pbf"), nil))
	e := build(t, r)

	tts, err := e.TravelTimes(ctx, layers.CatHospital, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	var pop, timed int64
	byMethod := map[string]int64{}
	for _, tt := range tts {
		pop += tt.Population
		byMethod[tt.Method] += tt.Population
		if tt.Reached && (tt.Method == analysis.MethodNetwork || tt.Method == analysis.MethodStraightLine) {
			timed += tt.Population
		}
	}
	if float64(timed) < 0.99*float64(pop) {
		t.Fatalf("%d of %d residents have a car time (%v)", timed, pop, byMethod)
	}
	if byMethod[analysis.MethodNetwork] == 0 {
		t.Fatalf("no network times around Hoyerswerda: %v", byMethod)
	}
	t.Logf("hospital by car: residents by method %v", byMethod)

	rows, err := Access(ctx, e, []layers.Mode{layers.Car, layers.Bicycle})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 419 {
		t.Fatalf("%d rows, want 419", len(rows))
	}
	centres := map[layers.Level][]orb.Point{}
	isCentre := map[layers.Level]map[string]bool{layers.LevelMittelzentrum: {}, layers.LevelOberzentrum: {}}
	for _, p := range r.CentralPlaces {
		for _, lv := range []layers.Level{layers.LevelMittelzentrum, layers.LevelOberzentrum} {
			if p.Level >= lv {
				centres[lv] = append(centres[lv], p.Location)
				isCentre[lv][p.AGS] = true
			}
		}
	}
	// Brute force over the cells of municipalities with no network time.
	sum := map[string]map[layers.Level]float64{}
	cpop := map[string]int64{}
	snapped := map[string]bool{}
	for ci, c := range e.PopulatedCells() {
		if net, ok := e.Net(layers.Car); ok && len(net.Cells.Departures(ci)) > 0 {
			snapped[c.AGS] = true
		}
		cpop[c.AGS] += c.Residents
		if sum[c.AGS] == nil {
			sum[c.AGS] = map[layers.Level]float64{}
		}
		for lv, pts := range centres {
			d := math.Inf(1)
			for _, p := range pts {
				d = math.Min(d, math.Hypot(c.UTM[0]-p[0], c.UTM[1]-p[1]))
			}
			sum[c.AGS][lv] += float64(c.Residents) * e.StraightLineSeconds(layers.Car, d)
		}
	}
	var checked int
	var meanMZ, meanOZ float64
	for _, row := range rows {
		for _, lv := range []layers.Level{layers.LevelMittelzentrum, layers.LevelOberzentrum} {
			for _, m := range []layers.Mode{layers.Car, layers.Bicycle} {
				if _, ok := row.Minutes[Key(m, lv)]; !ok {
					t.Fatalf("%s %s: no %s", row.AGS, row.Name, Key(m, lv))
				}
			}
			got := row.Minutes[Key(layers.Car, lv)]
			if isCentre[lv][row.AGS] {
				if got != 0 {
					t.Fatalf("%s %s is a centre of level %s: %v min, want 0", row.AGS, row.Name, lv, got)
				}
				continue
			}
			if !(got > 0) || got > 120 {
				t.Fatalf("%s %s: %v min to %s", row.AGS, row.Name, got, lv)
			}
			if bike := row.Minutes[Key(layers.Bicycle, lv)]; !(bike > got) {
				t.Fatalf("%s %s: bicycle %v min not above car %v min", row.AGS, row.Name, bike, got)
			}
			if snapped[row.AGS] || cpop[row.AGS] == 0 {
				continue
			}
			want := sum[row.AGS][lv] / float64(cpop[row.AGS]) / 60
			if math.Abs(got-want) > 1e-9 {
				t.Fatalf("%s %s to %s: %v min, brute force %v min", row.AGS, row.Name, lv, got, want)
			}
			checked++
		}
		meanMZ += row.Minutes[Key(layers.Car, layers.LevelMittelzentrum)]
		meanOZ += row.Minutes[Key(layers.Car, layers.LevelOberzentrum)]
	}
	if checked < 600 {
		t.Fatalf("only %d values checked by brute force", checked)
	}
	t.Logf("mean over municipalities: %.1f min to the Mittelzentrum, %.1f min to the Oberzentrum by car", meanMZ/419, meanOZ/419)
}

// TestRealSaxonyCentreAccessTransit loads the real municipalities, grid and
// central places with the Dresden-region timetable and checks the
// indicators by public transport: 0 for the centres, a value only where
// some residents have a time, its share of residents in (0, 1], and the
// values to the Oberzentrum equal to the mean over the same cells of the
// travel times to facilities placed at the Oberzentren (the category path
// of the planner, checked elsewhere against forward searches).
func TestRealSaxonyCentreAccessTransit(t *testing.T) {
	if testing.Short() {
		t.Skip("Saxony-scale: not in -short")
	}
	r, dir := realSaxonyCentres(t)
	ctx := context.Background()
	feed, err := gtfs.ReadFile(ctx, filepath.Join(dir, "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		t.Fatal(err)
	}
	// The Oberzentren as facilities of a category of their own, open at any hour.
	r.Facilities = nil
	isCentre := map[layers.Level]map[string]bool{layers.LevelMittelzentrum: {}, layers.LevelOberzentrum: {}}
	for _, p := range r.CentralPlaces {
		for _, lv := range []layers.Level{layers.LevelMittelzentrum, layers.LevelOberzentrum} {
			if p.Level < lv {
				continue
			}
			isCentre[lv][p.AGS] = true
			for _, m := range p.Members {
				isCentre[lv][m] = true
			}
		}
		if p.Level >= layers.LevelOberzentrum {
			r.Facilities = append(r.Facilities, layers.Facility{ID: "oz:" + p.AGS, Category: layers.CatTownHall, Name: p.Name, Location: p.Location, AGS: p.AGS})
		}
	}
	e, err := analysis.Build(ctx, &analysistest.Reader{L: r}, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: transit.New,
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Access(ctx, e, []layers.Mode{layers.Transit})
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.TransitField(ctx, layers.CatTownHall, analysis.TransitQuery{})
	if err != nil {
		t.Fatal(err)
	}
	sum, timed, pop := map[string]float64{}, map[string]int64{}, map[string]int64{}
	secs := f.Seconds()
	for ci, c := range e.PopulatedCells() {
		pop[c.AGS] += c.Residents
		if f.MethodOf(ci) == analysis.MethodTransit {
			sum[c.AGS] += float64(c.Residents) * secs[ci]
			timed[c.AGS] += c.Residents
		}
	}
	valued := map[layers.Level]int{}
	for _, row := range rows {
		for _, lv := range []layers.Level{layers.LevelMittelzentrum, layers.LevelOberzentrum} {
			key := Key(layers.Transit, lv)
			got, ok := row.Minutes[key]
			share := row.NetworkShare[key]
			switch {
			case isCentre[lv][row.AGS]:
				if !ok || got != 0 || share != 1 {
					t.Fatalf("%s %s is a centre of level %s: %v min (%v), share %v", row.AGS, row.Name, lv, got, ok, share)
				}
				continue
			case !ok:
				if lv == layers.LevelOberzentrum && timed[row.AGS] > 0 {
					t.Fatalf("%s %s: no %s, but %d residents reach an Oberzentrum", row.AGS, row.Name, key, timed[row.AGS])
				}
				continue
			}
			valued[lv]++
			if !(got > 0) || !(share > 0 && share <= 1) {
				t.Fatalf("%s %s: %v min to %s for a share %v of the residents", row.AGS, row.Name, got, lv, share)
			}
			if lv != layers.LevelOberzentrum {
				continue
			}
			want := sum[row.AGS] / float64(timed[row.AGS]) / 60
			wantShare := float64(timed[row.AGS]) / float64(pop[row.AGS])
			if math.Abs(got-want) > 1e-9 || math.Abs(share-wantShare) > 1e-12 {
				t.Fatalf("%s %s to the Oberzentrum: %v min for %v of the residents; by the facilities %v min for %v", row.AGS, row.Name, got, share, want, wantShare)
			}
		}
	}
	t.Logf("municipalities with a time by public transport (Dresden-region feed): %d to a Mittelzentrum or higher, %d to an Oberzentrum", valued[layers.LevelMittelzentrum], valued[layers.LevelOberzentrum])
	if valued[layers.LevelOberzentrum] < 20 || valued[layers.LevelMittelzentrum] < 20 {
		t.Errorf("too few values to prove anything: %v", valued)
	}
	// Every departure reaches the nearest Mittelzentrum or higher no later than the
	// nearest Oberzentrum (one of them): whoever has a time to the latter has one to the
	// former.
	mz, oz := Key(layers.Transit, layers.LevelMittelzentrum), Key(layers.Transit, layers.LevelOberzentrum)
	for _, row := range rows {
		if _, ok := row.Minutes[oz]; !ok || isCentre[layers.LevelMittelzentrum][row.AGS] {
			continue
		}
		if _, ok := row.Minutes[mz]; !ok || row.NetworkShare[mz] < row.NetworkShare[oz] {
			t.Errorf("%s %s: a time to the Oberzentrum for %v of the residents, to a Mittelzentrum or higher for %v", row.AGS, row.Name, row.NetworkShare[oz], row.NetworkShare[mz])
		}
	}
}
