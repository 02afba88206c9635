package analysis

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// snapshotFeed is a small timetable using every field the snapshot carries.
func snapshotFeed() *layers.TransitFeed {
	f := &layers.TransitFeed{Name: "Testverbund",
		Agencies: []layers.TransitAgency{{ID: "A", Name: "Verkehrsbetrieb", URL: "https://example.org", Timezone: "Europe/Berlin"}},
		Stops: []layers.TransitStop{
			{ID: "s1", Name: "Markt", Lon: 13.1, Lat: 51.1, Pos: orb.Point{400000.5, 5660000.25}, Parent: "p1"},
			{ID: "s2", Name: "Bahnhof", Lon: 13.2, Lat: 51.2, Pos: orb.Point{407000, 5671000}, LocationType: 0},
			{ID: "p1", Name: "Markt (Station)", Lon: 13.1, Lat: 51.1, LocationType: 1},
		},
		Routes:        []layers.TransitRoute{{ID: "R1", AgencyID: "A", ShortName: "1", LongName: "Markt – Bahnhof", Type: 3}},
		Services:      []layers.TransitService{{ID: "wk", Weekdays: [7]bool{true, true, true, true, true}, Start: 20230101, End: 20231231, Added: []int{20230107}, Removed: []int{20230111, 20230112}}, {ID: "extra", Added: []int{20230111}}},
		Trips:         []layers.TransitTrip{{ID: "t1", Route: 0, Service: 0, Headsign: "Bahnhof"}, {ID: "t2", Route: 0, Service: 1}},
		Frequencies:   []layers.TransitFrequency{{Trip: 0, Start: 6 * 3600, End: 9 * 3600, Headway: 600, ExactTimes: true}},
		Transfers:     []layers.TransitTransfer{{From: 0, To: 1, Type: 2, MinTime: 240}, {From: 1, To: 0, Type: 0, MinTime: -1}},
		StopTimeStart: []uint32{0, 2, 4},
		StopIdx:       []uint32{0, 1, 1, 0},
		Arr:           []int32{-300, 600, 25*3600 + 10, 25*3600 + 700},
		Dep:           []int32{-300, 660, 25*3600 + 20, 25*3600 + 700},
	}
	if err := f.Check(); err != nil {
		panic(err)
	}
	return f
}

// TestSnapshotCarriesTimetable writes the snapshot of an engine with a versioned timetable and
// builds from it without loading the timetable; without a version the snapshot carries none
// and the timetable is loaded.
func TestSnapshotCarriesTimetable(t *testing.T) {
	ctx := context.Background()
	st, info := demoStore(t, 1)
	feed := snapshotFeed()
	versioned := info
	versioned.Versions = maps.Clone(info.Versions)
	versioned.Versions[TransitVersion] = "sha256:0123 loaded 2026-01-01"
	ref, err := Build(ctx, st, Options{Info: versioned, Now: snapNow, Transit: feed})
	if err != nil {
		t.Fatal(err)
	}
	data := writeSnapshot(t, ref)
	d, err := snapshot.Read(bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Transit, feed) {
		t.Fatalf("timetable read back: got %+v, want %+v", d.Transit, feed)
	}
	loads := 0
	load := func(context.Context) (*layers.TransitFeed, error) {
		loads++
		return feed, nil
	}
	got, err := Build(ctx, st, Options{Info: versioned, Now: snapNow, Snapshot: bytes.NewReader(data), LoadTransit: load})
	if err != nil {
		t.Fatalf("Build from snapshot: %v", err)
	}
	if loads != 0 || !got.Stats().TransitFromSnapshot || !reflect.DeepEqual(got.TransitFeed(), feed) {
		t.Errorf("from the snapshot: %d loads, from snapshot %v, same timetable %v; want 0, true, true",
			loads, got.Stats().TransitFromSnapshot, reflect.DeepEqual(got.TransitFeed(), feed))
	}

	// Damage inside the timetable block is caught by its checksum.
	block := snapshot.AppendTransit(nil, feed)
	at := bytes.Index(data, block[:40])
	if at < 0 {
		t.Fatal("timetable block not found in the snapshot")
	}
	for _, off := range []int{0, len(block) / 2, len(block) - 1} {
		bad := bytes.Clone(data)
		bad[at+off] ^= 0x20
		if _, err := snapshot.Read(bytes.NewReader(bad), nil); !errors.Is(err, ErrSnapshot) {
			t.Errorf("timetable byte %d flipped: error %v, want ErrSnapshot", off, err)
		}
	}

	// No data version names the timetable: the snapshot leaves it out, Build loads it.
	ref, err = Build(ctx, st, Options{Info: info, Now: snapNow, Transit: feed})
	if err != nil {
		t.Fatal(err)
	}
	data = writeSnapshot(t, ref)
	if d, err := snapshot.Read(bytes.NewReader(data), nil); err != nil || d.Transit != nil {
		t.Fatalf("unversioned timetable: read %v, carried %v; want none", err, d != nil && d.Transit != nil)
	}
	got, err = Build(ctx, st, Options{Info: info, Now: snapNow, Snapshot: bytes.NewReader(data), LoadTransit: load})
	if err != nil {
		t.Fatal(err)
	}
	if loads != 1 || got.Stats().TransitFromSnapshot || got.TransitFeed() != feed {
		t.Errorf("unversioned: %d loads, from snapshot %v; want 1 load", loads, got.Stats().TransitFromSnapshot)
	}
}
