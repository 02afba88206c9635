package query_test

import (
	"slices"
	"testing"

	"reach/layers"
	"reach/layers/query"
)

func TestPageOf(t *testing.T) {
	feats := func(ids ...string) []layers.Feature {
		out := make([]layers.Feature, len(ids))
		for i, id := range ids {
			out[i] = layers.Feature{ID: id}
		}
		return out
	}
	tests := []struct {
		name       string
		collection string
		ids        []string
		after      string
		limit      int
		want       []string
		next       string
	}{
		{"first page", layers.CollFacilities, []string{"c", "a", "b"}, "", 2, []string{"a", "b"}, "b"},
		{"last page", layers.CollFacilities, []string{"c", "a", "b"}, "b", 2, []string{"c"}, ""},
		{"exact fit has no next", layers.CollFacilities, []string{"b", "a"}, "", 2, []string{"a", "b"}, ""},
		{"cursor past the end", layers.CollFacilities, []string{"a", "b"}, "z", 2, nil, ""},
		{"cursor between ids", layers.CollFacilities, []string{"a", "c", "e"}, "b", 5, []string{"c", "e"}, ""},
		{"road ids numerically", layers.CollRoads, []string{"10", "9", "100"}, "9", 1, []string{"10"}, "10"},
		{"limit 0 means 10", layers.CollFacilities, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, "", 0,
			[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, "j"},
		{"empty", layers.CollFacilities, nil, "", 3, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := query.PageOf(tt.collection, feats(tt.ids...), tt.after, tt.limit)
			var got []string
			for _, f := range p.Features {
				got = append(got, f.ID)
			}
			if !slices.Equal(got, tt.want) || p.Next != tt.next {
				t.Errorf("got %v next %q, want %v next %q", got, p.Next, tt.want, tt.next)
			}
			if p.NumberMatched != len(tt.ids) {
				t.Errorf("numberMatched %d, want %d", p.NumberMatched, len(tt.ids))
			}
		})
	}
}
