package assess

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/layers"
)

// TestDifferenceMatchesAssessment: for every demo proposal the cells of
// its difference sum to the assessment's beneficiaries and residents newly
// within the standard, each cell's flags follow from its times and the
// standard, and the times before are the published travel times.
func TestDifferenceMatchesAssessment(t *testing.T) {
	r, _ := demoReader(t)
	eng, e := build(t, r)
	ctx := context.Background()
	as, err := e.AssessAll(ctx, r.L.Projects)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Assessment{}
	for _, a := range as {
		byID[a.ProjectID] = a
	}
	withNewly := 0
	for _, p := range r.L.Projects {
		t.Run(p.ID, func(t *testing.T) {
			d, err := e.Difference(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			a := byID[p.ID]
			if d.Known != a.Effect.Known {
				t.Fatalf("known %v, assessment says %v", d.Known, a.Effect.Known)
			}
			if !d.Known {
				if d.Reason == "" || d.Reason != a.Effect.Reason || len(d.Cells) != 0 {
					t.Fatalf("unknown effect: reason %q (assessment %q), %d cells", d.Reason, a.Effect.Reason, len(d.Cells))
				}
				return
			}
			if d.Beneficiaries != *a.Effect.Beneficiaries || d.NewlyWithinStandard != *a.Effect.NewlyWithinStandard {
				t.Fatalf("beneficiaries %d, newly %d; assessment %d, %d", d.Beneficiaries, d.NewlyWithinStandard,
					*a.Effect.Beneficiaries, *a.Effect.NewlyWithinStandard)
			}
			if d.NewlyWithinStandard > 0 {
				withNewly++
			}
			tts, err := eng.TravelTimes(ctx, d.Category, d.Mode)
			if err != nil {
				t.Fatal(err)
			}
			before := map[string]analysis.TravelTime{}
			for _, tt := range tts {
				before[tt.CellID] = tt
			}
			limit := d.StandardMinutes * 60
			var sumBen, sumNewly int64
			for i, c := range d.Cells {
				if i > 0 && d.Cells[i-1].CellID >= c.CellID {
					t.Fatalf("cells not ascending at %d: %s after %s", i, c.CellID, d.Cells[i-1].CellID)
				}
				tt, ok := before[c.CellID]
				if !ok {
					t.Fatalf("cell %s is not a populated cell", c.CellID)
				}
				if p.Kind != layers.KindRoadUpgrade {
					// A road upgrade measures before on its own network
					// build; the others on the published field.
					if tt.Reached != (c.BeforeSeconds != nil) || (tt.Reached && math.Abs(tt.Seconds-*c.BeforeSeconds) > 1e-6) {
						t.Fatalf("cell %s: before %v, travel times say reached %v %.3f s", c.CellID, c.BeforeSeconds, tt.Reached, tt.Seconds)
					}
				}
				b, aft := math.Inf(1), math.Inf(1)
				if c.BeforeSeconds != nil {
					b = *c.BeforeSeconds
				}
				if c.AfterSeconds != nil {
					aft = *c.AfterSeconds
				}
				if want := b > limit && aft <= limit; c.NewlyWithinStandard != want {
					t.Fatalf("cell %s: newly_within_standard %v with %.1f → %.1f s, limit %.0f s", c.CellID, c.NewlyWithinStandard, b, aft, limit)
				}
				gained := b-aft >= MinImprovementS
				if !gained && !c.Served && !c.NewlyWithinStandard {
					t.Fatalf("cell %s: listed without gain (%.1f → %.1f s), service or new coverage", c.CellID, b, aft)
				}
				if c.NewlyReached != (math.IsInf(b, 1) && !math.IsInf(aft, 1)) {
					t.Fatalf("cell %s: newly_reached %v with %.1f → %.1f", c.CellID, c.NewlyReached, b, aft)
				}
				if (c.GainSeconds == nil) != (math.IsInf(b, 1) || math.IsInf(aft, 1)) || (c.GainSeconds != nil && *c.GainSeconds != b-aft) {
					t.Fatalf("cell %s: gain %v with %.1f → %.1f", c.CellID, c.GainSeconds, b, aft)
				}
				poly, ok := c.Geometry.(orb.Polygon)
				if !ok || !poly.Bound().Contains(tt.Center) {
					t.Fatalf("cell %s: geometry %v does not hold its centre %v", c.CellID, c.Geometry, tt.Center)
				}
				if gained || c.Served {
					sumBen += c.Population
				}
				if c.NewlyWithinStandard {
					sumNewly += c.Population
				}
			}
			if sumBen != d.Beneficiaries || sumNewly != d.NewlyWithinStandard {
				t.Fatalf("cells sum to %d beneficiaries and %d newly; totals say %d and %d", sumBen, sumNewly, d.Beneficiaries, d.NewlyWithinStandard)
			}
		})
	}
	if withNewly == 0 {
		t.Fatal("no demo proposal brings anyone newly within the standard; the test checks nothing of that")
	}
}

// TestDifferenceNewFacilityIsAFacility: the times after a new facility are
// those of an engine built with that facility loaded as an existing one.
func TestDifferenceNewFacilityIsAFacility(t *testing.T) {
	r, _ := demoReader(t)
	var p layers.Project
	for _, q := range r.L.Projects {
		if _, ok := q.Geometry.(orb.Point); ok && q.Kind == layers.KindNewFacility {
			p = q
			break
		}
	}
	if p.ID == "" {
		t.Fatal("the demo has no new facility at one point")
	}
	_, e := build(t, r)
	ctx := context.Background()
	d, err := e.Difference(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Known || len(d.Cells) == 0 {
		t.Fatalf("difference of %s: known %v, %d cells; the test needs changed cells", p.ID, d.Known, len(d.Cells))
	}
	with := *r
	with.L.Facilities = append(append([]layers.Facility(nil), r.L.Facilities...), layers.Facility{ID: "test:new", Category: d.Category,
		Name: "new", Location: p.Geometry.(orb.Point), Source: "test"})
	e2, _ := build(t, &with)
	after, err := e2.TravelTimes(ctx, d.Category, d.Mode)
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]analysis.TravelTime{}
	for _, tt := range after {
		byCell[tt.CellID] = tt
	}
	for _, c := range d.Cells {
		tt := byCell[c.CellID]
		if c.AfterSeconds == nil {
			t.Fatalf("cell %s: changed but unreached after", c.CellID)
		}
		if !tt.Reached || math.Abs(tt.Seconds-*c.AfterSeconds) > 0.5 {
			t.Fatalf("cell %s: after %.2f s; with the facility loaded %.2f s (reached %v)", c.CellID, *c.AfterSeconds, tt.Seconds, tt.Reached)
		}
	}
}
