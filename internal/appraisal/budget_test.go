package appraisal

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"reach/layers"
)

// bruteForceKnapsack enumerates every subset and returns the best total
// score within budget and the least cost among the subsets reaching it
// (scores compared to 1e-6 points, as SelectWithinBudget promises).
func bruteForceKnapsack(items []BudgetItem, budget float64) (bestScore, bestCost float64) {
	n := len(items)
	bestCost = math.Inf(1)
	for mask := 0; mask < 1<<n; mask++ {
		var s, c float64
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				s += items[i].Score
				c += items[i].Cost
			}
		}
		if c > budget+1e-9 {
			continue
		}
		switch {
		case s > bestScore+1e-6:
			bestScore, bestCost = s, c
		case math.Abs(s-bestScore) <= 1e-6 && c < bestCost:
			bestCost = c
		}
	}
	return bestScore, bestCost
}

func TestSelectWithinBudgetBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		n := 1 + rng.IntN(18)
		items := make([]BudgetItem, n)
		var sum float64
		for i := range items {
			cost := float64(10_000 * (1 + rng.IntN(150))) // 10 k€ … 1.5 M€ in steps of 10 k€
			score := math.Round(rng.Float64()*1000) / 10
			if seed%5 == 0 { // many ties: scores proportional to cost, few distinct values
				score = cost / 100_000
			}
			items[i] = BudgetItem{ID: fmt.Sprintf("p%02d", i), Score: score, Cost: cost}
			sum += cost
		}
		budget := math.Round(sum * (0.2 + 0.6*rng.Float64()))
		got, err := SelectWithinBudget(items, budget)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		wantScore, wantCost := bruteForceKnapsack(items, budget)
		// Recompute the selection's totals from the items themselves.
		var s, c float64
		byID := map[string]BudgetItem{}
		for _, it := range items {
			byID[it.ID] = it
		}
		for _, id := range got.Selected {
			s += byID[id].Score
			c += byID[id].Cost
		}
		if c > budget+1e-9 {
			t.Fatalf("seed %d: selection costs %v, over the budget %v", seed, c, budget)
		}
		if math.Abs(s-wantScore) > 1e-6 || math.Abs(c-wantCost) > 1e-6 {
			t.Fatalf("seed %d (n=%d, budget %v): got score %v cost %v (%v), want score %v cost %v",
				seed, n, budget, s, c, got.Selected, wantScore, wantCost)
		}
		if math.Abs(got.TotalScore-s) > 1e-9 || math.Abs(got.TotalCost-c) > 1e-9 {
			t.Fatalf("seed %d: reported totals %v/%v, recomputed %v/%v", seed, got.TotalScore, got.TotalCost, s, c)
		}
	}
}

func TestSelectWithinBudgetBeatsGreedy(t *testing.T) {
	// Greedy by score per euro takes A (10/6 per M€) and then nothing fits;
	// the optimum is B + C with 12 points.
	tests := []struct {
		name   string
		items  []BudgetItem
		budget float64
		want   []string
	}{
		{"ratio greedy fails", []BudgetItem{{"A", 10, 6e5}, {"B", 6, 5e5}, {"C", 6, 5e5}}, 1e6, []string{"B", "C"}},
		// Greedy by score takes X (the best single proposal) and fills the
		// rest badly; the optimum leaves X out.
		{"score greedy fails", []BudgetItem{{"X", 50, 4e6}, {"Y", 30, 2e6}, {"Z", 30, 2e6}}, 4e6, []string{"Y", "Z"}},
		{"tie goes to the cheaper", []BudgetItem{{"P", 10, 2e6}, {"Q", 10, 1e6}}, 2.5e6, []string{"Q"}},
		{"zero-score never selected", []BudgetItem{{"N", 0, 0}, {"M", 1, 1}}, 10, []string{"M"}},
		{"nothing fits", []BudgetItem{{"BIG", 99, 5e6}}, DefaultBudget, nil},
		{"free item taken", []BudgetItem{{"F", 3, 0}, {"G", 5, 4e6}}, DefaultBudget, []string{"F", "G"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SelectWithinBudget(tc.items, tc.budget)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Selected) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got.Selected, tc.want)
			}
		})
	}
}

func TestSelectWithinBudgetDeterministic(t *testing.T) {
	// All items equal: every 4-subset of 10 ties in score and cost. The
	// answer must not depend on the input order and must come quickly
	// (the tie-aware bound prunes equal subtrees).
	var items []BudgetItem
	for i := 0; i < 40; i++ {
		items = append(items, BudgetItem{ID: fmt.Sprintf("e%02d", i), Score: 1, Cost: 1e6})
	}
	a, err := SelectWithinBudget(items, 4e6)
	if err != nil {
		t.Fatal(err)
	}
	rev := make([]BudgetItem, len(items))
	for i := range items {
		rev[len(items)-1-i] = items[i]
	}
	b, err := SelectWithinBudget(rev, 4e6)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Selected) != 4 || fmt.Sprint(sortedCopy(a.Selected)) != fmt.Sprint(sortedCopy(b.Selected)) {
		t.Errorf("got %v and %v for reversed input, want the same 4 items", a.Selected, b.Selected)
	}
	if a.Nodes > 10_000 {
		t.Errorf("visited %d nodes for 40 equal items, want the ties pruned", a.Nodes)
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c
}

func TestSelectWithinBudgetErrors(t *testing.T) {
	tests := []struct {
		name   string
		items  []BudgetItem
		budget float64
		want   string
	}{
		{"negative budget", nil, -1, "budget: value -1"},
		{"empty id", []BudgetItem{{Score: 1, Cost: 1}}, 1, "field id: empty"},
		{"duplicate id", []BudgetItem{{"a", 1, 1}, {"a", 1, 1}}, 1, `value "a" given twice`},
		{"negative score", []BudgetItem{{"a", -1, 1}}, 1, "field score: value -1"},
		{"NaN cost", []BudgetItem{{"a", 1, math.NaN()}}, 1, "field cost: value NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SelectWithinBudget(tc.items, tc.budget)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, layers.ErrInvalid) {
				t.Fatalf("got %v, want an ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

// benchItems makes n proposals of a realistic call: funding 50 k€–1.5 M€,
// scores loosely correlated with funding.
func benchItems(n int, seed uint64) []BudgetItem {
	rng := rand.New(rand.NewPCG(seed, 7))
	items := make([]BudgetItem, n)
	for i := range items {
		cost := float64(1000 * (50 + rng.IntN(1450)))
		score := 20 + 60*rng.Float64() + cost/100_000
		items[i] = BudgetItem{ID: fmt.Sprintf("p%03d", i), Score: math.Round(score*100) / 100, Cost: cost}
	}
	return items
}

func TestSelectWithinBudgetSixty(t *testing.T) {
	// 60 proposals, as a large call: must finish (no timing asserted here;
	// see BenchmarkSelectWithinBudget60) and never be worse than greedy.
	for seed := uint64(1); seed <= 5; seed++ {
		items := benchItems(60, seed)
		got, err := SelectWithinBudget(items, DefaultBudget)
		if err != nil {
			t.Fatal(err)
		}
		greedy := greedyByRatio(items, DefaultBudget)
		if got.TotalScore < greedy-1e-6 {
			t.Errorf("seed %d: exact %v below greedy %v", seed, got.TotalScore, greedy)
		}
		t.Logf("seed %d: %d selected, score %.2f (greedy %.2f), %d nodes", seed, len(got.Selected), got.TotalScore, greedy, got.Nodes)
	}
}

func greedyByRatio(items []BudgetItem, budget float64) float64 {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && items[idx[j]].Score/items[idx[j]].Cost > items[idx[j-1]].Score/items[idx[j-1]].Cost; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	var s, c float64
	for _, i := range idx {
		if c+items[i].Cost <= budget {
			c += items[i].Cost
			s += items[i].Score
		}
	}
	return s
}

func BenchmarkSelectWithinBudget60(b *testing.B) {
	items := benchItems(60, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SelectWithinBudget(items, DefaultBudget); err != nil {
			b.Fatal(err)
		}
	}
}
