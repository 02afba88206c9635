package appraisal

import (
	"fmt"
	"math"
	"sort"

	"reach/layers"
)

// DefaultBudget is the funding budget of a call in euros (4 million €).
const DefaultBudget = 4_000_000.0

// Units of the exact selection: scores are compared in millionths of a
// point and costs in euro cents, both as integers, so that sums are exact,
// ties are real ties and the result does not depend on the order of
// floating-point additions.
const (
	scoreUnitsPerPoint = 1e6
	centsPerEuro       = 100
)

// BudgetItem is one proposal offered to the selection: its id, its score
// (≥ 0, usually Score.Total) and its cost against the budget in euros
// (≥ 0, usually the requested funding).
type BudgetItem struct {
	ID    string
	Score float64
	Cost  float64
}

// BudgetSelection is the exact answer of SelectWithinBudget.
type BudgetSelection struct {
	Budget     float64  // euros
	Selected   []string // ids of the selected items, in the order of the input
	TotalCost  float64  // euros, sum over Selected
	TotalScore float64  // sum of the scores of Selected
	// Method describes the algorithm and the tie rule, for provenance.
	Method string
	// Nodes is the number of branch-and-bound nodes visited (for benchmarks
	// and for the curious).
	Nodes int
}

// BudgetMethod is the method text reported with every selection.
const BudgetMethod = "exact 0/1 knapsack by depth-first branch and bound with linear-relaxation bounds " +
	"(scores in 1e-6 points and costs in cents as integers); among selections with the same total score " +
	"the cheaper one wins; among equal score and equal cost the first in search order wins " +
	"(items ordered by score per euro, then lower cost, then id)"

type bbItem struct {
	idx   int // index in the input
	id    string
	score int64 // score units
	cost  int64 // cents
}

func (it bbItem) item() bbItem { return it }

// fractionalKnapsack returns score plus the score of items (ordered by
// score per cent) that fits into room cents when the first item that does
// not fit may be taken in part: the linear relaxation, an upper bound on
// any selection from items.
func fractionalKnapsack[T interface{ item() bbItem }](items []T, score float64, room int64) float64 {
	ub := score
	for _, t := range items {
		it := t.item()
		if it.cost <= room {
			room -= it.cost
			ub += float64(it.score)
			continue
		}
		if it.cost > 0 {
			ub += float64(it.score) * float64(room) / float64(it.cost)
		}
		break
	}
	return ub
}

// SelectWithinBudget selects the subset of items with the largest total
// score whose total cost does not exceed budget (euros). It is exact (not
// greedy): a depth-first branch and bound whose bound is the linear
// relaxation (the fractional knapsack over the remaining items), which is
// quick for the sizes of a funding call (up to about 60 proposals).
//
// Ties are broken deterministically: a higher total score always wins; among
// selections of equal total score (to 1e-6 points) the lower total cost wins;
// among those the first found in the fixed search order wins (items sorted
// by score per euro descending, then lower cost, then id). Items with score
// 0 are never selected. Errors: duplicate or empty ids, negative or
// non-finite scores, costs or budget.
func SelectWithinBudget(items []BudgetItem, budget float64) (BudgetSelection, error) {
	if math.IsNaN(budget) || math.IsInf(budget, 0) || budget < 0 {
		return BudgetSelection{}, fmt.Errorf("appraisal: budget: value %v: want a finite amount ≥ 0 euros: %w", budget, layers.ErrInvalid)
	}
	seen := make(map[string]bool, len(items))
	bb := make([]bbItem, 0, len(items))
	for i, it := range items {
		if it.ID == "" {
			return BudgetSelection{}, fmt.Errorf("appraisal: budget item %d: field id: empty: %w", i, layers.ErrInvalid)
		}
		if seen[it.ID] {
			return BudgetSelection{}, fmt.Errorf("appraisal: budget item %d: field id: value %q given twice: %w", i, it.ID, layers.ErrInvalid)
		}
		seen[it.ID] = true
		if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) || it.Score < 0 {
			return BudgetSelection{}, fmt.Errorf("appraisal: budget item %q: field score: value %v: want a finite score ≥ 0: %w", it.ID, it.Score, layers.ErrInvalid)
		}
		if math.IsNaN(it.Cost) || math.IsInf(it.Cost, 0) || it.Cost < 0 {
			return BudgetSelection{}, fmt.Errorf("appraisal: budget item %q: field cost: value %v: want a finite amount ≥ 0 euros: %w", it.ID, it.Cost, layers.ErrInvalid)
		}
		bb = append(bb, bbItem{
			idx:   i,
			id:    it.ID,
			score: int64(math.Round(it.Score * scoreUnitsPerPoint)),
			cost:  int64(math.Round(it.Cost * centsPerEuro)),
		})
	}
	capCents := int64(math.Floor(budget*centsPerEuro + 1e-6))

	// Items that cannot help are dropped up front: no score, or alone
	// dearer than the budget.
	useful := bb[:0:0]
	for _, it := range bb {
		if it.score > 0 && it.cost <= capCents {
			useful = append(useful, it)
		}
	}
	sort.SliceStable(useful, func(i, j int) bool {
		a, b := useful[i], useful[j]
		// score/cost descending, compared as a.score*b.cost > b.score*a.cost
		// in float64 (exact enough for ordering; the order only steers the
		// search, never the result's optimality).
		ra := float64(a.score) * float64(b.cost)
		rb := float64(b.score) * float64(a.cost)
		if ra != rb {
			return ra > rb
		}
		if a.cost != b.cost {
			return a.cost < b.cost
		}
		return a.id < b.id
	})

	s := &bbSearch{items: useful, capacity: capCents}
	s.take = make([]bool, len(useful))
	s.best = make([]bool, len(useful))
	s.bestScore, s.bestCost = 0, 0
	s.dfs(0, 0, 0)

	sel := BudgetSelection{Budget: budget, Method: BudgetMethod, Nodes: s.nodes}
	chosen := make(map[int]bool)
	for k, t := range s.best {
		if t {
			chosen[useful[k].idx] = true
		}
	}
	for i, it := range items {
		if chosen[i] {
			sel.Selected = append(sel.Selected, it.ID)
			sel.TotalCost += it.Cost
			sel.TotalScore += it.Score
		}
	}
	return sel, nil
}

type bbSearch struct {
	items               []bbItem
	capacity            int64
	take, best          []bool
	bestScore, bestCost int64
	nodes               int
}

// dfs explores item k onwards with the current partial score and cost.
func (s *bbSearch) dfs(k int, score, cost int64) {
	s.nodes++
	if k == len(s.items) {
		if score > s.bestScore || (score == s.bestScore && cost < s.bestCost) {
			s.bestScore, s.bestCost = score, cost
			copy(s.best, s.take)
		}
		return
	}
	if !s.promising(k, score, cost) {
		return
	}
	it := s.items[k]
	if cost+it.cost <= s.capacity {
		s.take[k] = true
		s.dfs(k+1, score+it.score, cost+it.cost)
		s.take[k] = false
	}
	s.dfs(k+1, score, cost)
}

// promising reports whether the subtree at item k with the partial score
// and cost may hold a selection strictly better than the best so far:
// either a higher score (linear-relaxation upper bound on the score within
// the remaining capacity) or the same score at a lower cost (linear-
// relaxation lower bound on the cost of reaching the best score, ignoring
// capacity).
func (s *bbSearch) promising(k int, score, cost int64) bool {
	// Upper bound on the reachable score: fractional knapsack.
	ub := fractionalKnapsack(s.items[k:], float64(score), s.capacity-cost)
	if ub > float64(s.bestScore)+0.5 {
		return true // may beat the best score by at least one unit
	}
	if ub < float64(s.bestScore)-0.5 {
		return false // cannot even reach it
	}
	// It can at most tie in score: only worth it at a lower cost.
	need := s.bestScore - score
	if need <= 0 {
		return cost < s.bestCost
	}
	lb := float64(cost)
	for _, it := range s.items[k:] {
		if it.score >= need {
			lb += float64(it.cost) * float64(need) / float64(it.score)
			need = 0
			break
		}
		need -= it.score
		lb += float64(it.cost)
	}
	if need > 0 {
		return false // the remaining items cannot reach the best score
	}
	return lb < float64(s.bestCost)-0.5
}
