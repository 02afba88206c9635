package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"reach/geo/crs"
	"reach/geo/grid"
)

// TestServeDifference: the before/after map of every demo proposal sums to
// its assessment; bbox in EPSG:3035, crs, filter and the downloads behave
// as for items; errors name their parameter.
func TestServeDifference(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	projects := getJSON(t, base+"/collections/projects/items?limit=100&f=json", http.StatusOK)["features"].([]any)
	if len(projects) == 0 {
		t.Fatal("the demo serves no projects")
	}
	var sample string // a project with residents newly within the standard
	for _, pf := range projects {
		id := pf.(map[string]any)["id"].(string)
		esc := url.PathEscape(id)
		a := getJSON(t, base+"/projects/"+esc+"/assessment", http.StatusOK)
		d := getJSON(t, base+"/projects/"+esc+"/difference", http.StatusOK)
		eff := a["effect"].(map[string]any)
		if d["known"] != eff["known"] {
			t.Fatalf("%s: difference known %v, assessment %v", id, d["known"], eff["known"])
		}
		if eff["known"] != true {
			if d["reason"] == "" || len(d["features"].([]any)) != 0 {
				t.Errorf("%s: unknown effect: reason %v, %d cells", id, d["reason"], len(d["features"].([]any)))
			}
			continue
		}
		var newly, ben float64
		for _, f := range d["features"].([]any) {
			p := f.(map[string]any)["properties"].(map[string]any)
			pop := p["population"].(float64)
			if p["newly_within_standard"] == true {
				newly += pop
			}
			if g, ok := p["gain_seconds"].(float64); (ok && g >= 1) || p["served"] == true {
				ben += pop
			}
		}
		if newly != eff["newly_within_standard"].(float64) || ben != eff["beneficiaries"].(float64) {
			t.Errorf("%s: cells sum to %v newly within the standard and %v beneficiaries; the assessment says %v and %v",
				id, newly, ben, eff["newly_within_standard"], eff["beneficiaries"])
		}
		if d["numberMatched"].(float64) != float64(len(d["features"].([]any))) {
			t.Errorf("%s: numberMatched %v for %d features", id, d["numberMatched"], len(d["features"].([]any)))
		}
		if newly > 0 && sample == "" {
			sample = id
		}
	}
	if sample == "" {
		t.Fatal("no demo proposal brings anyone newly within the standard")
	}
	esc := url.PathEscape(sample)
	all := getJSON(t, base+"/projects/"+esc+"/difference", http.StatusOK)["features"].([]any)

	// filter: only the cells newly within the standard.
	only := getJSON(t, base+"/projects/"+esc+"/difference?filter="+url.QueryEscape("newly_within_standard = true AND population > 0"), http.StatusOK)["features"].([]any)
	want := 0
	for _, f := range all {
		p := f.(map[string]any)["properties"].(map[string]any)
		if p["newly_within_standard"] == true && p["population"].(float64) > 0 {
			want++
		}
	}
	if len(only) != want || want == 0 {
		t.Errorf("filter newly_within_standard = true: %d cells, want %d", len(only), want)
	}

	// bbox in EPSG:3035: exactly the cells touching a box inside the first cell.
	first := all[0].(map[string]any)["id"].(string)
	g, err := grid.ParseID(first)
	if err != nil {
		t.Fatal(err)
	}
	b := g.Polygon().Bound()
	box := fmt.Sprintf("%f,%f,%f,%f", b.Min[0]+10, b.Min[1]+10, b.Max[0]-10, b.Max[1]-10) // easting, northing as reach serves EPSG:3035
	in := getJSON(t, base+"/projects/"+esc+"/difference?bbox="+box+"&bbox-crs="+url.QueryEscape(crs.LAEA.URI()), http.StatusOK)["features"].([]any)
	if len(in) != 1 || in[0].(map[string]any)["id"] != first {
		ids := []string{}
		for _, f := range in {
			ids = append(ids, f.(map[string]any)["id"].(string))
		}
		t.Errorf("bbox inside cell %s in EPSG:3035 (%s): got %v", first, box, ids)
	}

	// crs: coordinates in metres, Content-Crs says so.
	resp, err := http.Get(base + "/projects/" + esc + "/difference?crs=" + url.QueryEscape(crs.UTM33N.URI()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Crs") != "<"+crs.UTM33N.URI()+">" || !bytes.Contains(body, []byte(`"coordinates":[[[`)) {
		t.Errorf("crs=EPSG:25833: status %d, Content-Crs %q", resp.StatusCode, resp.Header.Get("Content-Crs"))
	}

	// CSV: a row per cell after the header, with the byte order mark.
	resp, err = http.Get(base + "/projects/" + esc + "/difference?f=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "\uFEFF") || len(lines) != len(all)+1 || !strings.Contains(lines[0], "newly_within_standard") {
		t.Errorf("f=csv: status %d, %d lines for %d cells, header %q", resp.StatusCode, len(lines), len(all), lines[0])
	}

	// Errors name the parameter; an unknown project is 404.
	for _, c := range []struct {
		path, param string
		status      int
	}{
		{"/projects/" + esc + "/difference?limit=5", "limit", 400},
		{"/projects/" + esc + "/difference?bbox=1,2,3", "bbox", 400},
		{"/projects/" + esc + "/difference?filter=" + url.QueryEscape("nope = 1"), "filter", 400},
		{"/projects/no-such-project/difference", "projectId", 404},
	} {
		p := getJSON(t, base+c.path, c.status)
		if !strings.Contains(fmt.Sprint(p), c.param) {
			t.Errorf("GET %s: problem does not name %s: %v", c.path, c.param, p)
		}
	}
}
