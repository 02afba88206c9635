package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium for the test, or skips when there is
// none (with CI set, a missing browser is a failure: .ci/pg-setup installs
// Debian's chromium). It records console errors, uncaught exceptions and
// every request to a host other than base's.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	errors   []string
	external []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	return newBrowserIn(t, base, "de-DE")
}

// newBrowserIn is newBrowser with the browser's language set to locale
// (navigator.languages, Accept-Language and Intl).
func newBrowserIn(t *testing.T, base, locale string) *browser {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("browser tests: no Chromium found (install Debian's chromium; .ci/pg-setup does)")
		}
		t.Skip("browser tests: no Chromium found; install Debian's chromium to run them")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("headless", "new"), chromedp.WindowSize(1280, 900), chromedp.Flag("use-gl", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.Flag("ignore-gpu-blocklist", true),
		chromedp.Flag("lang", locale))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	host := mustHost(t, base)
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != host {
				b.external = append(b.external, ev.Request.URL)
			}
		}
	})
	// The language the page is read in (German for the planners).
	lang, _, _ := strings.Cut(locale, "-")
	de := chromedp.ActionFunc(func(ctx context.Context) error {
		if err := emulation.SetLocaleOverride().WithLocale(locale).Do(ctx); err != nil {
			return err
		}
		return emulation.SetUserAgentOverride("Mozilla/5.0 (X11; Linux x86_64) reach-browser-test").WithAcceptLanguage(locale + "," + lang).Do(ctx)
	})
	if err := chromedp.Run(ctx, network.Enable(), runtime.Enable(), de); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

func mustHost(t *testing.T, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// check fails the test with every console error and external request seen.
func (b *browser) check(t *testing.T, what string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("%s: %s", what, e)
	}
	for _, u := range b.external {
		t.Errorf("%s: request to another server: %s", what, u)
	}
	b.errors, b.external = nil, nil
}

// poll evaluates a JavaScript expression until it is true.
func (b *browser) poll(t *testing.T, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		err := chromedp.Run(b.ctx, chromedp.Evaluate(expr, &ok))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q not true within %v (last error %v)", what, expr, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBrowserMap loads the map in Chromium: no console errors and no
// request to another server; switching the mode re-requests the
// travel-time tiles with it and they draw again; a click with the
// isochrone switch on draws bands; the ranking lists the proposals.
func TestBrowserMap(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	b := newBrowser(t, base)
	err := chromedp.Run(b.ctx, chromedp.Navigate(base+"/map/"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("map did not load: %v", err)
	}
	ttFeatures := `window.reachMap.loaded() && window.reachMap.queryRenderedFeatures({layers: window.reachMap.getStyle().layers.filter(function (l) { return l.source === "c-travel-times"; }).map(function (l) { return l.id; })}).length > 0`
	b.poll(t, "travel times drawn", ttFeatures, 60*time.Second)

	// A click on a travel-time cell opens a popup with German labels and
	// units, no raw snake_case keys.
	var at []float64
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () {
		var m = window.reachMap, ids = m.getStyle().layers.filter(function (l) { return l.source === "c-travel-times"; }).map(function (l) { return l.id; });
		var fs = m.queryRenderedFeatures({layers: ids});
		var r = m.getContainer().getBoundingClientRect();
		for (var i = 0; i < fs.length; i++) {
			var g = fs[i].geometry, ring = g.type === "Polygon" ? g.coordinates[0] : (g.type === "MultiPolygon" ? g.coordinates[0][0] : null);
			if (!ring) continue;
			var x = 0, y = 0; ring.slice(0, -1).forEach(function (c) { x += c[0]; y += c[1]; });
			var p = m.project([x / (ring.length - 1), y / (ring.length - 1)]);
			if (p.x > 5 && p.y > 5 && p.x < r.width - 5 && p.y < r.height - 5 && m.queryRenderedFeatures(p, {layers: ids}).length) return [r.left + p.x, r.top + p.y];
		}
		return [];
	})()`, &at))
	if err != nil || len(at) != 2 {
		t.Fatalf("no travel-time cell on top to click (%v, %v)", at, err)
	}
	if err := chromedp.Run(b.ctx, chromedp.MouseClickXY(at[0], at[1])); err != nil {
		t.Fatal(err)
	}
	b.poll(t, "popup", `!!document.querySelector(".maplibregl-popup-content [data-collection=travel-times] table")`, 10*time.Second)
	var popup []string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`Array.prototype.map.call(document.querySelectorAll(".maplibregl-popup-content [data-collection=travel-times] th"), function (e) { return e.textContent + "=" + e.nextSibling.textContent; })`, &popup)); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(popup, " | ")
	for _, want := range []string{"Einwohner=", "Kategorie=", "Verkehrsmittel="} {
		if !strings.Contains(joined, want) {
			t.Errorf("popup: no %q in %s", want, joined)
		}
	}
	if !strings.Contains(joined, "Fahrzeit=") && !strings.Contains(joined, "erreichbar=nein") {
		t.Errorf("popup: neither a travel time nor \"erreichbar=nein\" in %s", joined)
	}
	if strings.Contains(joined, "Fahrzeit=") && !strings.Contains(joined, " min") {
		t.Errorf("popup: travel time without unit in %s", joined)
	}
	for _, row := range popup {
		label, _, _ := strings.Cut(row, "=")
		if strings.Contains(label, "_") {
			t.Errorf("popup: raw key %q in %s", label, joined)
		}
	}
	// The municipality under the cell shows its central-place indicators,
	// labelled, with their unit, at the overview zoom too.
	var muni []string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`Array.prototype.map.call(document.querySelectorAll(".maplibregl-popup-content [data-collection=municipalities] th"), function (e) { return e.textContent + "=" + e.nextSibling.textContent; })`, &muni)); err != nil {
		t.Fatal(err)
	}
	mj := strings.Join(muni, " | ")
	for _, want := range []string{"Pkw zum nächsten Mittelzentrum (Ø)=", "Pkw zum nächsten Oberzentrum (Ø)=", "Fahrrad zum nächsten Mittelzentrum (Ø)="} {
		i := strings.Index(mj, want)
		if i < 0 {
			t.Errorf("municipality popup: no %q in %s", want, mj)
			continue
		}
		if v, _, _ := strings.Cut(mj[i+len(want):], " | "); !strings.HasSuffix(v, " min") {
			t.Errorf("municipality popup: %s%s has no unit", want, v)
		}
	}
	// Every visible layer has a legend.
	var legends, visible int
	if err := chromedp.Run(b.ctx,
		chromedp.Evaluate(`document.querySelectorAll("#legend .legend-block").length`, &legends),
		chromedp.Evaluate(`document.querySelectorAll("#layers input:checked").length`, &visible)); err != nil {
		t.Fatal(err)
	}
	if visible == 0 || legends != visible {
		t.Errorf("legend: %d blocks for %d visible layers", legends, visible)
	}

	// Category and mode switch: the tiles are requested anew with the mode
	// and the layer is drawn again.
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () { var s = document.getElementById("tt-mode"); s.value = "bicycle"; s.dispatchEvent(new Event("change")); return true; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "mode switch", `window.reachMap.getSource("c-travel-times").tiles[0].indexOf("mode=bicycle") >= 0`, 10*time.Second)
	b.poll(t, "mode in the URL", `window.location.hash.indexOf("mode=bicycle") >= 0`, 5*time.Second)
	b.poll(t, "travel times redrawn", ttFeatures, 60*time.Second)

	// Isochrones on click.
	err = chromedp.Run(b.ctx,
		chromedp.Click(`#iso-click`, chromedp.ByQuery),
		chromedp.Evaluate(`(function () { var c = window.reachMap.getCenter(); window.reachMap.fire("click", {lngLat: c, point: window.reachMap.project(c)}); return true; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "isochrone bands", `window.reachMap.querySourceFeatures("isochrones").length > 0 || (window.reachMap.getSource("isochrones")._data && (window.reachMap.getSource("isochrones")._data.features || []).length > 0)`, 60*time.Second)

	// A click far off the network says so instead of an empty table.
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () { var m = window.reachMap, b = m.getBounds();
		var ll = new maplibregl.LngLat(b.getWest() + 0.001, b.getNorth() - 0.001); m.fire("click", {lngLat: ll, point: m.project(ll)}); return true; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	var offText string
	b.poll(t, "off-network message", `!!document.querySelector("#iso-result .off-network")`, 60*time.Second)
	if err := chromedp.Run(b.ctx, chromedp.Text(`#iso-result`, &offText, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	t.Logf("off the network: %s", offText)
	if strings.Contains(offText, "0 m raster") || strings.Contains(offText, "Einwohner im Ring") {
		t.Errorf("off-network click shows a table or raster note: %s", offText)
	}

	// Ranking.
	if err := chromedp.Run(b.ctx, chromedp.Click(`#rank-btn`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	b.poll(t, "ranking", `document.querySelectorAll("#ranking table tr").length > 2`, 90*time.Second)
	b.check(t, "map")
}

// TestBrowserMapURLState opens the map from a shared URL: the layers,
// category, mode, view and selected proposal named in it are restored, and
// the dossier's reasons are in German.
func TestBrowserMapURLState(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	fc := getJSON(t, base+"/collections/projects/items?limit=1", 200)
	feats := fc["features"].([]any)
	if len(feats) == 0 {
		t.Fatal("no proposal in the demo region")
	}
	id := feats[0].(map[string]any)["id"].(string)
	b := newBrowser(t, base)
	hash := "#l=municipalities,population-grid&cat=pharmacy&mode=foot&v=11.50/51.00000/13.50000&p=" + url.QueryEscape(id)
	err := chromedp.Run(b.ctx, chromedp.Navigate(base+"/map/"+hash),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("map did not load: %v", err)
	}
	var got string
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`[document.getElementById("tt-category").value, document.getElementById("tt-mode").value,
		window.reachMap.getZoom().toFixed(1), window.reachMap.getCenter().lat.toFixed(2), window.reachMap.getCenter().lng.toFixed(2),
		Array.prototype.map.call(document.querySelectorAll("#layers input:checked"), function (c) { return c.closest("li").id; }).sort().join("+"),
		window.reachMap.getLayoutProperty("c-travel-times-fill", "visibility")].join(" ")`, &got))
	if err != nil {
		t.Fatal(err)
	}
	if want := "pharmacy foot 11.5 51.00 13.50 layer-municipalities+layer-population-grid none"; got != want {
		t.Errorf("restored state %q, want %q", got, want)
	}
	b.poll(t, "selected proposal", fmt.Sprintf(`document.getElementById("dossier-section").getAttribute("data-project") === %q && !document.getElementById("dossier-section").hidden`, id), 60*time.Second)
	var dossier string
	if err := chromedp.Run(b.ctx, chromedp.Text(`#dossier`, &dossier, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"in_conflict", "partly_aligned", "newly_within_standard", "category_level", "site_level"} {
		if strings.Contains(dossier, raw) {
			t.Errorf("dossier on the map shows the raw key %s: %s", raw, dossier)
		}
	}
	// The view stays as shared (the proposal does not pull the map away) and
	// the hash keeps the state.
	var hashNow string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`window.location.hash`, &hashNow)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cat=pharmacy", "mode=foot", "l=municipalities,population-grid", "v=11.50/51.00000/13.50000", "p="} {
		if !strings.Contains(hashNow, want) {
			t.Errorf("hash %q lacks %q", hashNow, want)
		}
	}
	// The proposal's before/after is drawn as its own layer with a legend:
	// as many cells as GET /projects/{id}/difference has.
	diff := getJSON(t, base+"/projects/"+url.PathEscape(id)+"/difference", 200)
	nCells := len(diff["features"].([]any))
	if nCells == 0 {
		t.Fatalf("the difference of %s has no cells; the test needs some", id)
	}
	b.poll(t, "difference layer", fmt.Sprintf(`document.body.getAttribute("data-difference") === "%d"`, nCells), 60*time.Second)
	ring := diff["features"].([]any)[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)
	corner := ring[0].([]any)
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(fmt.Sprintf(`window.reachMap.jumpTo({center: [%v, %v], zoom: 13}); true`, corner[0], corner[1]), nil)); err != nil {
		t.Fatal(err)
	}
	b.poll(t, "difference drawn", `window.reachMap.queryRenderedFeatures({layers: ["difference-fill"]}).length > 0`, 30*time.Second)
	var diffLegend string
	if err := chromedp.Run(b.ctx, chromedp.Text(`#legend [data-layer=difference]`, &diffLegend, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Wirkung des Vorhabens", "neu innerhalb des Standards", "schneller um", "Zellen", "CSV", "GPKG"} {
		if !strings.Contains(diffLegend, want) {
			t.Errorf("difference legend lacks %q: %s", want, diffLegend)
		}
	}
	b.check(t, "map from URL")
}

// TestBrowserDossierPrints opens the dossier page of a proposal and prints
// it to PDF on A4: every section is there and laid out for print, numbers
// are German, and the page makes no request to another server.
func TestBrowserDossierPrints(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	fc := getJSON(t, base+"/collections/projects/items?limit=50", 200)
	var id string
	for _, f := range fc["features"].([]any) {
		p := f.(map[string]any)["properties"].(map[string]any)
		if v, _ := p["requested_funding"].(float64); v >= 1e6 {
			id = f.(map[string]any)["id"].(string)
			break
		}
	}
	if id == "" {
		t.Fatal("no proposal with funding of a million euros or more in the demo region")
	}
	b := newBrowser(t, base)
	var pdf []byte
	var text string
	sections := []string{"title", "applicant", "map", "effect", "municipalities", "need", "zentrale-orte", "score", "completeness", "provenance"}
	var heights string
	err := chromedp.Run(b.ctx,
		chromedp.Navigate(base+"/projects/"+url.PathEscape(id)+"/dossier"),
		chromedp.WaitVisible(`#dossier[data-ready="true"]`, chromedp.ByQuery),
		chromedp.Text(`#dossier`, &text, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = page.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPrintBackground(true).Do(ctx)
			return err
		}),
		chromedp.Evaluate(fmt.Sprintf(`%q.split(",").map(function (s) { var e = document.getElementById("sec-" + s); return s + "=" + (e ? e.getBoundingClientRect().height : -1); }).join(" ")`, strings.Join(sections, ",")), &heights),
	)
	if err != nil {
		t.Fatalf("dossier: %v", err)
	}
	for _, s := range sections {
		if strings.Contains(heights, s+"=-1") || strings.Contains(heights, s+"=0 ") || strings.HasSuffix(heights, s+"=0") {
			t.Errorf("dossier: section %s missing or empty (%s)", s, heights)
		}
	}
	// The map of the site and the bands is drawn (and kept for printing):
	// more than the background colour on the canvas.
	var colours int
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () {
		var src = document.querySelector("#dossier-map canvas"); if (!src) return 0;
		var c = document.createElement("canvas"); c.width = 64; c.height = 64;
		var g = c.getContext("2d"); g.drawImage(src, 0, 0, 64, 64);
		var d = g.getImageData(0, 0, 64, 64).data, seen = {};
		for (var i = 0; i < d.length; i += 4) seen[d[i] + "," + d[i + 1] + "," + d[i + 2]] = true;
		return Object.keys(seen).length; })()`, &colours))
	if err != nil || colours < 3 {
		t.Errorf("dossier: the map canvas shows %d colours (err %v); want the site and the bands drawn", colours, err)
	}
	// The cells the proposal changes are drawn on the dossier's map, with
	// their legend (and so are in the print).
	var cellsDrawn int
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`window.reachDossierMap ? window.reachDossierMap.queryRenderedFeatures({layers: ["cells"]}).length : -1`, &cellsDrawn)); err != nil {
		t.Fatal(err)
	}
	if cellsDrawn <= 0 {
		t.Errorf("dossier: %d changed cells drawn on its map", cellsDrawn)
	}
	if !strings.Contains(text, "neu innerhalb des Standards") || !strings.Contains(text, "veränderte Zellen") {
		t.Errorf("dossier: no legend of the changed cells in %q", text[:min(len(text), 600)])
	}
	if !strings.Contains(text, "Mio. €") {
		t.Errorf("dossier: no amount in German form (… Mio. €) in %q", text[:min(len(text), 300)])
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || bytes.Count(pdf, []byte("/Type /Page")) < 1 {
		t.Fatalf("dossier: printToPDF gave %d bytes, not a PDF with pages", len(pdf))
	}
	if p := os.Getenv("REACH_DOSSIER_PDF"); p != "" {
		_ = os.WriteFile(p, pdf, 0o644)
	}
	t.Logf("dossier of %s: PDF %d bytes, %d page objects; sections %s", id, len(pdf), bytes.Count(pdf, []byte("/Type /Page\n"))+bytes.Count(pdf, []byte("/Type /Page ")), heights)
	b.check(t, "dossier")
}

// TestBrowserEnglish reads the map and the dossier with an English browser:
// the labels, legends, popups, the difference layer and the dossier are in
// English, and no German label is left.
func TestBrowserEnglish(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	const id = "demo-2025-02"
	getJSON(t, base+"/projects/"+id, 200)
	b := newBrowserIn(t, base, "en-GB")
	err := chromedp.Run(b.ctx, chromedp.Navigate(base+"/map/#p="+id),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("map did not load: %v", err)
	}
	b.poll(t, "difference layer", `+document.body.getAttribute("data-difference") > 0`, 60*time.Second)
	b.poll(t, "dossier", `!!document.querySelector("#dossier table")`, 60*time.Second)
	// The ranking too.
	if err := chromedp.Run(b.ctx, chromedp.Click(`#rank-btn`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	b.poll(t, "ranking", `document.querySelectorAll("#ranking table tr").length > 2`, 90*time.Second)
	var text, lang string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`document.getElementById("side").textContent`, &text),
		chromedp.Evaluate(`document.documentElement.lang`, &lang)); err != nil {
		t.Fatal(err)
	}
	if lang != "en" {
		t.Errorf("page language %q, want en", lang)
	}
	for _, want := range []string{"Layers", "Legend", "Municipalities", "Effect of the proposal (before/after)", "newly within the standard",
		"faster by", "residents newly within the standard", "Total score", "Criterion", "Ranking of the proposals", "Selection:"} {
		if !strings.Contains(text, want) {
			t.Errorf("English map lacks %q", want)
		}
	}
	for _, german := range []string{"Einwohner", "Ebenen", "Legende", "Nutznießer", "Wirkung", "Kriterium", "Punkte", "Gemeinde (", "schneller",
		"innerhalb des Standards", "Auswahl", "erreichbar", "Berechnen", "Herunterladen"} {
		if strings.Contains(text, german) {
			t.Errorf("English map shows the German %q", german)
		}
	}

	var dossier string
	err = chromedp.Run(b.ctx, chromedp.Navigate(base+"/projects/"+id+"/dossier"),
		chromedp.WaitVisible(`#dossier[data-ready="true"]`, chromedp.ByQuery),
		chromedp.Text(`body`, &dossier, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("dossier: %v", err)
	}
	for _, want := range []string{"Application", "Applicant", "Effects per municipality", "Score", "Completeness", "Provenance",
		"cells changed", "newly within the standard", "← Map", "m €"} {
		if !strings.Contains(dossier, want) {
			t.Errorf("English dossier lacks %q", want)
		}
	}
	for _, german := range []string{"Antrag", "Einwohner", "Wirkung", "Gemeinden", "Vollständigkeit", "Herkunft", "Mio. €", "Karte", "Katalog"} {
		if strings.Contains(dossier, german) {
			t.Errorf("English dossier shows the German %q", german)
		}
	}
	b.check(t, "English map and dossier")
}

// TestBrowserMapMuniColour colours the municipalities by a central-place
// indicator from a shared URL: the choice is restored, the municipalities
// switched on and filled by classes of the indicator, which their tiles
// carry at the overview zoom, the legend names the indicator and its
// classes; another choice and none change colours, legend and URL.
func TestBrowserMapMuniColour(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	b := newBrowser(t, base)
	err := chromedp.Run(b.ctx, chromedp.Navigate(base+"/map/#l=central-places&mc=car_minutes_to_mittelzentrum&v=9.50/50.90000/13.30000"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("map did not load: %v", err)
	}
	var got string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`[document.getElementById("muni-colour").value,
		document.querySelector("#layer-municipalities input").checked,
		window.reachMap.getLayoutProperty("c-municipalities-fill", "visibility"),
		JSON.stringify(window.reachMap.getPaintProperty("c-municipalities-fill", "fill-color")).slice(0, 73),
		window.reachMap.getPaintProperty("c-municipalities-fill", "fill-opacity")].join(" ")`, &got)); err != nil {
		t.Fatal(err)
	}
	if want := `car_minutes_to_mittelzentrum true visible ["case",["==",["typeof",["get","car_minutes_to_mittelzentrum"]],"number"] 0.65`; got != want {
		t.Errorf("restored colouring %q, want %q", got, want)
	}
	// The drawn municipalities carry the indicator, centres at 0, the others above.
	b.poll(t, "municipalities with the indicator drawn", `window.reachMap.queryRenderedFeatures({layers: ["c-municipalities-fill"]}).some(function (f) { return f.properties.car_minutes_to_mittelzentrum > 0; })`, 30*time.Second)
	var legend string
	if err := chromedp.Run(b.ctx, chromedp.Text(`#legend [data-layer=municipalities]`, &legend, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Pkw-Minuten zum nächsten Mittelzentrum", "0–10 min", "45–60 min", "≥ 60 min", "kein Wert"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend lacks %q: %s", want, legend)
		}
	}
	// Another indicator, then none.
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`var s = document.getElementById("muni-colour"); s.value = "transit_minutes_to_oberzentrum"; s.dispatchEvent(new Event("change")); true`, nil)); err != nil {
		t.Fatal(err)
	}
	var after string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`[window.location.hash.indexOf("mc=transit_minutes_to_oberzentrum") >= 0,
		JSON.stringify(window.reachMap.getPaintProperty("c-municipalities-fill", "fill-color")).indexOf("transit_minutes_to_oberzentrum") > 0,
		document.querySelector("#legend [data-layer=municipalities]").textContent.indexOf("ÖPNV-Minuten zum nächsten Oberzentrum") >= 0].join(" ")`, &after)); err != nil {
		t.Fatal(err)
	}
	if after != "true true true" {
		t.Errorf("after choosing public transport to the Oberzentrum (hash, fill, legend): %s", after)
	}
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`var s = document.getElementById("muni-colour"); s.value = ""; s.dispatchEvent(new Event("change")); true`, nil)); err != nil {
		t.Fatal(err)
	}
	var none string
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(`[window.location.hash.indexOf("mc=") < 0, window.reachMap.getPaintProperty("c-municipalities-fill", "fill-opacity"),
		document.querySelector("#legend [data-layer=municipalities]").textContent.indexOf("kein Wert") < 0].join(" ")`, &none)); err != nil {
		t.Fatal(err)
	}
	if none != "true 0.06 true" {
		t.Errorf("after choosing no indicator (hash, opacity, legend): %s", none)
	}
	b.check(t, "municipalities coloured")
}
