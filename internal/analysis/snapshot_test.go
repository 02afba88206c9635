package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/geo/route"
	"reach/internal/analysis/snapshot"
	"reach/layers"
	"reach/layers/memory"
)

// demoStore loads the demo region of seed into a fresh memory store and
// returns it with its description.
func demoStore(tb testing.TB, seed int64) (*memory.Store, layers.StoreInfo) {
	tb.Helper()
	ctx := context.Background()
	st := memory.New(memory.WithInfo(demo.Info(seed)))
	if err := demo.Load(ctx, st, seed); err != nil {
		tb.Fatalf("demo.Load(seed %d): %v", seed, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return st, info
}

var snapNow = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// writeSnapshot returns the snapshot of e.
func writeSnapshot(tb testing.TB, e *Engine) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		tb.Fatalf("WriteSnapshot: %v", err)
	}
	return buf.Bytes()
}

// TestSnapshotRoundTripDemo builds the demo region without a snapshot,
// writes its snapshot, builds again from it, and checks that every mode
// gives the same travel times and isochrones (the matrix: internal/analysis/matrix) as the engine built
// from the roads (the reference, computed without any snapshot code).
func TestSnapshotRoundTripDemo(t *testing.T) {
	ctx := context.Background()
	st, info := demoStore(t, 1)
	ref, err := Build(ctx, st, Options{Info: info, Now: snapNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Modes()) != len(layers.Modes()) {
		t.Fatalf("reference engine has networks for %v, want every mode", ref.Modes())
	}
	data := writeSnapshot(t, ref)
	got, err := Build(ctx, st, Options{Info: info, Now: snapNow, Snapshot: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("Build from snapshot: %v", err)
	}
	t.Logf("demo snapshot: %d bytes; %d cells, %d facilities", len(data), len(ref.cells), len(ref.facs))

	if g, w := got.Stats(), ref.Stats(); !reflect.DeepEqual(g, w) {
		t.Errorf("Stats: got %+v, want %+v", g, w)
	}
	// The derived state itself.
	for _, m := range ref.Modes() {
		a, b := ref.nets[m], got.nets[m]
		if b == nil {
			t.Fatalf("%s: no network from the snapshot", m)
		}
		if a.n.Graph().NumNodes() != b.n.Graph().NumNodes() || a.n.Graph().NumArcs() != b.n.Graph().NumArcs() {
			t.Errorf("%s graph: got %d nodes %d arcs, want %d and %d", m, b.n.Graph().NumNodes(), b.n.Graph().NumArcs(), a.n.Graph().NumNodes(), a.n.Graph().NumArcs())
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"cells", b.cells, a.cells}, {"facilities", b.facs, a.facs},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s %s differs from the engine built from the roads", m, c.name)
			}
		}
	}

	// Query points: cell centres, facilities, and points off the cells.
	var pts []orb.Point
	for i := 0; i < len(ref.cells); i += max(1, len(ref.cells)/12) {
		pts = append(pts, ref.cells[i].lonlat)
	}
	for i := 0; i < len(ref.facs); i += max(1, len(ref.facs)/6) {
		ll, err := fromUTM(ref.facs[i].Location)
		if err != nil {
			t.Fatal(err)
		}
		pts = append(pts, ll)
	}
	for _, m := range ref.Modes() {
		for _, cat := range []layers.Category{layers.CatGeneralPractice, layers.CatPharmacy, layers.CatGymnasium, layers.CatHospital} {
			want, err := ref.TravelTimes(ctx, cat, m)
			if err != nil {
				t.Fatalf("reference TravelTimes %s %s: %v", cat, m, err)
			}
			g, err := got.TravelTimes(ctx, cat, m)
			if err != nil {
				t.Fatalf("TravelTimes %s %s: %v", cat, m, err)
			}
			reached := 0
			for _, tt := range want {
				if tt.Reached && tt.Method == MethodNetwork {
					reached++
				}
			}
			if !reflect.DeepEqual(g, want) {
				t.Errorf("TravelTimes %s %s: differ from the engine built from the roads", cat, m)
			}
			if reached == 0 && len(ref.byCat[cat]) > 0 {
				t.Errorf("TravelTimes %s %s: no cell reached over the network; the comparison says nothing", cat, m)
			}
		}
		ireq := IsochroneRequest{Mode: m, Origins: pts[:2], Minutes: []float64{5, 15}}
		wantI, err := ref.Isochrones(ctx, ireq)
		if err != nil {
			t.Fatalf("reference Isochrones %s: %v", m, err)
		}
		gotI, err := got.Isochrones(ctx, ireq)
		if err != nil {
			t.Fatalf("Isochrones %s: %v", m, err)
		}
		if !reflect.DeepEqual(gotI, wantI) {
			t.Errorf("Isochrones %s: differ from the engine built from the roads", m)
		}
		if len(wantI.Bands) == 0 || wantI.Bands[len(wantI.Bands)-1].CumulativePopulation == 0 {
			t.Errorf("Isochrones %s: reference reaches nobody; the comparison says nothing", m)
		}
	}

	// A snapshot written by the engine built from a snapshot is the same.
	if again := writeSnapshot(t, got); !bytes.Equal(again, data) {
		t.Errorf("snapshot of the engine built from a snapshot differs (%d bytes, want %d)", len(again), len(data))
	}
}

// TestSnapshotMismatch checks that a snapshot of other layers or options is
// rejected with an error naming the difference.
func TestSnapshotMismatch(t *testing.T) {
	ctx := context.Background()
	st1, info1 := demoStore(t, 1)
	st2, info2 := demoStore(t, 2)
	car := []layers.Mode{layers.Car}
	e2, err := Build(ctx, st2, Options{Info: info2, Modes: car, Now: snapNow})
	if err != nil {
		t.Fatal(err)
	}
	snap2 := writeSnapshot(t, e2)
	e1, err := Build(ctx, st1, Options{Info: info1, Modes: car, Now: snapNow})
	if err != nil {
		t.Fatal(err)
	}
	snap1 := writeSnapshot(t, e1)

	// Layers of seed 1 that claim the versions of seed 2: the content
	// hashes must still catch them.
	for _, tc := range []struct {
		name string
		snap []byte
		opts Options
		want string
	}{
		{"other seed", snap2, Options{Info: info1, Modes: car}, `data version of layer "demo"`},
		{"other seed, same version label", snap2, Options{Info: info2, Modes: car}, "populated cells"},
		{"snap radius", snap1, Options{Info: info1, Modes: car, SnapRadiusM: 500}, "snap radius: snapshot 1000 m, options 500 m"},
		{"modes", snap1, Options{Info: info1, Modes: []layers.Mode{layers.Car, layers.Foot}}, "modes"},
		{"version added", snap1, Options{Info: layers.StoreInfo{Versions: map[string]string{"demo": info1.Versions["demo"], "roads": "x"}}, Modes: car}, `layer "roads"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Snapshot = bytes.NewReader(tc.snap)
			e, err := Build(ctx, st1, opts)
			if err == nil {
				t.Fatalf("Build accepted a snapshot of other layers (%d networks)", len(e.nets))
			}
			if !errors.Is(err, ErrSnapshotMismatch) {
				t.Errorf("error %v does not wrap ErrSnapshotMismatch", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}

	// Same layers but one road changed (same count): only the road hash
	// can tell.
	r, _ := demoReader(t)
	ref, err := Build(ctx, r, Options{Modes: car})
	if err != nil {
		t.Fatal(err)
	}
	snap := writeSnapshot(t, ref)
	r.roads = append([]layers.RoadSegment(nil), r.roads...)
	r.roads[len(r.roads)/2].Car.SpeedKmh += 10
	_, err = Build(ctx, r, Options{Modes: car, Snapshot: bytes.NewReader(snap)})
	if !errors.Is(err, ErrSnapshotMismatch) || !strings.Contains(fmt.Sprint(err), "road segments: same count") {
		t.Errorf("changed road: got error %v, want a mismatch of the road segments", err)
	}
}

// smallSnapshot returns the snapshot of the ASCII fixture (car and foot)
// and its engine.
func smallSnapshot(tb testing.TB) ([]byte, *Engine, *fakeReader) {
	tb.Helper()
	r, _ := fixture(tb)
	e := buildEngine(tb, r)
	return writeSnapshot(tb, e), e, r
}

// TestSnapshotDamaged checks that truncated and corrupted snapshots are
// rejected, by the decoder and by Build.
func TestSnapshotDamaged(t *testing.T) {
	data, _, r := smallSnapshot(t)
	if _, err := snapshot.Read(bytes.NewReader(data), nil); err != nil {
		t.Fatalf("intact snapshot: %v", err)
	}
	t.Logf("fixture snapshot: %d bytes", len(data))
	check := func(t *testing.T, what string, b []byte) {
		t.Helper()
		if _, err := snapshot.Read(bytes.NewReader(b), nil); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: readSnapshot error %v, want one wrapping ErrSnapshot", what, err)
		}
	}
	for _, n := range []int{0, 7, 8, 12, 40, len(data) / 3, len(data) / 2, len(data) - 9, len(data) - 1} {
		check(t, fmt.Sprintf("truncated to %d bytes", n), data[:n])
	}
	// Bytes flipped one at a time: every byte of the first 256 (magic and
	// header), the last 64 (index block and end marker), and every 13th
	// byte in between (each decode allocates its read buffers, so every
	// byte would take seconds).
	for i := range data {
		if i >= 256 && i < len(data)-64 && i%13 != 0 {
			continue
		}
		b := bytes.Clone(data)
		b[i] ^= 0x5a
		check(t, fmt.Sprintf("byte %d flipped", i), b)
	}
	check(t, "trailing garbage replaces the end marker", append(bytes.Clone(data[:len(data)-8]), "REACHENX"...))

	// Build surfaces the error and returns no engine.
	bad := bytes.Clone(data)
	bad[len(bad)*2/3] ^= 1
	e, err := Build(context.Background(), r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(bad)})
	if err == nil || e != nil || !errors.Is(err, ErrSnapshot) {
		t.Errorf("Build with a corrupted snapshot: engine %v, error %v; want no engine and ErrSnapshot", e != nil, err)
	}
}

// TestSnapshotCancelled checks that Build stops with the context and does
// not leave the snapshot being read.
func TestSnapshotCancelled(t *testing.T) {
	data, _, r := smallSnapshot(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Build(ctx, r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Build with a cancelled context: error %v, want context.Canceled", err)
	}
}

// FuzzReadSnapshot feeds arbitrary bytes to the snapshot decoder: it must
// never panic, every error must wrap ErrSnapshot, and whatever it accepts
// must be internally consistent.
func FuzzReadSnapshot(f *testing.F) {
	data, _, _ := smallSnapshot(f)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte(snapshot.Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := snapshot.Read(bytes.NewReader(b), nil)
		if err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("error %v does not wrap ErrSnapshot", err)
			}
			return
		}
		for _, sn := range sd.Nets {
			nodes := sn.Network.Graph().NumNodes()
			if len(sn.Cells.AllDepartures()) != sn.Cells.Len() || len(sn.Cells.AllArrivals()) != sn.Cells.Len() || len(sn.Facilities.AllArrivals()) != sn.Facilities.Len() {
				t.Fatalf("%s: inconsistent lengths", sn.Mode)
			}
			for _, list := range [][][]route.Source{sn.Cells.AllDepartures(), sn.Cells.AllArrivals(), sn.Facilities.AllArrivals()} {
				for _, ss := range list {
					for _, s := range ss {
						if int(s.Node) >= nodes {
							t.Fatalf("%s: node %d of %d accepted", sn.Mode, s.Node, nodes)
						}
					}
				}
			}
		}
	})
}
