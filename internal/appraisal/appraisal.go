// Package appraisal judges a proposal once its effects are known: the
// Zentrale-Orte alignment with its verdict and reasons, the transparent
// weighted score, and the exact selection of proposals within a budget. It
// computes nothing on the network; the engine in internal/analysis supplies
// the effects.
package appraisal

// Verdict of the Zentrale-Orte alignment.
type Verdict string

// Verdicts.
const (
	Aligned       Verdict = "aligned"
	PartlyAligned Verdict = "partly_aligned"
	InConflict    Verdict = "in_conflict"
	// NotApplicable: the category is tied to no central-place level (and
	// the project is no road upgrade strengthening higher centres).
	NotApplicable Verdict = "not_applicable"
	// Unknown: the central-place data (or the project's effect) do not
	// support a verdict; the reasons say which data are missing.
	Unknown Verdict = "unknown"
)

// Alignment is the Zentrale-Orte verdict with every reason spelled out.
type Alignment struct {
	Verdict Verdict  `json:"verdict"`
	Reasons []Reason `json:"reasons"`
	// MinLevel is the lowest central-place level where the category belongs
	// ("" when it is not tied to central places) and MinLevelSource its source.
	MinLevel       string `json:"min_level,omitempty"`
	MinLevelSource string `json:"min_level_source,omitempty"`
	// Sites says, per site municipality, in which central place it lies.
	Sites []SiteAlignment `json:"sites,omitempty"`
}

// Score is a transparent weighted score.
type Score struct {
	Total    float64     `json:"total"`
	Criteria []Criterion `json:"criteria"`
	// MaxTotal is the sum of the weights, the largest possible total.
	MaxTotal float64 `json:"max_total"`
	// Complete is false when a criterion has no value yet (Missing lists
	// them); the total is then a lower bound.
	Complete bool     `json:"complete"`
	Missing  []string `json:"missing,omitempty"`
}

// Criterion is one scored criterion: raw value, normalised value (0–1),
// weight and contribution (normalised × weight).
type Criterion struct {
	Name          string  `json:"name"`
	Value         float64 `json:"value"`
	Unit          string  `json:"unit,omitempty"`
	Normalised    float64 `json:"normalised"`
	Normalisation string  `json:"normalisation"`
	Weight        float64 `json:"weight"`
	Contribution  float64 `json:"contribution"`
	// Missing is true when the value has not been entered (a committee
	// mark, an alignment verdict); Value is then 0 and carries no meaning.
	Missing bool `json:"missing,omitempty"`
	// NotApplicable is true when the criterion has no meaning for the
	// proposal (cost per newly covered resident when no one is newly
	// covered); Value is then 0 and carries no meaning.
	NotApplicable bool `json:"not_applicable,omitempty"`
}
