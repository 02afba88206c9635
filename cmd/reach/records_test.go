package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/postgis"
)

const proposal = `{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[13.95,50.93]},
"properties":{"title":"Hausarztpraxis Pirna-Copitz","applicant":"Stadt Pirna","municipalities":["14628110"],
"category":"general_practice","kind":"new_facility","investment_cost":1200000,"requested_funding":900000%s}}`

func proposalJSON(id, extra string) string {
	b := strings.Replace(proposal, "%q", `"`+id+`"`, 1)
	return strings.Replace(b, "%s", extra, 1)
}

func post(t *testing.T, url, ct, token, body string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestWritesAgainstPostGIS checks the rules of writing against a database:
// tokens and roles, exactly-once creation, idempotency keys, and that an
// import of proposals from a file leaves those of the API in place.
func TestWritesAgainstPostGIS(t *testing.T) {
	url := pgtest.New(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	var out, errOut syncBuffer
	runOut := func(args ...string) string {
		t.Helper()
		out = syncBuffer{}
		if err := run(ctx, args, env, &out, &errOut); err != nil {
			t.Fatalf("reach %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
		}
		return strings.TrimSpace(out.String())
	}
	runOut("migrate")
	submitter := runOut("token", "add", "--name", "amt-pirna", "--role", "submitter")
	committee := runOut("token", "add", "--name", "ausschuss", "--role", "committee")
	if !strings.HasPrefix(submitter, "reach_") || strings.Contains(submitter, "\n") {
		t.Fatalf("token add printed %q, want one token", submitter)
	}
	if err := run(ctx, []string{"token", "add", "--name", "amt-pirna", "--role", "admin"}, env, &out, &errOut); err == nil {
		t.Error("a second token of the same name was accepted")
	}
	list := runOut("token", "list")
	if !strings.Contains(list, "amt-pirna") || !strings.Contains(list, "submitter") || strings.Contains(list, submitter) {
		t.Errorf("token list = %q: want names and roles, never the token", list)
	}
	revoked := runOut("token", "add", "--name", "gone", "--role", "admin")
	runOut("token", "revoke", "--name", "gone")

	base := startServe(t, "--db", url)
	projects := base + "/projects"
	mine := proposalJSON("gp-1", "")
	for _, c := range []struct {
		name, ct, token, body string
		want                  int
	}{
		{"no token", "application/json", "", mine, 401},
		{"revoked token", "application/json", revoked, mine, 401},
		{"text/plain", "text/plain", submitter, mine, 415},
		{"submitter sets funded", "application/json", submitter, proposalJSON("gp-1", `,"status":"funded"`), 403},
		{"submitter", "application/geo+json", submitter, mine, 201},
		{"same id again", "application/json", committee, mine, 409},
	} {
		if got := post(t, projects, c.ct, c.token, c.body).StatusCode; got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}

	// 20 parallel POSTs with one id: exactly one 201, the rest 409.
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = post(t, projects, "application/json", submitter, proposalJSON("race-1", "")).StatusCode
		}()
	}
	wg.Wait()
	n201, n409 := 0, 0
	for _, c := range codes {
		switch c {
		case 201:
			n201++
		case 409:
			n409++
		}
	}
	if n201 != 1 || n409 != 19 {
		t.Errorf("20 parallel POSTs of race-1: %d × 201, %d × 409 (%v); want 1 and 19", n201, n409, codes)
	}

	// A retried body without an id, with one Idempotency-Key: one row, the first answer.
	noID := strings.Replace(proposalJSON("x", ""), `"id":"x",`, "", 1)
	locs := map[string]bool{}
	for range 3 {
		resp := post(t, projects, "application/json", submitter, noID, "Idempotency-Key", "antrag-7")
		if resp.StatusCode != 201 {
			t.Fatalf("POST with Idempotency-Key: %d", resp.StatusCode)
		}
		locs[resp.Header.Get("Location")] = true
	}
	if len(locs) != 1 {
		t.Errorf("a repeated Idempotency-Key gave Locations %v, want one", locs)
	}

	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Errorf("%d projects stored, want 3 (gp-1, race-1, the idempotent one)", len(ps))
	}
	entries, err := st.Audit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, e := range entries {
		if e.Action == "project.create" {
			creates++
			if e.Actor != "amt-pirna" || e.Role != layers.RoleSubmitter || len(e.After) == 0 {
				t.Errorf("audit entry %+v: want actor amt-pirna, role submitter, the record after", e)
			}
		}
	}
	if creates != 3 {
		t.Errorf("audit trail holds %d creates, want 3", creates)
	}

	// An import of proposals from a file replaces only that file's proposals.
	dir := t.TempDir()
	file := filepath.Join(dir, "antraege.geojson")
	fc := `{"type":"FeatureCollection","features":[` + proposalJSON("file-1", "") + `,` + proposalJSON("file-2", "") + `]}`
	if err := os.WriteFile(file, []byte(fc), 0o644); err != nil {
		t.Fatal(err)
	}
	runOut("import", "projects", file)
	fc = `{"type":"FeatureCollection","features":[` + proposalJSON("file-1", "") + `]}`
	if err := os.WriteFile(file, []byte(fc), 0o644); err != nil {
		t.Fatal(err)
	}
	runOut("import", "projects", file)
	ps, err = st.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[string]int{}
	for _, p := range ps {
		bySource[p.Source]++
	}
	if bySource["api"] != 3 || bySource["file:antraege.geojson"] != 1 || len(ps) != 4 {
		t.Errorf("after two imports: projects by source %v, want 3 from the API and 1 from the file", bySource)
	}
	// A file whose id is held by an API proposal is refused as a whole.
	fc = `{"type":"FeatureCollection","features":[` + proposalJSON("gp-1", "") + `]}`
	other := filepath.Join(dir, "andere.geojson")
	if err := os.WriteFile(other, []byte(fc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"import", "projects", other}, env, &out, &errOut); err == nil || !strings.Contains(err.Error(), `"gp-1" is held by source "api"`) {
		t.Errorf("import of an id held by the API: error %v, want one naming gp-1 and its source api", err)
	}
}

// TestDamagedFilesAgainstPostGIS imports the real hospital table cut off,
// halved and in Latin-1: the damaged ones are refused with the database
// unchanged, the Latin-1 one is decoded to the same names.
func TestDamagedFilesAgainstPostGIS(t *testing.T) {
	d := testdata(t)
	src, err := os.ReadFile(filepath.Join(d, "facilities", "krankenhaeuser_sachsen_2020.csv"))
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.New(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	var out, errOut syncBuffer
	if err := run(ctx, []string{"migrate"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	names := func() []string {
		fs, err := st.Facilities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, f := range fs {
			ns = append(ns, f.Name)
		}
		return ns
	}
	if err := run(ctx, []string{"import", "facilities", write("kh.csv", src)}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	want := names()
	lines := strings.SplitAfter(string(src), "\n")
	half := strings.Join(lines[:len(lines)/2], "")
	for _, c := range []struct {
		name, file, wantErr string
	}{
		{"cut inside its last line", write("kh_cut.csv", src[:len(src)-30]), "line"},
		{"cut before the last line break", write("kh_cut2.csv", []byte(strings.TrimRight(string(src), "\r\n"))), "line break"},
		{"half of the rows", write("kh_half.csv", []byte(half)), "--allow-shrink"},
	} {
		err := run(ctx, []string{"import", "facilities", c.file}, env, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.wantErr)
		}
		if got := names(); len(got) != len(want) {
			t.Errorf("%s: %d hospitals stored after the refused import, want the %d before", c.name, len(got), len(want))
		}
	}
	if err := run(ctx, []string{"import", "facilities", filepath.Join(dir, "kh_half.csv"), "--allow-shrink"}, env, &out, &errOut); err != nil {
		t.Errorf("half of the rows with --allow-shrink: %v", err)
	}
	// Latin-1: every name decoded as in the UTF-8 file, no U+FFFD.
	var latin1 []byte
	for _, r := range string(src) {
		if r > 0xFF {
			t.Skipf("the hospital table holds %q, which Latin-1 cannot hold", r)
		}
		latin1 = append(latin1, byte(r))
	}
	if err := run(ctx, []string{"import", "facilities", write("kh_latin1.csv", latin1), "--allow-shrink"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	got := names()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("names from the Latin-1 file differ from the UTF-8 file's")
	}
	umlauts := 0
	for _, n := range got {
		if strings.ContainsRune(n, '\uFFFD') {
			t.Errorf("stored name %q holds U+FFFD", n)
		}
		if strings.ContainsAny(n, "äöüÄÖÜß") {
			umlauts++
		}
	}
	if umlauts == 0 {
		t.Error("no name with an umlaut: the test does not exercise the decoding")
	}
}
