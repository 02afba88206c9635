package httpapi

import (
	"strings"
	"testing"

	"reach/layers"
)

// TestFundingOutOfRangeOnEveryWritePath: a requested_funding above the
// programme's scale (100 million euros; 1e17 € would overflow the cents)
// or not a number ≥ 0 is answered 422 naming properties.requested_funding
// on every path that writes a proposal (POST /projects and PUT
// /projects/{id}), and nothing is stored; PATCH is not a write path (405).
func TestFundingOutOfRangeOnEveryWritePath(t *testing.T) {
	e, toks := withTokens(t)
	auth := bearer(toks[layers.RoleAdmin])
	if w := e.do(t, "POST", "/projects", validProject, auth...); w.Code != 201 {
		t.Fatalf("POST a valid proposal: %d %s", w.Code, w.Body.String())
	}
	stored := e.store.projects["gp-1"].RequestedFunding
	for _, v := range []string{"1e17", "1e300", "100000000.5", "-1"} {
		body := strings.Replace(validProject, `"requested_funding":900000`, `"requested_funding":`+v, 1)
		if body == validProject {
			t.Fatal("the test proposal has no requested_funding of 900000")
		}
		for _, c := range []struct {
			method, target string
			hdr            []string
		}{
			{"POST", "/projects", auth},
			{"PUT", "/projects/gp-1", append(append([]string(nil), auth...), "If-Match", `"r1"`)},
		} {
			p := problemOf(t, e.do(t, c.method, c.target, body, c.hdr...), 422)
			named := false
			for _, ip := range p.InvalidParams {
				named = named || ip.Name == "properties.requested_funding"
			}
			if !named {
				t.Errorf("%s %s with requested_funding %s: invalid params %+v do not name properties.requested_funding", c.method, c.target, v, p.InvalidParams)
			}
		}
	}
	if len(e.store.projects) != 1 || e.store.projects["gp-1"].RequestedFunding != stored {
		t.Errorf("a refused write changed the store: %d projects, funding %v (was %v)", len(e.store.projects), e.store.projects["gp-1"].RequestedFunding, stored)
	}
	if w := e.do(t, "PATCH", "/projects/gp-1", validProject, auth...); w.Code != 405 {
		t.Errorf("PATCH /projects/gp-1: %d, want 405 (no partial updates)", w.Code)
	}
}
