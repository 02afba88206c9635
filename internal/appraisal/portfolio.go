package appraisal

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"reach/layers"
)

// DefaultSelectionDeadline is how long SelectPortfolio searches when the
// caller gives no deadline.
const DefaultSelectionDeadline = 3 * time.Second

// Share is the part of a candidate's score that rests on one resident
// group (a cell under one criterion, Key) and that another candidate may
// earn for the same residents: a portfolio credits each Key once, at the
// largest Points among its selected candidates.
type Share struct {
	Key    int64
	Points float64 // ≥ 0, part of the candidate's Score
}

// Candidate is one proposal offered to SelectPortfolio.
type Candidate struct {
	ID        string
	Score     float64 // ≥ 0, the proposal's own score
	CostCents int64   // requested funding in cents, 0 ≤ cost ≤ layers.MaxMoneyEUR·100
	// Shares lists the parts of Score that rest on residents other
	// candidates may also gain (sorted by Key or not; keys unique).
	Shares []Share
}

// Portfolio is the answer of SelectPortfolio.
type Portfolio struct {
	Selected   []string // ids in the order of the input
	CostCents  int64    // sum over Selected
	JointScore float64  // score of the selected set, shared residents credited once
	// SumOfScores is the sum of the selected candidates' own scores; the
	// difference to JointScore is what overlaps would have counted twice.
	SumOfScores float64
	// Optimal is true when the search finished: no set within the budget
	// has a higher joint score.
	Optimal bool
	// UpperBound is a proven bound on the joint score of any set within the
	// budget; OptimalityGap = (UpperBound − JointScore) / UpperBound, 0 when
	// optimal.
	UpperBound    float64
	OptimalityGap float64
	Nodes         int    // branch-and-bound nodes visited
	Method        string // for provenance
	StoppedBy     string // "" when optimal, else "deadline" or "cancelled"
}

// PortfolioMethod is the method text of SelectPortfolio.
const PortfolioMethod = "joint 0/1 selection by depth-first branch and bound (scores in 1e-6 points, costs in cents, as integers): " +
	"the joint score of a set is the sum of its proposals' scores with every resident group credited once, at its largest share; " +
	"bound = joint score so far + fractional knapsack of the remaining proposals' own scores (a proposal never adds more than its own score); " +
	"stopped at the deadline with the best set found and the proven bound"

// SelectPortfolio selects the set of candidates within budgetCents whose
// joint score is largest. It stops when ctx is done or after deadline (0:
// DefaultSelectionDeadline) and then returns the best set found with a
// proven upper bound; ctx's own error is returned only when ctx is
// cancelled before any search. Errors: duplicate or empty ids, negative or
// non-finite scores or shares, costs or budget out of range.
func SelectPortfolio(ctx context.Context, cands []Candidate, budgetCents int64, deadline time.Duration) (Portfolio, error) {
	if budgetCents < 0 || budgetCents > math.MaxInt64/4 {
		return Portfolio{}, fmt.Errorf("appraisal: budget: value %d cents: want an amount ≥ 0: %w", budgetCents, layers.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return Portfolio{}, fmt.Errorf("appraisal: portfolio: %w", err)
	}
	if deadline <= 0 {
		deadline = DefaultSelectionDeadline
	}
	maxCents := int64(layers.MaxMoneyEUR) * 100
	seen := make(map[string]bool, len(cands))
	keyIdx := map[int64]int32{}
	items := make([]pfItem, 0, len(cands))
	for i, c := range cands {
		switch {
		case c.ID == "":
			return Portfolio{}, fmt.Errorf("appraisal: candidate %d: field id: empty: %w", i, layers.ErrInvalid)
		case seen[c.ID]:
			return Portfolio{}, fmt.Errorf("appraisal: candidate %d: field id: value %q given twice: %w", i, c.ID, layers.ErrInvalid)
		case math.IsNaN(c.Score) || math.IsInf(c.Score, 0) || c.Score < 0:
			return Portfolio{}, fmt.Errorf("appraisal: candidate %q: field score: value %v: want a finite score ≥ 0: %w", c.ID, c.Score, layers.ErrInvalid)
		case c.CostCents < 0 || c.CostCents > maxCents:
			return Portfolio{}, fmt.Errorf("appraisal: candidate %q: field requested_funding: value %d cents: want 0 to %d cents: %w", c.ID, c.CostCents, maxCents, layers.ErrInvalid)
		}
		seen[c.ID] = true
		it := pfItem{bbItem: bbItem{idx: i, id: c.ID, score: int64(math.Round(c.Score * scoreUnitsPerPoint)), cost: c.CostCents}}
		var sum int64
		for _, s := range c.Shares {
			if math.IsNaN(s.Points) || math.IsInf(s.Points, 0) || s.Points < 0 {
				return Portfolio{}, fmt.Errorf("appraisal: candidate %q: share %d: value %v: want finite points ≥ 0: %w", c.ID, s.Key, s.Points, layers.ErrInvalid)
			}
			k, ok := keyIdx[s.Key]
			if !ok {
				k = int32(len(keyIdx))
				keyIdx[s.Key] = k
			}
			u := int64(math.Round(s.Points * scoreUnitsPerPoint))
			sum += u
			it.shares = append(it.shares, pfShare{key: k, units: u})
		}
		if sum > it.score {
			// Rounding may push the sum of the shares above the score by a
			// few units: trim the last share so gains stay ≤ the score.
			for j := len(it.shares) - 1; j >= 0 && sum > it.score; j-- {
				d := min(sum-it.score, it.shares[j].units)
				it.shares[j].units -= d
				sum -= d
			}
		}
		if it.score > 0 && it.cost <= budgetCents {
			items = append(items, it)
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		ra := float64(a.score) * float64(max(b.cost, 1))
		rb := float64(b.score) * float64(max(a.cost, 1))
		if ra != rb {
			return ra > rb
		}
		if a.cost != b.cost {
			return a.cost < b.cost
		}
		return a.id < b.id
	})
	s := &pfSearch{items: items, capacity: budgetCents, cur: make([]int64, len(keyIdx)), take: make([]bool, len(items)),
		best: make([]bool, len(items)), ctx: ctx, until: time.Now().Add(deadline), bestCost: math.MaxInt64}
	s.bestScore = -1
	s.dfs(0, 0, 0)

	pf := Portfolio{Method: PortfolioMethod, Nodes: s.nodes}
	chosen := map[int]bool{}
	for k, t := range s.best {
		if t {
			chosen[items[k].idx] = true
		}
	}
	var sumUnits int64
	for i, c := range cands {
		if chosen[i] {
			pf.Selected = append(pf.Selected, c.ID)
			pf.CostCents += c.CostCents
			pf.SumOfScores += c.Score
			sumUnits += int64(math.Round(c.Score * scoreUnitsPerPoint))
		}
	}
	best := max(s.bestScore, 0)
	pf.JointScore = pf.SumOfScores - float64(sumUnits-best)/scoreUnitsPerPoint
	if s.stopped == "" {
		pf.Optimal = true
		pf.UpperBound = pf.JointScore
		return pf, nil
	}
	pf.StoppedBy = s.stopped
	ub := max(s.openBound, float64(best))
	pf.UpperBound = ub / scoreUnitsPerPoint
	if ub > 0 {
		pf.OptimalityGap = (ub - float64(best)) / ub
	}
	return pf, nil
}

type pfShare struct {
	key   int32
	units int64
}

type pfItem struct {
	bbItem
	shares []pfShare
}

type pfSearch struct {
	items               []pfItem
	capacity            int64
	cur                 []int64 // credited units per key
	undo                []int64 // previous cur values, LIFO
	take, best          []bool
	bestScore, bestCost int64
	nodes               int
	ctx                 context.Context
	until               time.Time
	stopped             string
	openBound           float64 // largest bound of a subtree left unexplored
}

// add selects item k and returns its gain: its score less what its shares
// add nothing to (keys already credited at least as much).
func (s *pfSearch) add(k int) int64 {
	it := &s.items[k]
	gain := it.score
	for _, sh := range it.shares {
		c := s.cur[sh.key]
		gain -= min(sh.units, c)
		s.undo = append(s.undo, c)
		if sh.units > c {
			s.cur[sh.key] = sh.units
		}
	}
	return gain
}

// remove undoes add(k).
func (s *pfSearch) remove(k int) {
	it := &s.items[k]
	for j := len(it.shares) - 1; j >= 0; j-- {
		n := len(s.undo) - 1
		s.cur[it.shares[j].key] = s.undo[n]
		s.undo = s.undo[:n]
	}
}

// bound is the joint score so far plus the fractional knapsack of the
// remaining items' own scores within the remaining capacity.
func (s *pfSearch) bound(k int, score, cost int64) float64 {
	return fractionalKnapsack(s.items[k:], float64(score), s.capacity-cost)
}

func (s *pfSearch) expired() bool {
	if s.stopped != "" {
		return true
	}
	if s.nodes&255 != 0 {
		return false
	}
	if s.ctx.Err() != nil {
		s.stopped = "cancelled"
	} else if !time.Now().Before(s.until) {
		s.stopped = "deadline"
	}
	return s.stopped != ""
}

// dfs explores item k onwards with the joint score and cost so far.
func (s *pfSearch) dfs(k int, score, cost int64) {
	s.nodes++
	if score > s.bestScore || (score == s.bestScore && cost < s.bestCost) {
		s.bestScore, s.bestCost = score, cost
		for j := range s.best {
			s.best[j] = j < k && s.take[j]
		}
	}
	if k == len(s.items) {
		return
	}
	ub := s.bound(k, score, cost)
	if ub < float64(s.bestScore)+0.5 {
		return // cannot beat the best by one unit
	}
	if s.expired() {
		s.openBound = max(s.openBound, ub)
		return
	}
	it := s.items[k]
	if cost+it.cost <= s.capacity {
		s.take[k] = true
		g := s.add(k)
		s.dfs(k+1, score+g, cost+it.cost)
		s.remove(k)
		s.take[k] = false
	}
	if s.stopped != "" {
		s.openBound = max(s.openBound, s.bound(k+1, score, cost))
		return
	}
	s.dfs(k+1, score, cost)
}
