package timetable

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
)

// TestWrite: the records go out parents first (the reverse of the order
// Tables are emptied in), stop times carry their trip and position, empty
// texts and unknown transfer times become NULL, and a copy error stops the
// write.
func TestWrite(t *testing.T) {
	f := &layers.TransitFeed{
		Name:     "test",
		Agencies: []layers.TransitAgency{{ID: "a", Name: "Agency"}},
		Stops: []layers.TransitStop{{ID: "s0", Name: "Zero", Lon: 13.7, Lat: 51.05, Pos: orb.Point{411000, 5656000}},
			{ID: "s1", Name: "One"}},
		Routes:        []layers.TransitRoute{{ID: "r", AgencyID: "a", ShortName: "1", Type: 3}},
		Services:      []layers.TransitService{{ID: "wk", Weekdays: [7]bool{true, true, true, true, true}, Start: 20260101, End: 20261231}},
		Trips:         []layers.TransitTrip{{ID: "t0", Headsign: "Zero"}, {ID: "t1"}},
		Frequencies:   []layers.TransitFrequency{{Trip: 1, Start: 0, End: 3600, Headway: 600}},
		Transfers:     []layers.TransitTransfer{{From: 0, To: 1, Type: 2, MinTime: 120}, {From: 1, To: 0, Type: 0, MinTime: -1}},
		StopTimeStart: []uint32{0, 3, 5},
		StopIdx:       []uint32{0, 1, 0, 1, 0},
		Arr:           []int32{0, 60, 120, 300, 360},
		Dep:           []int32{0, 60, 120, 300, 360},
	}
	var order []string
	rows := map[string][][]any{}
	err := Write(f, func(table string, cols []string, n int, row func(int) ([]any, error)) error {
		order = append(order, table)
		for i := range n {
			v, err := row(i)
			if err != nil {
				return err
			}
			if len(v) != len(cols) {
				t.Fatalf("%s row %d: %d values for %d columns", table, i, len(v), len(cols))
			}
			rows[table] = append(rows[table], v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(Tables[:len(Tables)-1])
	slices.Reverse(want)
	if !reflect.DeepEqual(order, want) {
		t.Errorf("tables written %v, want %v", order, want)
	}
	var pos [][2]any
	for _, r := range rows["transit_stop_times"] {
		pos = append(pos, [2]any{r[0], r[1]})
	}
	if wantPos := [][2]any{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}}; !reflect.DeepEqual(pos, wantPos) {
		t.Errorf("stop time (trip, position) %v, want %v", pos, wantPos)
	}
	if a := rows["transit_agencies"][0]; a[3] != nil || a[4] != nil {
		t.Errorf("empty url and timezone: %v, want NULL", a)
	}
	if s := rows["transit_stops"]; s[0][7] == nil || s[1][7] != nil {
		t.Errorf("stop geometries %v, %v: want one for the stop with a position only", s[0][7], s[1][7])
	}
	if x := rows["transit_transfers"]; x[0][3] != int32(120) || x[1][3] != nil {
		t.Errorf("transfer times %v, %v: want 120 and NULL", x[0][3], x[1][3])
	}
	if sv := rows["transit_services"][0]; !reflect.DeepEqual(sv[5], []int{}) || !reflect.DeepEqual(sv[6], []int{}) {
		t.Errorf("no exceptions: %v, %v, want empty arrays", sv[5], sv[6])
	}

	stop := errors.New("copy failed")
	n := 0
	err = Write(f, func(string, []string, int, func(int) ([]any, error)) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("after a failed copy: %v after %d copies, want the copy's error after 1", err, n)
	}
}
