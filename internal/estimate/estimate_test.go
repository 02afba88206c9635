package estimate

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"reach/internal/network"
	"reach/internal/network/netgen"
	"reach/layers"
)

func TestCurveSeconds(t *testing.T) {
	c := Curve{Knots: []Knot{{DistanceM: 1000, Detour: 2, SpeedKmh: 36}, {DistanceM: 3000, Detour: 1, SpeedKmh: 72}}}
	cases := []struct {
		name string
		d    float64
		want float64
	}{
		{"zero", 0, 0},
		{"below the first knot keeps it", 500, 500 * 2 / 10},
		{"at a knot", 1000, 1000 * 2 / 10},
		{"between: detour 1.5, 54 km/h", 2000, 2000 * 1.5 / 15},
		{"beyond the last knot keeps it", 5000, 5000 * 1 / 20},
		{"infinite", math.Inf(1), math.Inf(1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Seconds(tc.d); math.Abs(got-tc.want) > 1e-9 && got != tc.want {
				t.Errorf("Seconds(%v) = %v, want %v", tc.d, got, tc.want)
			}
		})
	}
}

func TestCurveCheck(t *testing.T) {
	bad := map[string]Curve{
		"empty":          {},
		"not ascending":  {Knots: []Knot{{1000, 1.2, 30}, {1000, 1.2, 40}}},
		"detour below 1": {Knots: []Knot{{1000, 0.9, 30}}},
		"zero speed":     {Knots: []Knot{{1000, 1.2, 0}}},
		"time falls":     {Knots: []Knot{{1000, 1.2, 10}, {1100, 1.2, 100}}},
	}
	for name, c := range bad {
		if err := c.Check(); err == nil {
			t.Errorf("%s: Check() = nil, want an error", name)
		}
	}
	if err := (Curve{Knots: []Knot{{1000, 1.5, 30}, {5000, 1.3, 50}}}).Check(); err != nil {
		t.Errorf("good curve: %v", err)
	}
}

func TestDefaultModel(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// The calibration says long car trips are faster per straight
	// kilometre than short ones, and every mode is slower than the car
	// beyond a few kilometres.
	short, long := m.Seconds(layers.Car, 2000)/2000, m.Seconds(layers.Car, 40000)/40000
	if !(long < short) {
		t.Errorf("car: %.4f s/m at 40 km, %.4f s/m at 2 km; want faster per metre on long trips", long, short)
	}
	for _, d := range []float64{5000, 20000} {
		if c, b, f := m.Seconds(layers.Car, d), m.Seconds(layers.Bicycle, d), m.Seconds(layers.Foot, d); !(c < b && b < f) {
			t.Errorf("at %v m: car %v s, bicycle %v s, foot %v s; want car < bicycle < foot", d, c, b, f)
		}
	}
	if m.Source == "" {
		t.Error("the default model names no source")
	}
}

// TestFitRecoversAGrid samples a generated network and checks that the
// fitted curve reproduces the routed times on average in every bin (the
// knots are ratios of sums, so the bias of each bin is small) and that
// every detour is at least 1.
func TestFitRecoversAGrid(t *testing.T) {
	gen := netgen.Generate(netgen.Config{Seed: 3, Columns: 200, Rows: 160})
	nets, err := network.Build(context.Background(), gen.Roads(), network.Options{Modes: []layers.Mode{layers.Car}, SnapRadiusM: 2000})
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := Sample(context.Background(), "gen", nets[layers.Car], SampleOptions{Origins: 60, Destinations: 30, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) < 500 {
		t.Fatalf("only %d pairs sampled", len(pairs))
	}
	for _, p := range pairs {
		if p.NetworkM < p.StraightM*0.999 {
			t.Fatalf("pair %+v: the network is shorter than the straight line", p)
		}
	}
	c, bins, err := Fit(pairs, DefaultBinsM, 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	var mean float64
	for _, p := range pairs {
		mean += p.Seconds
	}
	mean /= float64(len(pairs))
	for _, b := range bins {
		if math.Abs(b.BiasS) > 0.15*b.MAES+0.05*mean {
			t.Errorf("bin %v–%v m: bias %.1f s with MAE %.1f s", b.LoM, b.HiM, b.BiasS, b.MAES)
		}
	}
}

// TestSecondsIntoEqualsSeconds holds the batch conversion equal, bit for
// bit, to Seconds: random distances over the whole range, the knots
// themselves, their neighbours in floating point, 0, negative, +Inf, NaN,
// for the embedded model, a constant model and odd curves.
func TestSecondsIntoEqualsSeconds(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	curves := []Curve{def.Car, def.Bicycle, def.Foot, Constant(1.3, 50, 15, 5).Car,
		{Knots: []Knot{{DistanceM: 100, Detour: 2, SpeedKmh: 10}, {DistanceM: 100.5, Detour: 1.5, SpeedKmh: 20}, {DistanceM: 90000, Detour: 1.2, SpeedKmh: 80}}},
		// knots at the starts of table slots (powers of two and halves)
		{Knots: []Knot{{DistanceM: 512, Detour: 1.6, SpeedKmh: 12}, {DistanceM: 768, Detour: 1.5, SpeedKmh: 20}, {DistanceM: 1024, Detour: 1.4, SpeedKmh: 30}, {DistanceM: 4096, Detour: 1.3, SpeedKmh: 60}}},
		// knots too close for the table: converted one at a time
		{Knots: []Knot{{DistanceM: 1000, Detour: 1.5, SpeedKmh: 20}, {DistanceM: 1000 + 1e-9, Detour: 1.4, SpeedKmh: 30}, {DistanceM: 5000, Detour: 1.3, SpeedKmh: 60}}},
		{}}
	for i, c := range curves[:6] { // the table serves these
		if c.table().slot == nil && len(c.Knots) != 1 {
			t.Errorf("curve %d: no table", i)
		}
	}
	if curves[6].table().slot != nil {
		t.Errorf("curve 6: a table although two knots share a slot")
	}
	rng := rand.New(rand.NewPCG(3, 9))
	for ci, c := range curves {
		var d []float64
		for _, k := range c.Knots {
			d = append(d, k.DistanceM, math.Nextafter(k.DistanceM, 0), math.Nextafter(k.DistanceM, math.Inf(1)))
		}
		d = append(d, 0, -1, math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, 1e12)
		for range 200000 {
			d = append(d, math.Exp(rng.Float64()*14)-1)
		}
		got := make([]float64, len(d))
		c.SecondsInto(got, d)
		for i, x := range d {
			want := c.Seconds(x)
			if math.Float64bits(got[i]) != math.Float64bits(want) && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
				t.Fatalf("curve %d, %v m: SecondsInto %v s, Seconds %v s", ci, x, got[i], want)
			}
		}
		c.SecondsInto(d, d) // in place
		for i := range d {
			if math.Float64bits(d[i]) != math.Float64bits(got[i]) {
				t.Fatalf("curve %d: in place differs at %d", ci, i)
			}
		}
	}
}

// BenchmarkSecondsInto converts 400,000 distances (log-uniform, 50 m to
// 40 km: the cells of Saxony at 100 m) by car, in one batch and one by one.
func BenchmarkSecondsInto(b *testing.B) {
	m, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	d := make([]float64, 400000)
	for i := range d {
		d[i] = 50 * math.Exp(rng.Float64()*math.Log(800))
	}
	dst := make([]float64, len(d))
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			m.Car.SecondsInto(dst, d)
		}
	})
	b.Run("one by one", func(b *testing.B) {
		for b.Loop() {
			for i, x := range d {
				dst[i] = m.Seconds(layers.Car, x)
			}
		}
	})
}
