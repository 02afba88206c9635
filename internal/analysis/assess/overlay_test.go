package assess

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
)

// TestRoadUpgradeSearchEqualsRebuild: on the demo region, random upgrades
// of existing roads (one segment or a chain of them, to a random higher
// speed, with and without a category) assessed by searching from the
// changed edges give the dossier the network built anew gives: the same
// residents gaining, newly within the standard, per municipality and per
// category, the same Zentrale-Orte verdict, and per cell the same times to
// the millisecond rounding of the legs.
func TestRoadUpgradeSearchEqualsRebuild(t *testing.T) {
	r, _ := demoReader(t)
	eng, fast := build(t, r)
	ref := NewRebuilding(eng)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	roads := r.L.Roads
	byFrom := map[int64][]int{}
	for i, s := range roads {
		byFrom[s.FromNode] = append(byFrom[s.FromNode], i)
	}
	searched, checked := 0, 0
	cats := []layers.Category{"", layers.CatGeneralPractice, layers.CatPrimarySchool, layers.CatPharmacy}
	for trial := 0; trial < 60 && searched < 25; trial++ {
		i := rng.IntN(len(roads))
		s := roads[i]
		if !s.Car.Forward && !s.Car.Backward {
			continue
		}
		line := append(orb.LineString(nil), s.Geometry...)
		// Extend along a chain of up to four segments.
		for k, at := 0, s.ToNode; k < rng.IntN(4); k++ {
			next := byFrom[at]
			if len(next) == 0 {
				break
			}
			n := roads[next[rng.IntN(len(next))]]
			line = append(line, n.Geometry[1:]...)
			at = n.ToNode
		}
		p := layers.Project{ID: fmt.Sprintf("road-%d", trial), Title: "Ausbau", Kind: layers.KindRoadUpgrade, Category: cats[trial%len(cats)],
			Geometry: line, SpeedKmh: math.Round(s.Car.SpeedKmh + 10 + 60*rng.Float64()), InvestmentCost: 2e6, RequestedFunding: 1e6}
		want, err := ref.Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fast.Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Effect.Known {
			continue
		}
		checked++
		if strings.Contains(got.Effect.Method, "searched from the changed roads") {
			searched++
		}
		tag := fmt.Sprintf("%s (%d vertices, %v km/h, category %q)", p.ID, len(line), p.SpeedKmh, p.Category)
		if *got.Effect.Beneficiaries != *want.Effect.Beneficiaries || *got.Effect.NewlyWithinStandard != *want.Effect.NewlyWithinStandard ||
			got.Category != want.Category || got.ZentraleOrte.Verdict != want.ZentraleOrte.Verdict {
			t.Errorf("%s: searched %s: %d beneficiaries, %d newly, %s, %s; rebuilt: %d, %d, %s, %s", tag, got.Effect.Method,
				*got.Effect.Beneficiaries, *got.Effect.NewlyWithinStandard, got.Category, got.ZentraleOrte.Verdict,
				*want.Effect.Beneficiaries, *want.Effect.NewlyWithinStandard, want.Category, want.ZentraleOrte.Verdict)
		}
		if fmt.Sprint(got.ByMunicipality) != fmt.Sprint(want.ByMunicipality) {
			t.Errorf("%s: by municipality\n%v\nrebuilt\n%v", tag, got.ByMunicipality, want.ByMunicipality)
		}
		if g, w := categoryCounts(got.Details.Categories), categoryCounts(want.Details.Categories); g != w {
			t.Errorf("%s: categories %s, rebuilt %s", tag, g, w)
		}
		dg, err := fast.Difference(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		dw, err := ref.Difference(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(dg.Cells) != len(dw.Cells) {
			t.Errorf("%s: %d cells changed, rebuilt %d", tag, len(dg.Cells), len(dw.Cells))
			continue
		}
		for k := range dg.Cells {
			a, b := dg.Cells[k], dw.Cells[k]
			if a.CellID != b.CellID || math.Abs(*a.AfterSeconds-*b.AfterSeconds) > 0.01 {
				t.Errorf("%s: cell %s after %v s, rebuilt %s %v s", tag, a.CellID, *a.AfterSeconds, b.CellID, *b.AfterSeconds)
				break
			}
		}
	}
	t.Logf("%d upgrades compared, %d of them searched from the changed edges", checked, searched)
	if searched < 10 {
		t.Fatalf("only %d upgrades were searched from the changed edges; the test proves little", searched)
	}
}

// categoryCounts formats the per-category effects of a road dossier.
func categoryCounts(v []CategoryEffect) string {
	var b strings.Builder
	for _, c := range v {
		fmt.Fprintf(&b, "%s %d %d %d; ", c.Category, c.NewlyWithinStandard, c.Beneficiaries, c.CellsChanged)
	}
	return b.String()
}
