package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// TestBrowserMapTransit switches the map of the demo region (with its synthetic bus network) to
// public transport: the travel-time layer and the gap register are requested with mode transit
// and both are drawn (the gaps drawn are those by transit), and a click at a stop draws transit
// isochrones for the departure window.
func TestBrowserMapTransit(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	stops := getJSON(t, base+"/collections/stops/items?f=json&limit=1", 200)
	feats, _ := stops["features"].([]any)
	if len(feats) == 0 {
		t.Fatal("the demo region serves no stops")
	}
	coords := feats[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)
	lon, lat := coords[0].(float64), coords[1].(float64)

	// The gap register by public transport is computed once before the map asks for it, so
	// that its tiles do not depend on how long the first computation takes on a busy machine.
	if g := getJSON(t, base+"/collections/gaps/items?f=json&limit=1&category=general_practice&mode=transit", 200); g["numberMatched"] == nil {
		t.Fatalf("gaps by transit: %v", g)
	}
	b := newBrowser(t, base)
	err := chromedp.Run(b.ctx, chromedp.Navigate(base+"/map/"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("map did not load: %v", err)
	}
	b.poll(t, "transit offered", `!!document.querySelector('#tt-mode option[value="transit"]') && !!document.querySelector('#iso-mode option[value="transit"]')`, 30*time.Second)
	// The demo timetable serves under 95 % of the residents: the map says so, naming the share.
	ready := getJSON(t, base+"/readyz", 200)
	var share float64
	for _, c := range ready["network_coverage"].([]any) {
		if m := c.(map[string]any); m["mode"] == "transit" {
			share = m["share"].(float64)
		}
	}
	if share <= 0 || share >= 0.95 {
		t.Fatalf("demo timetable coverage %v: want below 95 %% for the warning to show", share)
	}
	pct := strconv.FormatFloat(100*share, 'f', 1, 64)
	b.poll(t, "timetable coverage warning", `(function () { var e = document.getElementById("coverage"), s = e.textContent;
		return !e.hidden && /Fahrplan|[Tt]imetable/.test(s) && s.indexOf("no_stop") >= 0 && (s.indexOf("`+pct+`") >= 0 || s.indexOf("`+strings.Replace(pct, ".", ",", 1)+`") >= 0); })()`, 30*time.Second)
	rendered := func(source string) string {
		return `window.reachMap.loaded() && window.reachMap.queryRenderedFeatures({layers: window.reachMap.getStyle().layers.filter(function (l) { return l.source === "` + source + `"; }).map(function (l) { return l.id; })}).length > 0`
	}

	// Travel times and gaps by public transport (the gap layer is off by default), switched in
	// one go while the map has a frame to draw pending, as when it is still drawing: the gap
	// tiles that frame requests must be the ones by transit, not by car (of which the demo
	// region has no gaps for general practice, so stale tiles would draw nothing).
	b.poll(t, "layer list", `!!document.querySelector("#layer-gaps input[type=checkbox]")`, 30*time.Second)
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () {
		window.reachMap.triggerRepaint();
		var s = document.getElementById("tt-mode"); s.value = "transit"; s.dispatchEvent(new Event("change"));
		var cb = document.querySelector("#layer-gaps input[type=checkbox]");
		if (!cb.checked) cb.click();
		return cb.checked; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "gap layer shown", `window.reachMap.getStyle().layers.some(function (l) { return l.source === "c-gaps" && window.reachMap.getLayoutProperty(l.id, "visibility") !== "none"; })`, 10*time.Second)
	b.poll(t, "travel-time tiles by transit", `window.reachMap.getSource("c-travel-times").tiles[0].indexOf("mode=transit") >= 0`, 10*time.Second)
	b.poll(t, "gap tiles by transit", `window.reachMap.getSource("c-gaps").tiles[0].indexOf("mode=transit") >= 0`, 10*time.Second)
	b.poll(t, "transit travel times drawn", rendered("c-travel-times"), 90*time.Second)
	b.poll(t, "no_stop in the legend", `Array.prototype.some.call(document.querySelectorAll('[data-layer="travel-times"]'), function (e) { return e.textContent.indexOf("no_stop") >= 0; })`, 10*time.Second)
	b.poll(t, "transit gaps drawn", rendered("c-gaps"), 90*time.Second)
	// The tiles carry the mode only in their URL; that the demo region has no gaps by car for
	// general practice makes the drawn gaps those by transit.
	if g := getJSON(t, base+"/collections/gaps/items?f=json&limit=1&category=general_practice&mode=car", 200); g["numberMatched"] != float64(0) {
		t.Fatalf("the demo region has gaps by car for general practice (%v): the check below cannot tell the modes apart", g["numberMatched"])
	}
	var drawn int
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () { var m = window.reachMap;
		return m.queryRenderedFeatures({layers: m.getStyle().layers.filter(function (l) { return l.source === "c-gaps"; }).map(function (l) { return l.id; })}).length; })()`, &drawn))
	if err != nil || drawn == 0 {
		t.Fatalf("gaps by transit drawn: %d features (%v)", drawn, err)
	}
	t.Logf("gaps by transit drawn: %d features", drawn)

	// The gap layer's tiles by transit, fetched at the URL the map holds, carry the gaps.
	var tmpl string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`window.reachMap.getSource("c-gaps").tiles[0]`, &tmpl)); err != nil {
		t.Fatal(err)
	}
	tl := maptile.At(orb.Point{lon, lat}, 10)
	tu := strings.NewReplacer("{z}", "10", "{y}", strconv.Itoa(int(tl.Y)), "{x}", strconv.Itoa(int(tl.X))).Replace(tmpl)
	resp, err := http.Get(tu)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	layersIn, err := mvt.Unmarshal(body)
	if resp.StatusCode != 200 || err != nil || len(layersIn) != 1 || len(layersIn[0].Features) == 0 {
		t.Fatalf("gap tile by transit %s: status %d, %d bytes, %v", tu, resp.StatusCode, len(body), err)
	}
	t.Logf("gap tile by transit at the first stop: %d gaps", len(layersIn[0].Features))

	// Isochrones by public transport from a stop, with the departure filled in.
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () {
		var s = document.getElementById("iso-mode"); s.value = "transit"; s.dispatchEvent(new Event("change"));
		return true; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "departure filled", `!document.getElementById("iso-transit").hidden && document.getElementById("iso-departure").value.length >= 16`, 10*time.Second)
	err = chromedp.Run(b.ctx,
		chromedp.Click(`#iso-click`, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`(function () { var m = window.reachMap, ll = new maplibregl.LngLat(%f, %f);
			m.jumpTo({center: ll}); m.fire("click", {lngLat: ll, point: m.project(ll)}); return true; })()`, lon, lat), nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "transit isochrone table", `!!document.querySelector("#iso-result table")`, 60*time.Second)
	b.poll(t, "transit isochrones drawn", rendered("isochrones"), 30*time.Second)
	var method string
	if err := chromedp.Run(b.ctx, chromedp.Text(`#iso-result`, &method, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	t.Logf("isochrone result: %.300s", method)
	if !strings.Contains(method, "RAPTOR") {
		t.Errorf("the isochrones were not computed by public transport: %s", method)
	}
	b.check(t, "transit map")
}
