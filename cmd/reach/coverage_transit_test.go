package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"reach/data/demo"
)

// TestServeDemoTimetableCoverage: on the demo region with its bus network, /readyz reports the
// timetable's coverage next to the networks', the gap register by public transport counts the
// residents no stop serves apart (no_stop) and at most those the coverage leaves out, and the
// landing page warns exactly when the coverage is below 95 %.
func TestServeDemoTimetableCoverage(t *testing.T) {
	base := startServe(t)
	waitReady(t, base)
	ready := getJSON(t, base+"/readyz", http.StatusOK)
	var cov map[string]any
	for _, c := range ready["network_coverage"].([]any) {
		if m := c.(map[string]any); m["mode"] == "transit" {
			cov = m
		}
	}
	if cov == nil {
		t.Fatalf("/readyz has no transit coverage: %v", ready["network_coverage"])
	}
	pop, served, share := cov["population"].(float64), cov["population_on_network"].(float64), cov["share"].(float64)
	crit, _ := cov["criterion"].(string)
	warning, _ := cov["warning"].(string)
	t.Logf("demo timetable coverage: %v of %v residents (%.1f %%), %s; warning %q", served, pop, 100*share, crit, warning)
	if pop <= 0 || served <= 0 || served > pop || math.Abs(share-served/pop) > 1e-9 || !strings.Contains(crit, "within 1200 m") {
		t.Errorf("transit coverage %v", cov)
	}
	if (share < 0.95) != (warning != "") {
		t.Errorf("share %.3f with warning %q", share, warning)
	}

	body := fmt.Sprintf(`{"category":"general_practice","mode":"transit","departure":"%d-01-01T07:00","cells":true}`, demo.TransitYear)
	resp, err := http.Post(base+"/analyses/gaps", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var rep struct {
		Population   int64              `json:"population"`
		Outside      int64              `json:"outside"`
		NoStop       int64              `json:"no_stop"`
		ShareNoStop  float64            `json:"share_no_stop"`
		MethodShares map[string]float64 `json:"method_shares"`
		Cells        []struct {
			Population int64  `json:"population"`
			Method     string `json:"method"`
		} `json:"cells"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("gaps by transit: status %d: %.400s", resp.StatusCode, b)
	}
	t.Logf("gaps by transit: %d residents, %d outside, %d no_stop; method shares %v", rep.Population, rep.Outside, rep.NoStop, rep.MethodShares)
	if float64(rep.Population) != pop || float64(rep.NoStop) > pop-served {
		t.Errorf("gaps: %d residents, %d no_stop; coverage: %v of %v served", rep.Population, rep.NoStop, served, pop)
	}
	if math.Abs(rep.MethodShares["no_stop"]-rep.ShareNoStop) > 1e-9 {
		t.Errorf("method share no_stop %v, share_no_stop %v", rep.MethodShares["no_stop"], rep.ShareNoStop)
	}
	var noStop, outside int64
	for _, c := range rep.Cells {
		switch c.Method {
		case "no_stop":
			noStop += c.Population
		case "transit", "unreachable":
			outside += c.Population
		default:
			t.Fatalf("gap cell with method %q", c.Method)
		}
	}
	if noStop != rep.NoStop || outside != rep.Outside {
		t.Errorf("cells: %d no_stop and %d outside, register %d and %d", noStop, outside, rep.NoStop, rep.Outside)
	}

	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := strings.Contains(string(html), "Timetable coverage:"); got != (warning != "") {
		t.Errorf("landing page shows the timetable coverage warning: %v, want %v", got, warning != "")
	}
}
