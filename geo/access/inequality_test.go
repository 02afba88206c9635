package access

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// referenceGini is the definition: the mean absolute difference over all
// pairs of residents over twice the mean, with integer weights expanded.
func referenceGini(v []float64) float64 {
	var sum, diff float64
	for _, a := range v {
		sum += a
		for _, b := range v {
			diff += math.Abs(a - b)
		}
	}
	n := float64(len(v))
	return diff / (2 * n * n * (sum / n))
}

// referencePalma sorts single residents and sums the first 40 % and the
// last 10 % (n a multiple of 10).
func referencePalma(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	var lo, hi float64
	for i := 0; i < n*4/10; i++ {
		lo += s[i]
	}
	for i := n - n/10; i < n; i++ {
		hi += s[i]
	}
	return hi / lo
}

func TestSummaryHandWorked(t *testing.T) {
	s, err := Summarise([]float64{1, 2, 3}, []float64{1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Pairs: |1−2|+|1−3|+|2−3| = 4, both orders 8; 8 / (2·9·2) = 2/9.
	if s.Gini == nil || !near(*s.Gini, 2.0/9) {
		t.Errorf("gini %v, want 2/9", s.Gini)
	}
	if s.Mean != 2 || s.Residents != 3 || s.Unreached != 0 {
		t.Errorf("summary %+v", s)
	}
	// Ten residents with 1…10 minutes: the longest 10 % travel 10, the
	// shortest 40 % 1+2+3+4 = 10: Palma 1.
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	s, _ = Summarise(v, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	if s.Palma == nil || !near(*s.Palma, 1) {
		t.Errorf("palma %v, want 1", s.Palma)
	}
	// Percentiles: the 50th is the 5th resident's 5 minutes.
	if p := s.Percentile[2]; p == nil || *p != 5 {
		t.Errorf("median %v, want 5", p)
	}
	// Equal times: Gini 0, Palma 0.1/0.4 = 0.25.
	s, _ = Summarise([]float64{7, 7}, []float64{5, 5})
	if s.Gini == nil || *s.Gini != 0 || s.Palma == nil || !near(*s.Palma, 0.25) {
		t.Errorf("equal times: gini %v palma %v", s.Gini, s.Palma)
	}
	// Unreached residents count in the percentiles (as nil) but not in the
	// inequality of the reached.
	s, _ = Summarise([]float64{1, math.Inf(1)}, []float64{1, 3})
	if s.Unreached != 3 || s.Percentile[2] != nil || s.Percentile[0] == nil || s.Mean != 1 {
		t.Errorf("unreached: %+v", s)
	}
	if _, err := Summarise([]float64{-1}, []float64{1}); err == nil {
		t.Error("negative value: no error")
	}
	if _, err := Summarise([]float64{1}, []float64{math.NaN()}); err == nil {
		t.Error("NaN weight: no error")
	}
}

func TestSummaryRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(12)
		vals := make([]float64, n)
		wts := make([]float64, n)
		var expanded []float64
		for i := range vals {
			vals[i] = float64(rng.IntN(3600))
			wts[i] = float64(10 * (1 + rng.IntN(6)))
			for k := 0; k < int(wts[i]); k++ {
				expanded = append(expanded, vals[i])
			}
		}
		s, err := Summarise(vals, wts)
		if err != nil {
			t.Fatal(err)
		}
		if g := referenceGini(expanded); s.Gini == nil || math.Abs(*s.Gini-g) > 1e-9 {
			t.Fatalf("trial %d: gini %v, reference %v", trial, s.Gini, g)
		}
		p := referencePalma(expanded)
		if math.IsInf(p, 1) || math.IsNaN(p) {
			if s.Palma != nil {
				t.Fatalf("trial %d: palma %v, reference undefined", trial, *s.Palma)
			}
		} else if s.Palma == nil || math.Abs(*s.Palma-p) > 1e-9*p {
			t.Fatalf("trial %d: palma %v, reference %v", trial, s.Palma, p)
		}
		sorted := append([]float64(nil), expanded...)
		sort.Float64s(sorted)
		for pi, lvl := range Percentiles {
			k := int(math.Ceil(lvl/100*float64(len(sorted)))) - 1
			if want := sorted[max(0, k)]; s.Percentile[pi] == nil || *s.Percentile[pi] != want {
				t.Fatalf("trial %d: p%v = %v, want %v", trial, lvl, s.Percentile[pi], want)
			}
		}
	}
}
