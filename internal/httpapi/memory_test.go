package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"

	"reach/data/demo"
	"reach/internal/httpapi"
	"reach/layers"
	"reach/layers/memory"
)

// TestDemoRegionPaging serves the embedded store with the demo region and
// pages through every collection with next links: every feature the store
// holds is served exactly once and numberMatched agrees.
func TestDemoRegionPaging(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.WithSynthetic(true))
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.Deps{Features: st, Store: st})
	want := map[string]int{}
	ms, _ := st.Municipalities(ctx)
	want[layers.CollMunicipalities] = len(ms)
	cps, _ := st.CentralPlaces(ctx)
	want[layers.CollCentralPlaces] = len(cps)
	fs, _ := st.Facilities(ctx)
	want[layers.CollFacilities] = len(fs)
	ps, _ := st.Projects(ctx)
	want[layers.CollProjects] = len(ps)
	for coll, n := range want {
		seen := map[string]bool{}
		next := "/collections/" + coll + "/items?limit=500"
		for next != "" {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", next, nil))
			if w.Code != 200 {
				t.Fatalf("GET %s: %d %s", next, w.Code, w.Body.String())
			}
			var doc struct {
				NumberMatched int `json:"numberMatched"`
				Features      []struct {
					ID string `json:"id"`
				} `json:"features"`
				Links []struct{ Href, Rel string } `json:"links"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.NumberMatched != n {
				t.Errorf("%s: numberMatched %d, store holds %d", coll, doc.NumberMatched, n)
			}
			for _, f := range doc.Features {
				if seen[f.ID] {
					t.Errorf("%s: feature %s served twice", coll, f.ID)
				}
				seen[f.ID] = true
			}
			next = ""
			for _, l := range doc.Links {
				if l.Rel == "next" {
					u, _ := url.Parse(l.Href)
					next = u.RequestURI()
				}
			}
		}
		if len(seen) != n || n == 0 {
			t.Errorf("%s: served %d features, store holds %d", coll, len(seen), n)
		}
	}
}
