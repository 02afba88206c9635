package demo_test

import (
	"context"
	"testing"

	"reach/data/demo"
	"reach/layers"
	"reach/layers/memory"
)

// TestLoadIntoMemoryStore loads the default region into the embedded
// store and reads every layer back.
func TestLoadIntoMemoryStore(t *testing.T) {
	ctx := context.Background()
	r, err := demo.Generate(demo.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	s := memory.New(memory.WithInfo(r.Info()))
	if err := r.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	info, _ := s.Info(ctx)
	if !info.Synthetic || info.Title != demo.Title {
		t.Errorf("Info = %+v", info)
	}
	ms, _ := s.Municipalities(ctx)
	cs, _ := s.Cells(ctx)
	ps, _ := s.CentralPlaces(ctx)
	fs, _ := s.Facilities(ctx)
	pr, _ := s.Projects(ctx)
	mb, _ := s.Memberships(ctx)
	roads := 0
	for _, err := range s.Roads(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		roads++
	}
	counts := []struct {
		name      string
		got, want int
	}{
		{"municipalities", len(ms), len(r.Municipalities)},
		{"cells", len(cs), len(r.Cells)},
		{"central places", len(ps), len(r.CentralPlaces)},
		{"facilities", len(fs), len(r.Facilities)},
		{"projects", len(pr), len(r.Projects)},
		{"memberships", len(mb), len(r.Memberships)},
		{"roads", roads, len(r.Roads)},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: store holds %d, region %d", c.name, c.got, c.want)
		}
	}
	for _, id := range layers.CollectionIDs() {
		c, err := s.Collection(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Synthetic || c.Extent.IsEmpty() {
			t.Errorf("collection %s: synthetic %v, extent %v", id, c.Synthetic, c.Extent)
		}
		p, err := s.Items(ctx, layers.ItemsQuery{Collection: id, Limit: 10})
		if err != nil || len(p.Features) == 0 {
			t.Errorf("items of %s: %d features, %v", id, len(p.Features), err)
		}
	}
	// Loading again gives the same state.
	if err := demo.Load(ctx, s, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Cells(ctx)
	if len(again) != len(cs) {
		t.Errorf("reload: %d cells, want %d", len(again), len(cs))
	}
}
