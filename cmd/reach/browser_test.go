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
		chromedp.Flag("lang", "de-DE")) // the planners' language; English readers get English labels
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
	// German, as the planners read it (navigator.language and Intl).
	de := chromedp.ActionFunc(func(ctx context.Context) error {
		if err := emulation.SetLocaleOverride().WithLocale("de-DE").Do(ctx); err != nil {
			return err
		}
		return emulation.SetUserAgentOverride("Mozilla/5.0 (X11; Linux x86_64) reach-browser-test").WithAcceptLanguage("de-DE,de").Do(ctx)
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

	// Category and mode switch: the tiles are requested anew with the mode
	// and the layer is drawn again.
	err = chromedp.Run(b.ctx, chromedp.Evaluate(`(function () { var s = document.getElementById("tt-mode"); s.value = "bicycle"; s.dispatchEvent(new Event("change")); return true; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "mode switch", `window.reachMap.getSource("c-travel-times").tiles[0].indexOf("mode=bicycle") >= 0`, 10*time.Second)
	b.poll(t, "travel times redrawn", ttFeatures, 60*time.Second)

	// Isochrones on click.
	err = chromedp.Run(b.ctx,
		chromedp.Click(`#iso-click`, chromedp.ByQuery),
		chromedp.Evaluate(`(function () { var c = window.reachMap.getCenter(); window.reachMap.fire("click", {lngLat: c, point: window.reachMap.project(c)}); return true; })()`, nil))
	if err != nil {
		t.Fatal(err)
	}
	b.poll(t, "isochrone bands", `window.reachMap.querySourceFeatures("isochrones").length > 0 || (window.reachMap.getSource("isochrones")._data && (window.reachMap.getSource("isochrones")._data.features || []).length > 0)`, 60*time.Second)

	// Ranking.
	if err := chromedp.Run(b.ctx, chromedp.Click(`#rank-btn`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	b.poll(t, "ranking", `document.querySelectorAll("#ranking table tr").length > 2`, 90*time.Second)
	b.check(t, "map")
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
	sections := []string{"title", "applicant", "map", "effect", "municipalities", "zentrale-orte", "score", "completeness", "provenance"}
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
	if !strings.Contains(text, "Mio. €") {
		t.Errorf("dossier: no amount in German form (… Mio. €) in %q", text[:min(len(text), 300)])
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || bytes.Count(pdf, []byte("/Type /Page")) < 1 {
		t.Fatalf("dossier: printToPDF gave %d bytes, not a PDF with pages", len(pdf))
	}
	t.Logf("dossier of %s: PDF %d bytes, %d page objects; sections %s", id, len(pdf), bytes.Count(pdf, []byte("/Type /Page\n"))+bytes.Count(pdf, []byte("/Type /Page ")), heights)
	b.check(t, "dossier")
}
