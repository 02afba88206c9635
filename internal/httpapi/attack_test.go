package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"reach/data/demo"
	"reach/internal/analysis/need"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/postgis"
)

// attack is one bad request and the parameter or field its answer must name.
type attack struct {
	method, target, ct, body string
	// names are the parameter or field names of which the problem must
	// name at least one.
	names []string
}

// TestAttackCorpus sends well over a thousand bad requests (bad, missing
// and wrongly typed parameters on every collection, bad ids and tiles,
// malformed bodies, wrong content types, null coordinates, huge numbers,
// unknown fields) to the handler over the memory store and over PostGIS,
// both holding the demo region. No answer may be a 5xx, and every 4xx must
// name the offending parameter or field in invalid_params.
func TestAttackCorpus(t *testing.T) {
	ctx := context.Background()
	stores := map[string]func(t *testing.T) layers.Store{
		"memory": func(t *testing.T) layers.Store { return memory.New(memory.WithSynthetic(true)) },
		"postgis": func(t *testing.T) layers.Store {
			s, err := postgis.Open(ctx, pgtest.New(t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(s.Close)
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			return s
		},
	}
	for _, name := range []string{"memory", "postgis"} {
		t.Run(name, func(t *testing.T) {
			st := stores[name](t)
			if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
				t.Fatalf("demo.Load: %v", err)
			}
			_, h := build(Deps{
				Features: st, Store: st, Analyzer: needFake{&fakeAnalyzer{}},
				Info:        layers.StoreInfo{Kind: name, Title: "Demo", Synthetic: true},
				Logger:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
				Unavailable: postgis.IsUnavailable,
			})
			corpus := attackCorpus(t, h)
			if len(corpus) < 1000 {
				t.Fatalf("corpus has %d requests, want at least 1000", len(corpus))
			}
			start := time.Now()
			bad := 0
			for _, a := range corpus {
				w := send(h, a.method, a.target, a.ct, a.body)
				if msg := judge(w, a); msg != "" {
					bad++
					if bad <= 40 {
						t.Errorf("%s %.200s %.300q: %s", a.method, a.target, a.body[strings.Index(a.body, "properties")+1:], msg)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d bad requests were answered wrongly", bad, len(corpus))
			}
			t.Logf("%s: %d bad requests in %v", name, len(corpus), time.Since(start).Round(time.Millisecond))

			// A proposal naming an AGS that is not loaded is refused naming
			// it; one naming a loaded municipality is stored.
			page, err := st.Items(ctx, layers.ItemsQuery{Collection: layers.CollMunicipalities, Limit: 1})
			if err != nil || len(page.Features) == 0 {
				t.Fatalf("no municipality in the demo region: %v", err)
			}
			known := page.Features[0].ID
			unknown := strings.Replace(strings.Replace(proposalBody, `"14628110"`, `"`+known+`","99999999"`, 1), "attack-1", "ags-1", 1)
			w := send(h, "POST", "/projects", "application/json", unknown)
			var p Problem
			_ = json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != 422 || len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != "properties.municipalities[1]" || p.InvalidParams[0].Value != "99999999" {
				t.Errorf("unknown AGS: %d %+v, want 422 naming properties.municipalities[1]=99999999", w.Code, p.InvalidParams)
			}
			ok := strings.Replace(strings.Replace(proposalBody, `"14628110"`, `"`+known+`"`, 1), "attack-1", "ags-2", 1)
			if w := send(h, "POST", "/projects", "application/json", ok); w.Code != 201 {
				t.Errorf("proposal in municipality %s: %d %s", known, w.Code, w.Body.String())
			}
		})
	}
}

func send(h http.Handler, method, target, ct, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" || method == "POST" {
		r = httptest.NewRequest(method, "/", strings.NewReader(body))
	} else {
		r = httptest.NewRequest(method, "/", nil)
	}
	// Set the target raw so that bad escapes and bytes reach the handler.
	r.RequestURI = target
	if u, err := url.ParseRequestURI(target); err == nil {
		r.URL = u
	} else {
		path, query, _ := strings.Cut(target, "?")
		r.URL = &url.URL{Path: path, RawQuery: query}
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	r.Header.Set("Accept", "application/json")
	r.RemoteAddr = "127.0.0.1:40000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// judge returns why the answer to a is wrong, or "".
func judge(w *httptest.ResponseRecorder, a attack) string {
	if w.Code >= 500 {
		return fmt.Sprintf("status %d: %.300s", w.Code, w.Body.String())
	}
	if w.Code < 400 {
		return fmt.Sprintf("status %d, want a 4xx", w.Code)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		return fmt.Sprintf("status %d with a body that is no problem document: %v: %.200s", w.Code, err, w.Body.String())
	}
	for _, ip := range p.InvalidParams {
		for _, n := range a.names {
			if ip.Name == n || strings.HasPrefix(ip.Name, n+".") || strings.HasPrefix(ip.Name, n+"[") {
				return ""
			}
		}
	}
	return fmt.Sprintf("status %d names %+v, want one of %v", w.Code, p.InvalidParams, a.names)
}

// attackCorpus builds the bad requests from what the handler serves: every
// collection and the types of its queryables.
func attackCorpus(t *testing.T, h http.Handler) []attack {
	t.Helper()
	w := send(h, "GET", "/collections?f=json", "", "")
	var colls struct {
		Collections []struct {
			ID string `json:"id"`
		} `json:"collections"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &colls); err != nil || len(colls.Collections) == 0 {
		t.Fatalf("/collections: %d %v %.200s", w.Code, err, w.Body.String())
	}
	var out []attack
	get := func(target string, names ...string) {
		out = append(out, attack{method: "GET", target: target, names: names})
	}
	long := strings.Repeat("x", 5000)
	badBBox := []string{"1,2,3", "x", "13,52,14,51", "13,-95,14,51", "1,2,3,4,5", "NaN,1,2,3", "1e999,0,1,1",
		"%FF", "%00", ",,,", "13,51,14,52,0,1,2", "-181,0,0,1", "Inf,0,1,1", long}
	badCRS := []string{"EPSG:31468", "nope", "%FF", "%00", "http://www.opengis.net/def/crs/EPSG/0/99999", long}
	badLimit := []string{"0", "-1", "abc", "1.5", "-99999999999999999999", "%FF", "%00", "1e3", "0x10"}
	badCursor := []string{"AAAAAAAAAAAAAAAAAAAAAAAA", "%FF", "%00", "!!!", long, "e30"}
	badF := []string{"xml", "%FF", "%00", "json%00"}
	badValues := map[string][]string{
		"boolean": {"maybe", "2", "yes please", "%FF", "%00", "TRUE1"},
		"integer": {"abc", "1.5", "1e999", "99999999999999999999999", "%FF", "%00", "NaN"},
		"number":  {"abc", "1e999", "NaN", "Inf", "%FF", "%00", "1,5"},
		"string":  {"%FF", "%00", "a%00b", "%C3%28"},
	}
	for _, c := range colls.Collections {
		items := "/collections/" + c.ID + "/items"
		tile := "/collections/" + c.ID + "/tiles/WebMercatorQuad/8/86/137"
		for _, base := range []string{items, tile} {
			for _, v := range badBBox {
				get(base+"?bbox="+v, "bbox")
			}
			for _, v := range badCRS {
				get(base+"?bbox-crs="+v+"&bbox=1,2,3,4", "bbox-crs")
				if base == items {
					get(base+"?crs="+v, "crs")
				}
			}
			for _, v := range []string{"1", "%FF", "%00"} {
				get(base+"?no_such_parameter="+v, "no_such_parameter")
				get(base+"?%FF="+v, "\uFFFD", "%FF", "\xff")
			}
		}
		for _, v := range badLimit {
			get(items+"?limit="+v, "limit")
		}
		for _, v := range badCursor {
			get(items+"?cursor="+v, "cursor")
		}
		for _, v := range badF {
			get(items+"?f="+v, "f")
		}
		get(items+"?filter=population%20%3E", "filter")
		get(items+"?filter=%FF", "filter")
		get(items+"?filter=%00", "filter")
		get(items+"?filter-lang=nope&filter=a=1", "filter-lang")
		get(items+"?datetime=yesterday", "datetime")
		// Ids that cannot be: bad bytes and very long.
		for _, id := range []string{"%FF", "%00", "a%00b", "%C3%28", long} {
			// Bad bytes anywhere in the path are refused naming the path.
			get(items+"/"+id, "featureId", "path")
			get(items+"/"+id+"?f=json", "featureId", "path")
		}
		// Tiles out of range or not numbers.
		for _, zxy := range []string{"a/0/0", "-1/0/0", "99/0/0", "3/8/0", "3/0/8", "3/-1/0", "%FF/0/0", "3/%00/0", "99999999999999999999/0/0", "3/0/x"} {
			names := []string{"tileMatrix", "tileRow", "tileCol", "path"}
			get("/collections/"+c.ID+"/tiles/WebMercatorQuad/"+zxy, names...)
		}
		// Wrongly typed values of every queryable.
		w := send(h, "GET", "/collections/"+c.ID+"/queryables?f=json", "", "")
		var q struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &q); err != nil {
			t.Fatalf("queryables of %s: %v", c.ID, err)
		}
		props := make([]string, 0, len(q.Properties))
		for p := range q.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			typ := q.Properties[p].Type
			if p == "geometry" || typ == "" {
				continue
			}
			for _, v := range badValues[typ] {
				get(items+"?"+url.QueryEscape(p)+"="+v, p)
				get(tile+"?"+url.QueryEscape(p)+"="+v, p)
			}
		}
	}
	// Bad ids of projects.
	for _, id := range []string{"%FF", "%00", "a%00b", long} {
		get("/projects/"+id, "projectId", "path")
		get("/projects/"+id+"/assessment", "projectId", "path")
	}
	for _, v := range []string{"-5", "abc", "NaN", "1e999", "%FF", "%00"} {
		get("/ranking?budget="+v, "budget")
	}

	// Bodies.
	post := func(target, ct, body string, names ...string) {
		out = append(out, attack{method: "POST", target: target, ct: ct, body: body, names: names})
	}
	valid := map[string]string{
		"/analyses/matrix":     `{"mode":"car","sources":[[13.7,51.0]],"destinations":[[13.9,51.0]]}`,
		"/analyses/isochrones": `{"mode":"car","origins":[[13.73,51.05]],"minutes":[10,20]}`,
		"/analyses/sites":      `{"category":"general_practice","mode":"car","k":3}`,
		"/analyses/need":       `{"category":"general_practice","mode":"car"}`,
		"/analyses/gaps":       `{"category":"general_practice","mode":"car"}`,
		"/analyses/fire":       `{"add":[{"name":"Neu","point":[13.7,51.0],"full_time":false}]}`,
		"/analyses/round-trip": `{"category":"general_practice","arrive_by":"2023-01-11T10:00","stay_minutes":60,"home_by":"2023-01-11T20:00"}`,
		"/projects":            proposalBody,
	}
	targets := make([]string, 0, len(valid))
	for k := range valid {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	malformed := []string{"", "{", "[]", "null", "42", `"x"`, "{\"mode\":", "{\"a\":1}{}", "\xff\xfe", "{\"mode\":\"car\x00\"}",
		`{"mode":"car",}`, "{'mode':'car'}", strings.Repeat("[", 10000)}
	for _, tg := range targets {
		for _, b := range malformed {
			post(tg, "application/json", b, "body")
		}
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", ""} {
			post(tg, ct, valid[tg], "Content-Type")
		}
		// Unknown fields, and every field replaced by values of the wrong type.
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(valid[tg]), &obj); err != nil {
			t.Fatalf("%s: %v", tg, err)
		}
		if tg != "/projects" { // a Feature may have foreign members (RFC 7946 6.1); its properties may not
			post(tg, "application/json", strings.Replace(valid[tg], "{", `{"no_such_field":1,`, 1), "no_such_field")
		}
		fields := make([]string, 0, len(obj))
		for k := range obj {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		for _, f := range fields {
			for _, v := range []string{`"\u0000"`, `"\ud800"`, `1e999`, `-1e308`, `99999999999999999999999`, `true`, `{}`, `[[null,null]]`, `[null,null]`, `"` + long + `"`} {
				if v == `-1e308` && (f == "properties" || f == "type") {
					continue
				}
				m := map[string]json.RawMessage{}
				for k, x := range obj {
					m[k] = x
				}
				m[f] = json.RawMessage(v)
				b, _ := json.Marshal(m)
				post(tg, "application/json", string(b), f, "body")
			}
		}
	}
	// Null, missing and huge coordinates in analysis requests and proposals.
	for _, c := range []string{`[null,null]`, `[13.7,null]`, `[null]`, `[]`, `[1e999,51]`, `[13.7,51,"x"]`, `["13.7","51"]`, `[13.7,51.0,1e400]`, `[-200,51]`, `[13.7,95]`} {
		post("/analyses/matrix", "application/json", `{"mode":"car","sources":[`+c+`],"destinations":[[13.9,51.0]]}`, "sources")
		post("/analyses/matrix", "application/json", `{"mode":"car","sources":[[13.9,51.0]],"destinations":[`+c+`]}`, "destinations")
		post("/analyses/isochrones", "application/json", `{"mode":"car","origins":[`+c+`],"minutes":[10]}`, "origins")
		post("/analyses/fire", "application/json", `{"add":[{"name":"Neu","point":`+c+`,"full_time":false}]}`, "add")
		post("/projects", "application/json", strings.Replace(proposalBody, "[13.95,50.93]", c, 1), "geometry")
	}
	// Every property of a proposal replaced by bad values.
	for _, p := range []struct{ field, value string }{
		{"investment_cost", `1e999`}, {"investment_cost", `-1`}, {"investment_cost", `"viel"`}, {"requested_funding", `1e400`},
		{"requested_funding", `99999999999999999999999999`}, {"municipalities", `["\u00ff\u0000"]`},
		{"municipalities", `"14628110"`}, {"municipalities", `[null]`}, {"municipalities", `[]`}, {"category", `"\u0000"`},
		{"category", `"bakery"`}, {"kind", `"teleporter"`}, {"title", `""`}, {"title", `"a\u0000b"`}, {"title", `null`},
		{"applicant", `{}`}, {"colour", `"red"`},
	} {
		var f map[string]any
		if err := json.Unmarshal([]byte(proposalBody), &f); err != nil {
			t.Fatal(err)
		}
		f["properties"].(map[string]any)[p.field] = json.RawMessage(p.value)
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatalf("%s=%s: %v", p.field, p.value, err)
		}
		post("/projects", "application/json", string(b), p.field, "properties")
	}
	// Each proposal its own id, so that none is refused as a duplicate.
	for i := range out {
		if out[i].target == "/projects" {
			out[i].body = strings.Replace(out[i].body, `"attack-1"`, fmt.Sprintf(`"attack-%d"`, i), 1)
		}
	}
	return out
}

const proposalBody = `{"type":"Feature","id":"attack-1","geometry":{"type":"Point","coordinates":[13.95,50.93]},` +
	`"properties":{"title":"Hausarztpraxis Pirna-Copitz","applicant":"Stadt Pirna","municipalities":["14628110"],` +
	`"category":"general_practice","kind":"new_facility","investment_cost":1200000,"requested_funding":900000}}`

// needFake adds the capacity-aware analyses to the fake analyzer, so that
// their request bodies are parsed.
type needFake struct{ *fakeAnalyzer }

func (needFake) Need(ctx context.Context, q need.Query) (need.Result, error) {
	return need.Result{}, nil
}

func (needFake) Fire(ctx context.Context, q need.FireQuery) (need.FireResult, error) {
	return need.FireResult{}, nil
}
