package demo

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

var (
	regionOnce sync.Once
	region     *Region
	regionErr  error
)

// defaultRegion generates the default region once for all checks.
func defaultRegion(tb testing.TB) *Region {
	tb.Helper()
	regionOnce.Do(func() { region, regionErr = Generate(DefaultSeed) })
	if regionErr != nil {
		tb.Fatalf("Generate(%d): %v", DefaultSeed, regionErr)
	}
	return region
}

func encode(tb testing.TB, r *Region) []byte {
	tb.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDeterministic(t *testing.T) {
	a := encode(t, defaultRegion(t))
	b, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, encode(t, b)) {
		t.Fatalf("two runs with seed %d differ", DefaultSeed)
	}
	c, err := Generate(DefaultSeed + 1)
	if err != nil {
		t.Fatalf("seed %d: %v", DefaultSeed+1, err)
	}
	if bytes.Equal(a, encode(t, c)) {
		t.Errorf("seeds %d and %d give the same region", DefaultSeed, DefaultSeed+1)
	}
}

// TestOtherSeeds checks that generation succeeds and stays consistent for
// a handful of seeds, not only the default.
func TestOtherSeeds(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42, 7777} {
		r, err := Generate(seed)
		if err != nil {
			t.Errorf("seed %d: %v", seed, err)
			continue
		}
		checkRegion(t, r)
	}
}

func TestConsistency(t *testing.T) {
	checkRegion(t, defaultRegion(t))
}

func checkRegion(t *testing.T, r *Region) {
	t.Helper()
	t.Run("labelled synthetic", func(t *testing.T) { checkLabels(t, r) })
	t.Run("municipalities", func(t *testing.T) { checkMunicipalities(t, r) })
	t.Run("tiling", func(t *testing.T) { checkTiling(t, r) })
	t.Run("cells", func(t *testing.T) { checkCells(t, r) })
	t.Run("roads", func(t *testing.T) { checkRoads(t, r) })
	t.Run("car network connected", func(t *testing.T) { checkCarConnected(t, r) })
	t.Run("river and lake", func(t *testing.T) { checkWater(t, r) })
	t.Run("central places", func(t *testing.T) { checkCentralPlaces(t, r) })
	t.Run("memberships", func(t *testing.T) { checkMemberships(t, r) })
	t.Run("facilities", func(t *testing.T) { checkFacilities(t, r) })
	t.Run("projects", func(t *testing.T) { checkProjects(t, r) })
}

func checkLabels(t *testing.T, r *Region) {
	info := r.Info()
	if !info.Synthetic || !strings.Contains(info.Title, "SYNTHETIC") || info.Versions["demo"] == "" {
		t.Errorf("Info = %+v, want synthetic with a title saying so and a version", info)
	}
	for _, m := range r.Municipalities {
		if !strings.HasSuffix(m.Name, "(synthetisch)") || !strings.HasPrefix(m.AGS, "14999") || m.KreisName != KreisName {
			t.Errorf("municipality %s %q is not labelled synthetic in Kreis 14999", m.AGS, m.Name)
		}
	}
	for _, p := range r.CentralPlaces {
		if p.Source != Source || !strings.Contains(p.Name, "(synthetisch)") {
			t.Errorf("central place %s: source %q, name %q", p.ID, p.Source, p.Name)
		}
	}
	for _, f := range r.Facilities {
		if f.Source != Source || !strings.Contains(f.Name, "(synthetisch)") {
			t.Errorf("facility %s: source %q, name %q", f.ID, f.Source, f.Name)
		}
	}
	for _, p := range r.Projects {
		if !p.Synthetic || !strings.Contains(p.Title, "(synthetisch)") {
			t.Errorf("project %s: synthetic %v, title %q", p.ID, p.Synthetic, p.Title)
		}
	}
	// The whole Kreis lies in Saxony.
	b, err := crs.BoundToLonLat(crs.UTM33N, r.Outline.Bound())
	if err != nil {
		t.Fatal(err)
	}
	sx := crs.SaxonyLonLat
	if !sx.Contains(b.Min) || !sx.Contains(b.Max) {
		t.Errorf("Kreis bound %v is not within Saxony %v", b, sx)
	}
}

func checkMunicipalities(t *testing.T, r *Region) {
	if n := len(r.Municipalities); n < 25 || n > 35 {
		t.Errorf("%d municipalities, want about 30", n)
	}
	total := int64(0)
	minPP, maxPP := math.Inf(1), math.Inf(-1)
	for _, m := range r.Municipalities {
		total += m.Population
		if m.Population < 500 || m.Population > 40000 {
			t.Errorf("%s: population %d outside 500–40,000", m.AGS, m.Population)
		}
		if len(m.AGS) != 8 || m.DEGURBA < 2 || m.DEGURBA > 3 {
			t.Errorf("%s: bad AGS or DEGURBA %d", m.AGS, m.DEGURBA)
		}
		area := ringArea(m.Geometry[0][0]) / 1e6
		if math.Abs(area-m.AreaKm2) > 0.01 {
			t.Errorf("%s: area %.3f km², polygon says %.3f", m.AGS, m.AreaKm2, area)
		}
		for _, k := range []string{layers.IndPurchasingPower, layers.IndUnemployed, layers.IndPopulationForecast, layers.IndShare65Plus, layers.IndPopulationChangePct} {
			if _, ok := m.Indicators[k]; !ok {
				t.Errorf("%s: indicator %s missing", m.AGS, k)
			}
		}
		pp := m.Indicators[layers.IndPurchasingPower]
		minPP, maxPP = math.Min(minPP, pp), math.Max(maxPP, pp)
	}
	if total < 150000 || total > 250000 {
		t.Errorf("total population %d, want 150,000–250,000", total)
	}
	if total != r.Population() {
		t.Errorf("Population() = %d, sum %d", r.Population(), total)
	}
	if maxPP-minPP < 3000 {
		t.Errorf("purchasing power spans only %.0f–%.0f: no structurally weak municipalities", minPP, maxPP)
	}
}

// checkTiling checks that the municipality polygons cover the Kreis
// without overlaps: their areas sum to the Kreis area, and sample points
// lie in exactly one polygon inside the Kreis and in none outside.
func checkTiling(t *testing.T, r *Region) {
	outline := r.Outline[0]
	sum := 0.0
	for _, m := range r.Municipalities {
		if len(m.Geometry) != 1 || len(m.Geometry[0]) != 1 {
			t.Fatalf("%s: want one simple polygon", m.AGS)
		}
		a := ringArea(m.Geometry[0][0])
		if a <= 0 {
			t.Errorf("%s: ring not counter-clockwise or empty (area %g)", m.AGS, a)
		}
		sum += a
	}
	if total := ringArea(outline); math.Abs(sum-total) > 1e-6*total {
		t.Errorf("municipalities cover %.0f m², Kreis %.0f m²", sum, total)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b := outline.Bound().Pad(1000)
	for i := 0; i < 4000; i++ {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		nearEdge := distToLine(p, orb.LineString(outline)) < 1
		n := 0
		for _, m := range r.Municipalities {
			ring := m.Geometry[0][0]
			nearEdge = nearEdge || distToLine(p, orb.LineString(ring)) < 1
			if inRing(ring, p) {
				n++
			}
		}
		if nearEdge {
			continue
		}
		want := 0
		if inRing(outline, p) {
			want = 1
		}
		if n != want {
			t.Fatalf("point %v lies in %d municipalities, want %d", p, n, want)
		}
	}
}

func checkCells(t *testing.T, r *Region) {
	polys := map[string]orb.Ring{}
	pops := map[string]int64{}
	for _, m := range r.Municipalities {
		polys[m.AGS] = m.Geometry[0][0]
		pops[m.AGS] = m.Population
	}
	known := map[string]int64{}
	secret := map[string]int{}
	seen := map[string]bool{}
	for _, c := range r.Cells {
		id, err := grid.ParseID(c.ID)
		if err != nil || id.ResolutionM != 100 || c.ResolutionM != 100 {
			t.Fatalf("cell %q: %v, resolution %d", c.ID, err, c.ResolutionM)
		}
		if seen[c.ID] {
			t.Fatalf("cell %s twice", c.ID)
		}
		seen[c.ID] = true
		ring, ok := polys[c.AGS]
		if !ok {
			t.Fatalf("cell %s: AGS %q is no municipality", c.ID, c.AGS)
		}
		centre, _ := crs.Transform(crs.LAEA, crs.UTM33N, id.Center())
		if !inRing(ring, centre) {
			t.Errorf("cell %s: centre %v not in municipality %s", c.ID, centre, c.AGS)
		}
		if inRing(r.Lake[0], centre) {
			t.Errorf("cell %s lies in the lake", c.ID)
		}
		switch {
		case !c.Known && c.Population != 0:
			t.Errorf("secret cell %s has population %d", c.ID, c.Population)
		case c.Known && c.Population <= 0:
			t.Errorf("cell %s stored with population %d; only populated cells are stored", c.ID, c.Population)
		}
		if c.Known {
			known[c.AGS] += c.Population
		} else {
			secret[c.AGS]++
		}
	}
	if n := len(r.Cells); n == 0 || n >= 60000 {
		t.Errorf("%d cells, want some and fewer than 60,000", n)
	}
	var nsecret int
	var hidden int64
	for ags, pop := range pops {
		// Secret cells hold 1–3 residents each.
		h := pop - known[ags]
		if h < int64(secret[ags]) || h > 3*int64(secret[ags]) {
			t.Errorf("%s: population %d, known cells %d, %d secret cells", ags, pop, known[ags], secret[ags])
		}
		nsecret += secret[ags]
		hidden += h
	}
	if nsecret == 0 || nsecret > len(r.Cells)/20 {
		t.Errorf("%d secret cells of %d, want a few", nsecret, len(r.Cells))
	}
	if hidden != r.SecretPopulation {
		t.Errorf("SecretPopulation = %d, municipalities minus known cells = %d", r.SecretPopulation, hidden)
	}
}

func checkRoads(t *testing.T, r *Region) {
	nodes := map[int64]orb.Point{}
	ids := map[int64]bool{}
	classes := map[string]int{}
	for _, s := range r.Roads {
		if ids[s.ID] {
			t.Fatalf("segment id %d twice", s.ID)
		}
		ids[s.ID] = true
		classes[s.Highway]++
		if len(s.Geometry) < 2 || s.FromNode == s.ToNode {
			t.Fatalf("segment %d: %d vertices, nodes %d→%d", s.ID, len(s.Geometry), s.FromNode, s.ToNode)
		}
		for _, end := range []struct {
			node int64
			p    orb.Point
		}{{s.FromNode, s.Geometry[0]}, {s.ToNode, s.Geometry[len(s.Geometry)-1]}} {
			if q, ok := nodes[end.node]; ok && q != end.p {
				t.Errorf("segment %d: node %d at %v, elsewhere at %v", s.ID, end.node, end.p, q)
			}
			nodes[end.node] = end.p
		}
		if math.Abs(lineLength(s.Geometry)-s.LengthM) > 0.01 {
			t.Errorf("segment %d: LengthM %.2f, geometry %.2f", s.ID, s.LengthM, lineLength(s.Geometry))
		}
		switch s.Highway {
		case "motorway", "motorway_link":
			if s.Foot != (layers.Access{}) || s.Bicycle != (layers.Access{}) || !s.Oneway || !s.Car.Forward || s.Car.Backward {
				t.Errorf("motorway segment %d: %+v", s.ID, s)
			}
		case "track", "path":
			if s.Car.Forward || s.Car.Backward || !s.Foot.Forward || !s.Bicycle.Forward {
				t.Errorf("%s segment %d: cars %+v, foot %+v", s.Highway, s.ID, s.Car, s.Foot)
			}
		case "ferry":
			if s.DurationS <= 0 {
				t.Errorf("ferry %d without duration", s.ID)
			}
		default:
			if !s.Foot.Forward || !s.Foot.Backward || s.Foot.SpeedKmh != 5 || s.Car.SpeedKmh <= 0 || s.Car.SpeedKmh > 130 {
				t.Errorf("segment %d (%s): car %+v, foot %+v", s.ID, s.Highway, s.Car, s.Foot)
			}
		}
	}
	// Positions that coincide belong to one node: segments meet only at
	// nodes they share.
	at := map[orb.Point]int64{}
	for n, p := range nodes {
		if o, ok := at[p]; ok && o != n {
			t.Errorf("nodes %d and %d share position %v", n, o, p)
		}
		at[p] = n
	}
	for _, c := range []string{"motorway", "motorway_link", "primary", "secondary", "tertiary", "residential", "track", "path", "ferry"} {
		if classes[c] == 0 {
			t.Errorf("no %s segments (classes %v)", c, classes)
		}
	}
	oneway := 0
	for _, s := range r.Roads {
		if s.Oneway && s.Highway == "residential" {
			oneway++
		}
	}
	if oneway == 0 {
		t.Errorf("no one-way town street")
	}
}

// checkCarConnected checks that every node on a road open to cars can
// reach, and be reached from, every other by car (strong connectivity).
func checkCarConnected(t *testing.T, r *Region) {
	fwd, bwd := map[int64][]int64{}, map[int64][]int64{}
	var any int64
	for _, s := range r.Roads {
		if s.Car.Forward {
			fwd[s.FromNode] = append(fwd[s.FromNode], s.ToNode)
			bwd[s.ToNode] = append(bwd[s.ToNode], s.FromNode)
			any = s.FromNode
		}
		if s.Car.Backward {
			fwd[s.ToNode] = append(fwd[s.ToNode], s.FromNode)
			bwd[s.FromNode] = append(bwd[s.FromNode], s.ToNode)
		}
	}
	all := map[int64]bool{}
	for n, out := range fwd {
		all[n] = true
		for _, m := range out {
			all[m] = true
		}
	}
	for name, adj := range map[string]map[int64][]int64{"forward": fwd, "backward": bwd} {
		seen := map[int64]bool{any: true}
		stack := []int64{any}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, m := range adj[n] {
				if !seen[m] {
					seen[m] = true
					stack = append(stack, m)
				}
			}
		}
		if len(seen) != len(all) {
			t.Errorf("%s search from node %d reaches %d of %d car nodes", name, any, len(seen), len(all))
		}
	}
}

func checkWater(t *testing.T, r *Region) {
	crossing := map[int64]bool{}
	for _, id := range r.Crossings {
		crossing[id] = true
	}
	bridges, ferries := 0, 0
	for _, s := range r.Roads {
		crosses := linesCross(s.Geometry, r.River)
		if crosses != crossing[s.ID] {
			t.Errorf("segment %d: crosses river %v, listed %v", s.ID, crosses, crossing[s.ID])
		}
		if linesCross(s.Geometry, orb.LineString(r.Lake[0])) || inRing(r.Lake[0], s.Geometry[0]) {
			t.Errorf("segment %d touches the lake", s.ID)
		}
		if !crosses {
			continue
		}
		switch {
		case s.Highway == "motorway":
		case s.Highway == "ferry":
			ferries++
		case strings.Contains(s.Name, "Brücke"):
			bridges++
		default:
			t.Errorf("segment %d (%s %q) crosses the river without a bridge", s.ID, s.Highway, s.Name)
		}
	}
	if ferries != 1 || bridges < 1 || bridges > 3 {
		t.Errorf("%d ferries and %d bridges, want 1 and a few", ferries, bridges)
	}
}

func checkCentralPlaces(t *testing.T, r *Region) {
	levels := map[layers.Level]int{}
	verbund := map[string][]string{}
	for _, p := range r.CentralPlaces {
		levels[p.Level]++
		if p.Verbund != "" {
			verbund[p.Verbund] = append(verbund[p.Verbund], p.AGS)
		}
	}
	if levels[layers.LevelOberzentrum] != 1 || levels[layers.LevelMittelzentrum] < 2 || levels[layers.LevelGrundzentrum] < 3 {
		t.Errorf("levels %v, want one Oberzentrum, Mittelzentren and Grundzentren", levels)
	}
	if len(verbund) != 1 {
		t.Errorf("Verbünde %v, want one", verbund)
	}
	for name, members := range verbund {
		if len(members) != 2 {
			t.Errorf("Verbund %s has %d rows, want 2", name, len(members))
		}
	}
}

func checkMemberships(t *testing.T, r *Region) {
	kinds := map[layers.MembershipKind]int{}
	mb := map[string]int{}
	for _, m := range r.Memberships {
		kinds[m.Kind]++
		if m.Kind == layers.KindMittelbereich {
			mb[m.AGS]++
		}
	}
	if kinds[layers.KindVerbund] != 2 || kinds[layers.KindVerwaltungsgemeinschaft] < 6 {
		t.Errorf("membership kinds %v", kinds)
	}
	double := 0
	for _, m := range r.Municipalities {
		switch mb[m.AGS] {
		case 0:
			t.Errorf("%s is in no Mittelbereich", m.AGS)
		case 2:
			double++
		}
	}
	if double != 1 {
		t.Errorf("%d municipalities in two Mittelbereiche, want 1", double)
	}
}

func checkFacilities(t *testing.T, r *Region) {
	polys := map[string]orb.Ring{}
	for _, m := range r.Municipalities {
		polys[m.AGS] = m.Geometry[0][0]
	}
	per := map[layers.Category]int{}
	for _, f := range r.Facilities {
		per[f.Category]++
		if !inRing(polys[f.AGS], f.Location) {
			t.Errorf("facility %s at %v is not in its municipality %s", f.ID, f.Location, f.AGS)
		}
	}
	for _, c := range layers.Categories() {
		if per[c.Category] == 0 {
			t.Errorf("no facility of category %s", c.Category)
		}
	}
}

func checkProjects(t *testing.T, r *Region) {
	if n := len(r.Projects); n < 5 || n > 8 {
		t.Errorf("%d projects, want 5–8", n)
	}
	kinds := map[layers.ProjectKind]int{}
	funding := 0.0
	for _, p := range r.Projects {
		kinds[p.Kind]++
		funding += p.RequestedFunding
		if p.RequestedFunding <= 0 || p.RequestedFunding > p.InvestmentCost {
			t.Errorf("project %s: funding %.0f of cost %.0f", p.ID, p.RequestedFunding, p.InvestmentCost)
		}
		if len(p.Municipalities) == 0 {
			t.Errorf("project %s names no municipality", p.ID)
		}
	}
	if len(kinds) != 3 {
		t.Errorf("project kinds %v, want all three", kinds)
	}
	if funding <= 4e6 {
		t.Errorf("requested funding %.0f does not exceed the budget of 4 M€", funding)
	}
}

func TestApportion(t *testing.T) {
	cases := []struct {
		name  string
		total int64
		ws    []float64
		want  []int64
	}{
		{"even", 6, []float64{1, 1, 1}, []int64{2, 2, 2}},
		{"remainders", 10, []float64{1, 1, 1}, []int64{4, 3, 3}},
		{"largest remainder", 10, []float64{0.5, 0.3, 0.2}, []int64{5, 3, 2}},
		{"one", 7, []float64{3}, []int64{7}},
		{"zero total", 0, []float64{1, 2}, []int64{0, 0}},
	}
	for _, tc := range cases {
		got := apportion(tc.total, tc.ws)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(DefaultSeed); err != nil {
			b.Fatal(err)
		}
	}
}
