package appraisal

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// jointScore is the plain definition: the sum of the scores less, per key,
// what the selected shares add beyond the largest one.
func jointScore(cands []Candidate, set []int) float64 {
	total := 0.0
	sum := map[int64]float64{}
	mx := map[int64]float64{}
	for _, i := range set {
		total += cands[i].Score
		for _, s := range cands[i].Shares {
			sum[s.Key] += s.Points
			mx[s.Key] = math.Max(mx[s.Key], s.Points)
		}
	}
	for k := range sum {
		total -= sum[k] - mx[k]
	}
	return total
}

// randomCandidates draws n proposals whose shares lie on a few common keys,
// so that overlaps are frequent.
func randomCandidates(rng *rand.Rand, n, keys int) []Candidate {
	cs := make([]Candidate, n)
	for i := range cs {
		c := Candidate{ID: string(rune('a' + i)), CostCents: int64(rng.IntN(100)+1) * 10_000_00}
		seen := map[int64]bool{}
		for range rng.IntN(6) {
			k := int64(rng.IntN(keys))
			if seen[k] {
				continue
			}
			seen[k] = true
			p := float64(rng.IntN(20))
			c.Shares = append(c.Shares, Share{Key: k, Points: p})
			c.Score += p
		}
		c.Score += float64(rng.IntN(10))
		cs[i] = c
	}
	return cs
}

func TestSelectPortfolioMatchesBruteForce(t *testing.T) {
	seed := uint64(20261204)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for trial := range 300 {
		n := 1 + rng.IntN(11)
		cands := randomCandidates(rng, n, 8)
		budget := int64(rng.IntN(400)) * 10_000_00
		best := -1.0
		for mask := 0; mask < 1<<n; mask++ {
			var set []int
			var cost int64
			for i := range n {
				if mask&(1<<i) != 0 {
					set = append(set, i)
					cost += cands[i].CostCents
				}
			}
			if cost <= budget {
				best = math.Max(best, jointScore(cands, set))
			}
		}
		pf, err := SelectPortfolio(context.Background(), cands, budget, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var set []int
		var cost int64
		for _, id := range pf.Selected {
			i := int(id[0] - 'a')
			set = append(set, i)
			cost += cands[i].CostCents
		}
		if !pf.Optimal || cost > budget || cost != pf.CostCents {
			t.Fatalf("trial %d: optimal %v, cost %d (reported %d), budget %d", trial, pf.Optimal, cost, pf.CostCents, budget)
		}
		if got := jointScore(cands, set); math.Abs(got-best) > 1e-6 || math.Abs(pf.JointScore-got) > 1e-6 {
			t.Fatalf("trial %d: joint score %v (reported %v), brute force %v", trial, got, pf.JointScore, best)
		}
	}
}

// TestSelectPortfolioCreditsOnce: two identical proposals for the same
// residents are worth one; a third with other residents is preferred.
func TestSelectPortfolioCreditsOnce(t *testing.T) {
	shares := []Share{{Key: 1, Points: 30}, {Key: 2, Points: 30}}
	cands := []Candidate{
		{ID: "a", Score: 70, CostCents: 100, Shares: shares},
		{ID: "b", Score: 70, CostCents: 100, Shares: shares},
		{ID: "c", Score: 50, CostCents: 100, Shares: []Share{{Key: 3, Points: 40}}},
	}
	pf, err := SelectPortfolio(context.Background(), cands, 200, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.Selected) != 2 || pf.Selected[1] != "c" || pf.JointScore != 120 || !pf.Optimal {
		t.Fatalf("got %+v, want a (or b) with c, joint 120", pf)
	}
	pf, _ = SelectPortfolio(context.Background(), cands[:2], 200, 0)
	if len(pf.Selected) != 2 || pf.JointScore != 80 || pf.SumOfScores != 140 {
		t.Fatalf("both twins: got %+v, want joint 80 of a sum of 140", pf)
	}
}

// correlatedCandidates are n proposals whose costs are proportional to
// their scores (every ratio equal: the bound prunes nothing), the hardest
// case for branch and bound.
func correlatedCandidates(rng *rand.Rand, n int) []Candidate {
	cs := make([]Candidate, n)
	for i := range cs {
		score := 10 + rng.Float64()*90
		cs[i] = Candidate{ID: "p" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Score: score, CostCents: int64(score*100_000) * 100}
	}
	return cs
}

func TestSelectPortfolioDeadline(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cands := correlatedCandidates(rng, 200)
	var total int64
	for _, c := range cands {
		total += c.CostCents
	}
	deadline := 200 * time.Millisecond
	start := time.Now()
	pf, err := SelectPortfolio(context.Background(), cands, total/3+12345, deadline)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > deadline+2*time.Second {
		t.Errorf("took %v with a deadline of %v", took, deadline)
	}
	if pf.JointScore <= 0 || pf.UpperBound < pf.JointScore || pf.OptimalityGap < 0 || pf.OptimalityGap > 0.05 {
		t.Errorf("joint %v, bound %v, gap %v: want a near-optimal set with a proven bound", pf.JointScore, pf.UpperBound, pf.OptimalityGap)
	}
	if !pf.Optimal && pf.StoppedBy != "deadline" {
		t.Errorf("not optimal, stopped by %q", pf.StoppedBy)
	}
	t.Logf("200 correlated proposals: %d nodes in %v, optimal %v, gap %.2g", pf.Nodes, took, pf.Optimal, pf.OptimalityGap)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SelectPortfolio(ctx, cands, total/3, time.Minute); err == nil {
		t.Error("a cancelled context gave no error")
	}
}

func BenchmarkSelectPortfolio200Correlated(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	cands := correlatedCandidates(rng, 200)
	var total int64
	for _, c := range cands {
		total += c.CostCents
	}
	b.ReportAllocs()
	var gap float64
	for b.Loop() {
		pf, err := SelectPortfolio(context.Background(), cands, total/3+12345, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		gap = pf.OptimalityGap
	}
	b.ReportMetric(gap, "gap")
}

// BenchmarkSelectWithinBudget30Correlated is the baseline: the exact
// selection without deadline on 30 proposals with costs proportional to
// their scores.
func BenchmarkSelectWithinBudget30Correlated(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	cands := correlatedCandidates(rng, 30)
	items := make([]BudgetItem, len(cands))
	var total float64
	for i, c := range cands {
		items[i] = BudgetItem{ID: c.ID, Score: c.Score, Cost: float64(c.CostCents) / 100}
		total += items[i].Cost
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SelectWithinBudget(items, total/3+123.45); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelectPortfolio30Correlated(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	cands := correlatedCandidates(rng, 30)
	var total int64
	for _, c := range cands {
		total += c.CostCents
	}
	b.ReportAllocs()
	var gap float64
	for b.Loop() {
		pf, err := SelectPortfolio(context.Background(), cands, total/3+12345, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		gap = pf.OptimalityGap
	}
	b.ReportMetric(gap, "gap")
}
