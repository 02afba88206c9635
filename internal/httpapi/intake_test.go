package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"reach/data/demo"
	"reach/layers"
	"reach/layers/memory"
)

// TestProjectIntakeReportsAllFields: a proposal with many bad fields at
// once is answered with one 422 problem that names every one of them —
// the schema's, the record's own rules (layers.Project.Validate), the
// geometry and the municipalities not loaded — on POST and on PUT, and
// nothing is stored.
func TestProjectIntakeReportsAllFields(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.WithSynthetic(true))
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	_, h := build(Deps{Features: st, Store: st, Analyzer: needFake{&fakeAnalyzer{}},
		Info: layers.StoreInfo{Kind: "memory", Synthetic: true}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	ms, err := st.Municipalities(ctx)
	if err != nil || len(ms) == 0 {
		t.Fatalf("no municipality in the demo region: %v", err)
	}
	known := ms[0].AGS
	good := `{"type":"Feature","id":"multi-1","geometry":{"type":"Point","coordinates":[13.95,50.93]},` +
		`"properties":{"title":"Praxis","municipalities":["` + known + `"],"category":"general_practice","kind":"new_facility"}}`
	if w := send(h, "POST", "/projects", "application/json", good); w.Code != 201 {
		t.Fatalf("the valid proposal: %d %s", w.Code, w.Body.String())
	}
	bad := `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[13.9,50.9],[13.95,50.95],[13.95,50.9],[13.9,50.95],[13.9,50.9]]]},` +
		`"properties":{"title":"","municipalities":["` + known + `","99999999","1462"],"category":"bakery","kind":"area_service",` +
		`"investment_cost":-5,"requested_funding":2e8,"status":"maybe","innovation":11,"budget":3}}`
	want := []string{"geometry", "properties.title", "properties.municipalities[1]", "properties.municipalities[2]",
		"properties.category", "properties.investment_cost", "properties.requested_funding", "properties.status",
		"properties.innovation", "properties.budget"}
	for _, c := range []struct{ method, target string }{{"POST", "/projects"}, {"PUT", "/projects/multi-1"}} {
		req := httptest.NewRequest(c.method, c.target, strings.NewReader(bad))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", `"r1"`)
		req.RemoteAddr = "127.0.0.1:40000"
		r := httptest.NewRecorder()
		h.ServeHTTP(r, req)
		var p Problem
		if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil || r.Code != 422 {
			t.Fatalf("%s: %d %s, want one 422 problem", c.method, r.Code, r.Body.String())
		}
		var got []string
		for _, ip := range p.InvalidParams {
			name := ip.Name
			if strings.HasPrefix(name, "geometry[") { // the position of the self-intersection
				name = "geometry"
			}
			got = append(got, name)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: invalid_params %q do not name %s", c.method, got, w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d invalid params %q, want the %d of %q, each once", c.method, len(got), got, len(want), want)
		}
	}
	ps, _ := st.Projects(ctx)
	n := 0
	for _, p := range ps {
		if p.Source == "api" {
			n++
			if p.ID != "multi-1" || p.Revision != 1 {
				t.Errorf("stored %s revision %d; want only multi-1 at revision 1", p.ID, p.Revision)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d proposals from the API stored, want 1", n)
	}
}
