package need

import (
	"context"
	"math"
	"testing"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/layers"
)

func TestFireDemo(t *testing.T) {
	_, reg := demoStore(t)
	// One station gets its turn-out time from the settings.
	var first string
	for _, f := range reg.Facilities {
		if f.Category == layers.CatFireStation {
			first = f.ID
			break
		}
	}
	e, _ := demoEngine(t, analysis.Options{Modes: []layers.Mode{layers.Car}, Turnout: map[string]float64{first: 30}})
	s := New(e)
	ctx := context.Background()
	cells := e.PopulatedCells()
	res, err := s.Fire(ctx, FireQuery{Cells: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.LimitMinutes != 9 || res.Today.Residents != e.Stats().Population {
		t.Fatalf("limit %v, residents %d of %d", res.LimitMinutes, res.Today.Residents, e.Stats().Population)
	}
	// Arrival = least over stations of turn-out + reference drive, on a
	// sample of cells.
	step := max(1, len(cells)/15)
	var idx []int
	for i := 0; i < len(cells); i += step {
		idx = append(idx, i)
	}
	best := map[int]float64{}
	for _, i := range idx {
		best[i] = math.Inf(1)
	}
	var sum int64
	for _, st := range res.Today.Stations {
		sum += st.Residents
		k := -1
		for j, f := range e.FacilitiesOf(layers.CatFireStation) {
			if f.ID == st.ID {
				k = j
			}
		}
		if st.ID == first && (st.TurnoutMinutes != 0.5 || st.TurnoutSource != "settings") {
			t.Errorf("station %s: turn-out %v min from %s, want 0.5 from settings", st.ID, st.TurnoutMinutes, st.TurnoutSource)
		}
		// The drive from this station alone (the field of one origin is
		// checked against the reference Dijkstra in internal/analysis).
		one, err := ArrivalField(ctx, e, layers.CatFireStation, layers.Car, []Origin{{Facility: k}})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range idx {
			best[i] = math.Min(best[i], one.Seconds[i]+st.TurnoutMinutes*60)
		}
	}
	// The areas of first responsibility split the residents.
	if sum+res.Today.Unreached != res.Today.Residents || res.Today.Unreached > res.Today.Residents/50 {
		t.Errorf("areas of first responsibility hold %d residents, %d unreached, of %d", sum, res.Today.Unreached, res.Today.Residents)
	}
	for _, i := range idx {
		got := res.Today.CellsDetail[i].ArrivalMinutes
		if got == nil || math.Abs(*got-best[i]/60) > 0.006 {
			t.Fatalf("cell %s: arrival %v min, reference %v", cells[i].ID, got, best[i]/60)
		}
	}
	// A full-time station in the municipality with the lowest share lifts
	// its share; closing every station of it lowers it.
	worst := res.Today.Municipalities[0]
	for _, m := range res.Today.Municipalities {
		if m.Share < worst.Share {
			worst = m
		}
	}
	if worst.Share >= 1 {
		t.Skip("every municipality is covered: nothing to improve")
	}
	// Its cell farthest in time.
	far := -1
	for i, c := range cells {
		if c.AGS == worst.AGS && (far < 0 || ptrVal(res.Today.CellsDetail[i].ArrivalMinutes) > ptrVal(res.Today.CellsDetail[far].ArrivalMinutes)) {
			far = i
		}
	}
	ll, err := crs.ToLonLat(crs.UTM33N, cells[far].UTM)
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Fire(ctx, FireQuery{Add: []FireSite{{Name: "Neue Wache", Location: ll, FullTime: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var ch *FireChange
	for k := range after.Changes {
		if after.Changes[k].AGS == worst.AGS {
			ch = &after.Changes[k]
		}
	}
	if ch == nil || ch.ShareAfter <= ch.ShareBefore || ch.ResidentsGained <= 0 {
		t.Fatalf("new station in %s: change %+v", worst.Name, ch)
	}
	for _, c := range after.Changes {
		if c.ResidentsGained < 0 {
			t.Errorf("adding a station lost residents in %s", c.Name)
		}
	}
	closed, err := s.Fire(ctx, FireQuery{Close: []string{first}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range closed.Changes {
		if c.ResidentsGained > 0 {
			t.Errorf("closing a station gained residents in %s", c.Name)
		}
	}
	if _, err := s.Fire(ctx, FireQuery{Close: []string{"nope"}}); err == nil {
		t.Error("closing an unknown station: no error")
	}
}
