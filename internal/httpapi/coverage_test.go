package httpapi

import (
	"strings"
	"testing"

	"reach/internal/analysis"
)

// TestCoverageNote: /readyz names the network coverage per mode and the
// landing page warns where a mode's network covers under 95 %.
func TestCoverageNote(t *testing.T) {
	cov := []analysis.NetworkCoverage{
		{Mode: "car", Population: 1000, OnNetwork: 6, Share: 0.006, Warning: "the car network covers 0.6 % of the residents (below 95 %)"},
		{Mode: "foot", Population: 1000, OnNetwork: 990, Share: 0.99},
	}
	e := newEnv(t, func(d *Deps) { d.Coverage = func() []analysis.NetworkCoverage { return cov } })
	w := e.do(t, "GET", "/readyz", "")
	if w.Code != 200 {
		t.Fatalf("readyz: %d", w.Code)
	}
	body := decode[struct {
		Status   string                     `json:"status"`
		Coverage []analysis.NetworkCoverage `json:"network_coverage"`
	}](t, w)
	if body.Status != "ready" || len(body.Coverage) != 2 || body.Coverage[0].Share != 0.006 || body.Coverage[0].Warning == "" || body.Coverage[1].Warning != "" {
		t.Fatalf("readyz %+v", body)
	}
	html := e.do(t, "GET", "/?f=html", "").Body.String()
	if !strings.Contains(html, "car network covers 0.6 %") || strings.Contains(html, "foot network") {
		t.Fatalf("landing page lacks the car note or has a foot note:\n%s", html)
	}
	// Without a read model: no coverage in /readyz.
	e2 := newEnv(t, nil)
	if strings.Contains(e2.do(t, "GET", "/readyz", "").Body.String(), "network_coverage") {
		t.Fatal("readyz names a coverage without a read model")
	}
}
