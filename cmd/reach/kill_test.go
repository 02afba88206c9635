package main

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reach/internal/pgtest"
)

// TestImportHelperProcess is not a test: TestKillDuringOSMImport runs the
// test binary again with REACH_IMPORT_HELPER set, and this runs `reach
// import` in that process, to be killed.
func TestImportHelperProcess(t *testing.T) {
	args := os.Getenv("REACH_IMPORT_HELPER")
	if args == "" {
		t.Skip("helper process of TestKillDuringOSMImport")
	}
	err := run(context.Background(), strings.Split(args, "\x1f"), os.Getenv, os.Stdout, os.Stderr)
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// networkState counts what one OSM import writes: roads, the three graph
// tables and the OSM facilities.
type networkState [5]int64

func readNetworkState(t *testing.T, url string) networkState {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s networkState
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM roads), (SELECT count(*) FROM graph_car),
		(SELECT count(*) FROM graph_bicycle), (SELECT count(*) FROM graph_foot),
		(SELECT count(*) FROM facilities WHERE source_key = 'osm')`).Scan(&s[0], &s[1], &s[2], &s[3], &s[4])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKillDuringOSMImport kills `reach import osm` with SIGKILL at random
// moments and checks after each kill that roads, graphs and OSM facilities
// all come from one and the same extract.
func TestKillDuringOSMImport(t *testing.T) {
	if testing.Short() {
		t.Skip("kills import processes; skipped in -short")
	}
	d := testdata(t)
	extracts := []string{filepath.Join(d, "osm", "hoyerswerda.osm.pbf"), filepath.Join(d, "osm", "bautzen_a4_junction.osm")}
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
	// The state each extract leaves when its import completes.
	want := map[networkState]string{}
	var took time.Duration
	for _, x := range extracts {
		start := time.Now()
		if err := run(ctx, []string{"import", "osm", x, "--allow-shrink"}, env, &out, &errOut); err != nil {
			t.Fatalf("import %s: %v\n%s", x, err, errOut.String())
		}
		took = max(took, time.Since(start))
		want[readNetworkState(t, url)] = filepath.Base(x)
	}
	if len(want) != 2 {
		t.Fatalf("the two extracts leave the same counts %v; the test cannot tell them apart", want)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d; a full import takes up to %s", seed, took)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	seen := map[string]int{}
	const kills = 6
	for i := range kills {
		x := extracts[i%2]
		cmd := exec.Command(os.Args[0], "-test.run=^TestImportHelperProcess$")
		cmd.Env = append(os.Environ(), "REACH_IMPORT_HELPER="+strings.Join([]string{"import", "osm", x, "--allow-shrink"}, "\x1f"), "DATABASE_URL="+url)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The helper starts in a few tens of milliseconds; kill it
		// anywhere from its start to well past the import's end.
		wait := time.Duration(rng.Int64N(int64(3*took/2 + 200*time.Millisecond)))
		time.Sleep(wait)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		st := readNetworkState(t, url)
		from, ok := want[st]
		if !ok {
			t.Fatalf("kill %d after %s during the import of %s: roads, graph_car, graph_bicycle, graph_foot, osm facilities = %v; want all from one extract %v",
				i, wait, filepath.Base(x), st, want)
		}
		seen[from]++
	}
	t.Logf("after %d kills the network came from %v", kills, seen)
}
