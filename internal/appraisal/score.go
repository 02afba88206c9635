package appraisal

import (
	"fmt"
	"math"

	"reach/layers"
)

// Criterion names of the transparent score, in the order they are listed.
const (
	CritNewlyWithinStandard  = "newly_within_standard"
	CritBeneficiaries        = "beneficiaries"
	CritMunicipalities       = "municipalities_benefiting"
	CritKreise               = "kreise_benefiting"
	CritRegions              = "regions_benefiting"
	CritParticipating        = "participating_municipalities"
	CritNeedShare            = "need_share"
	CritCostPerNewlyCovered  = "cost_per_newly_covered"
	CritAlignment            = "zentrale_orte_alignment"
	CritInnovation           = "innovation"
	CritTransferability      = "transferability"
	markScaleMax             = 10.0
	alignmentPartlyNormalise = 0.5
)

// ScoreWeights are the weights of the criteria. A criterion contributes
// weight × normalised value (normalised in [0, 1]), so the total lies
// between 0 and the sum of the weights. The defaults (DefaultScoreWeights)
// sum to 100, which puts the total on a 0–100 scale. Weights must be
// finite and ≥ 0; a weight of 0 keeps the criterion visible but without
// effect.
type ScoreWeights struct {
	NewlyWithinStandard         float64 // residents newly within the standard
	Beneficiaries               float64 // residents whose travel time improves
	MunicipalitiesBenefiting    float64 // number of municipalities with beneficiaries
	KreiseBenefiting            float64 // number of Kreise with beneficiaries
	RegionsBenefiting           float64 // number of planning regions with beneficiaries
	ParticipatingMunicipalities float64 // number of municipalities taking part (inter-municipal cooperation)
	NeedShare                   float64 // share of beneficiaries in thinly populated or structurally weak municipalities
	CostPerNewlyCovered         float64 // euros per newly covered resident (less is better)
	Alignment                   float64 // Zentrale-Orte verdict
	Innovation                  float64 // committee mark 0–10
	Transferability             float64 // committee mark 0–10
}

// DefaultScoreWeights returns the default weights (sum 100): the effect on
// reachability (newly within the standard 25, beneficiaries 10) and need
// (15) weigh most, as the call of "Vitale Regionen" asks for better
// reachability in thinly populated or structurally weak areas; the
// inter-municipal effect (municipalities 5, Kreise 2.5, planning regions
// 2.5, participating municipalities 5), efficiency (cost per newly covered
// resident 10) and the fit with the central-places system (10) follow; the
// committee's marks for innovation and transferability weigh 7.5 each.
// These are policy choices, not findings: change them per call.
func DefaultScoreWeights() ScoreWeights {
	return ScoreWeights{
		NewlyWithinStandard:         25,
		Beneficiaries:               10,
		MunicipalitiesBenefiting:    5,
		KreiseBenefiting:            2.5,
		RegionsBenefiting:           2.5,
		ParticipatingMunicipalities: 5,
		NeedShare:                   15,
		CostPerNewlyCovered:         10,
		Alignment:                   10,
		Innovation:                  7.5,
		Transferability:             7.5,
	}
}

// Sum returns the sum of the weights, the largest possible total.
func (w ScoreWeights) Sum() float64 {
	return w.NewlyWithinStandard + w.Beneficiaries + w.MunicipalitiesBenefiting + w.KreiseBenefiting +
		w.RegionsBenefiting + w.ParticipatingMunicipalities + w.NeedShare + w.CostPerNewlyCovered +
		w.Alignment + w.Innovation + w.Transferability
}

func (w ScoreWeights) list() []struct {
	name string
	v    float64
} {
	return []struct {
		name string
		v    float64
	}{
		{CritNewlyWithinStandard, w.NewlyWithinStandard},
		{CritBeneficiaries, w.Beneficiaries},
		{CritMunicipalities, w.MunicipalitiesBenefiting},
		{CritKreise, w.KreiseBenefiting},
		{CritRegions, w.RegionsBenefiting},
		{CritParticipating, w.ParticipatingMunicipalities},
		{CritNeedShare, w.NeedShare},
		{CritCostPerNewlyCovered, w.CostPerNewlyCovered},
		{CritAlignment, w.Alignment},
		{CritInnovation, w.Innovation},
		{CritTransferability, w.Transferability},
	}
}

// ScoreInput is what the score of one proposal is computed from; the
// assessment fills it.
type ScoreInput struct {
	ProjectID                   string
	NewlyWithinStandard         int64 // residents newly within the standard
	Beneficiaries               int64 // residents whose time improves
	MunicipalitiesBenefiting    int
	KreiseBenefiting            int
	RegionsBenefiting           int
	ParticipatingMunicipalities int
	// NeedShare is the share (0–1) of beneficiaries living in thinly
	// populated or structurally weak municipalities.
	NeedShare float64
	// CostPerNewlyCovered is in euros per newly covered resident; it is
	// ignored (and the criterion counts 0) when NewlyWithinStandard is 0.
	CostPerNewlyCovered float64
	// Alignment is the Zentrale-Orte verdict; "" means not assessed.
	Alignment Verdict
	// EffectUnknown, when not "", says why the project's effect is unknown
	// (no facilities of the category, no network for the mode, …): the
	// effect criteria (counts, need share, cost per head) are then missing,
	// count 0 and take no part in the normalisation of the others.
	EffectUnknown string
	// CostUnknown, when not "", says why the cost is unknown (not stated):
	// the cost criterion is then missing and counts 0.
	CostUnknown string
	// Innovation and Transferability are the committee's marks on 0–10;
	// nil means not yet entered.
	Innovation, Transferability *float64
	RequestedFunding            float64 // euros; not scored, carried for the budget
}

// ScoreProjects scores every proposal of a call with weights w. The result
// has one Score per input, in the input order, each with all criteria in a
// fixed order. Normalisation:
//
//   - counts (newly within standard, beneficiaries, municipalities, Kreise,
//     regions, participating municipalities): min–max across the proposals,
//     (v − min)/(max − min); when all proposals have the same value, 1 if it
//     is > 0, else 0;
//   - need share: fixed scale, the share itself (0–1);
//   - cost per newly covered resident: inverted min–max across the
//     proposals that newly cover anyone, (max − v)/(max − min), all equal → 1;
//     a proposal that covers no one newly gets 0;
//   - alignment: aligned 1, partly aligned 0.5, in conflict 0;
//   - committee marks: fixed scale, mark/10.
//
// A criterion without a value (no committee mark yet, no alignment
// verdict) is shown with Missing set and contributes 0, and the score's
// Complete is false and Missing lists it: the total is then a lower bound,
// never a silent zero. The total is the sum of the contributions. The
// function is deterministic and does not depend on the order of the inputs
// except for the order of the output.
func ScoreProjects(in []ScoreInput, w ScoreWeights) ([]Score, error) {
	for _, wt := range w.list() {
		if math.IsNaN(wt.v) || math.IsInf(wt.v, 0) || wt.v < 0 {
			return nil, fmt.Errorf("appraisal: score weights: field %s: value %v: want a finite weight ≥ 0: %w", wt.name, wt.v, layers.ErrInvalid)
		}
	}
	seen := make(map[string]bool, len(in))
	for i, p := range in {
		if err := validateScoreInput(i, p); err != nil {
			return nil, err
		}
		if seen[p.ProjectID] {
			return nil, fmt.Errorf("appraisal: score input %d: field project_id: value %q given twice: %w", i, p.ProjectID, layers.ErrInvalid)
		}
		seen[p.ProjectID] = true
	}

	countCrit := []struct {
		name, unit string
		weight     float64
		get        func(ScoreInput) float64
	}{
		{CritNewlyWithinStandard, "residents", w.NewlyWithinStandard, func(p ScoreInput) float64 { return float64(p.NewlyWithinStandard) }},
		{CritBeneficiaries, "residents", w.Beneficiaries, func(p ScoreInput) float64 { return float64(p.Beneficiaries) }},
		{CritMunicipalities, "municipalities", w.MunicipalitiesBenefiting, func(p ScoreInput) float64 { return float64(p.MunicipalitiesBenefiting) }},
		{CritKreise, "Kreise", w.KreiseBenefiting, func(p ScoreInput) float64 { return float64(p.KreiseBenefiting) }},
		{CritRegions, "planning regions", w.RegionsBenefiting, func(p ScoreInput) float64 { return float64(p.RegionsBenefiting) }},
		{CritParticipating, "municipalities", w.ParticipatingMunicipalities, func(p ScoreInput) float64 { return float64(p.ParticipatingMunicipalities) }},
	}
	type rng struct{ min, max float64 }
	ranges := make([]rng, len(countCrit))
	known := 0
	for _, p := range in {
		if p.EffectUnknown == "" {
			known++
		}
	}
	for c, cc := range countCrit {
		r := rng{math.Inf(1), math.Inf(-1)}
		for _, p := range in {
			if p.EffectUnknown != "" && cc.name != CritParticipating {
				continue
			}
			v := cc.get(p)
			r.min, r.max = math.Min(r.min, v), math.Max(r.max, v)
		}
		ranges[c] = r
	}
	costR := rng{math.Inf(1), math.Inf(-1)}
	for _, p := range in {
		if p.NewlyWithinStandard > 0 && p.EffectUnknown == "" && p.CostUnknown == "" {
			costR.min, costR.max = math.Min(costR.min, p.CostPerNewlyCovered), math.Max(costR.max, p.CostPerNewlyCovered)
		}
	}

	out := make([]Score, len(in))
	for i, p := range in {
		crits := make([]Criterion, 0, 11)
		for c, cc := range countCrit {
			if p.EffectUnknown != "" && cc.name != CritParticipating {
				crits = append(crits, Criterion{Name: cc.name, Unit: cc.unit, Weight: cc.weight, Missing: true,
					Normalisation: "unknown: " + p.EffectUnknown + "; counts 0"})
				continue
			}
			v := cc.get(p)
			r := ranges[c]
			var norm float64
			var how string
			n := known
			if cc.name == CritParticipating {
				n = len(in)
			}
			if r.max > r.min {
				norm = (v - r.min) / (r.max - r.min)
				how = fmt.Sprintf("min–max across the %d proposals with a known value: (%g − %g) / (%g − %g)", n, v, r.min, r.max, r.min)
			} else {
				if v > 0 {
					norm = 1
				}
				how = fmt.Sprintf("all %d proposals with a known value have %g: %g", n, v, norm)
			}
			crits = append(crits, Criterion{Name: cc.name, Value: v, Unit: cc.unit, Normalised: norm, Normalisation: how, Weight: cc.weight})
		}

		if p.EffectUnknown != "" {
			crits = append(crits, Criterion{Name: CritNeedShare, Unit: "share", Weight: w.NeedShare, Missing: true,
				Normalisation: "unknown: " + p.EffectUnknown + "; counts 0"})
		} else {
			crits = append(crits, Criterion{
				Name: CritNeedShare, Value: p.NeedShare, Unit: "share", Normalised: p.NeedShare,
				Normalisation: "fixed scale: the share itself (0–1)", Weight: w.NeedShare,
			})
		}

		cost := Criterion{Name: CritCostPerNewlyCovered, Unit: "EUR per resident", Weight: w.CostPerNewlyCovered}
		switch {
		case p.EffectUnknown != "":
			cost.Missing = true
			cost.Normalisation = "unknown: " + p.EffectUnknown + "; counts 0"
		case p.CostUnknown != "":
			cost.Missing = true
			cost.Normalisation = "unknown: " + p.CostUnknown + "; counts 0 (never the best value)"
		case p.NewlyWithinStandard <= 0:
			cost.NotApplicable = true
			cost.Normalisation = "no resident newly within the standard, so no cost per head: not applicable, counts 0"
		case costR.max > costR.min:
			cost.Value = p.CostPerNewlyCovered
			cost.Normalised = (costR.max - p.CostPerNewlyCovered) / (costR.max - costR.min)
			cost.Normalisation = fmt.Sprintf("inverted min–max across the proposals that newly cover residents (less is better): (%g − %g) / (%g − %g)",
				costR.max, p.CostPerNewlyCovered, costR.max, costR.min)
		default:
			cost.Value = p.CostPerNewlyCovered
			cost.Normalised = 1
			cost.Normalisation = fmt.Sprintf("all proposals that newly cover residents cost %g per head: 1", p.CostPerNewlyCovered)
		}
		crits = append(crits, cost)

		al := Criterion{Name: CritAlignment, Unit: "verdict", Weight: w.Alignment}
		switch p.Alignment {
		case Aligned:
			al.Value, al.Normalised = 1, 1
			al.Normalisation = "fixed: aligned 1, partly aligned 0.5, in conflict 0"
		case PartlyAligned:
			al.Value, al.Normalised = alignmentPartlyNormalise, alignmentPartlyNormalise
			al.Normalisation = "fixed: aligned 1, partly aligned 0.5, in conflict 0"
		case InConflict:
			al.Normalisation = "fixed: aligned 1, partly aligned 0.5, in conflict 0"
		case NotApplicable:
			al.NotApplicable = true
			al.Normalisation = "the category is tied to no central-place level: not applicable, counts 0"
		case Unknown:
			al.Missing = true
			al.Normalisation = "the central-place data do not support a verdict: unknown, counts 0"
		default:
			al.Missing = true
			al.Normalisation = "not assessed: missing, counts 0"
		}
		crits = append(crits, al)

		for _, m := range []struct {
			name   string
			mark   *float64
			weight float64
		}{{CritInnovation, p.Innovation, w.Innovation}, {CritTransferability, p.Transferability, w.Transferability}} {
			c := Criterion{Name: m.name, Unit: "mark 0–10", Weight: m.weight}
			if m.mark == nil {
				c.Missing = true
				c.Normalisation = "committee mark not entered yet: missing, counts 0"
			} else {
				c.Value = *m.mark
				c.Normalised = *m.mark / markScaleMax
				c.Normalisation = "fixed scale: mark / 10"
			}
			crits = append(crits, c)
		}

		s := Score{Criteria: crits, Complete: true, MaxTotal: w.Sum()}
		for k := range crits {
			crits[k].Contribution = crits[k].Normalised * crits[k].Weight
			s.Total += crits[k].Contribution
			if crits[k].Missing {
				s.Complete = false
				s.Missing = append(s.Missing, crits[k].Name)
			}
		}
		out[i] = s
	}
	return out, nil
}

func validateScoreInput(i int, p ScoreInput) error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("appraisal: score input %d (%q): field %s: value %v: %s: %w", i, p.ProjectID, field, v, why, layers.ErrInvalid)
	}
	if p.ProjectID == "" {
		return bad("project_id", `""`, "required")
	}
	counts := []struct {
		name string
		v    int64
	}{
		{"newly_within_standard", p.NewlyWithinStandard}, {"beneficiaries", p.Beneficiaries},
		{"municipalities_benefiting", int64(p.MunicipalitiesBenefiting)}, {"kreise_benefiting", int64(p.KreiseBenefiting)},
		{"regions_benefiting", int64(p.RegionsBenefiting)}, {"participating_municipalities", int64(p.ParticipatingMunicipalities)},
	}
	for _, c := range counts {
		if c.v < 0 {
			return bad(c.name, c.v, "want a count ≥ 0")
		}
	}
	if math.IsNaN(p.NeedShare) || p.NeedShare < 0 || p.NeedShare > 1 {
		return bad("need_share", p.NeedShare, "want a share in [0, 1]")
	}
	if p.NewlyWithinStandard > 0 && p.EffectUnknown == "" && p.CostUnknown == "" && (math.IsNaN(p.CostPerNewlyCovered) || math.IsInf(p.CostPerNewlyCovered, 0) || p.CostPerNewlyCovered < 0) {
		return bad("cost_per_newly_covered", p.CostPerNewlyCovered, "want finite euros ≥ 0")
	}
	switch p.Alignment {
	case "", Aligned, PartlyAligned, InConflict, NotApplicable, Unknown:
	default:
		return bad("alignment", p.Alignment, "want aligned, partly_aligned, in_conflict, not_applicable or unknown")
	}
	for _, m := range []struct {
		name string
		v    *float64
	}{{"innovation", p.Innovation}, {"transferability", p.Transferability}} {
		if m.v != nil && (math.IsNaN(*m.v) || *m.v < 0 || *m.v > markScaleMax) {
			return bad(m.name, *m.v, "want a mark in [0, 10]")
		}
	}
	if math.IsNaN(p.RequestedFunding) || math.IsInf(p.RequestedFunding, 0) || p.RequestedFunding < 0 {
		return bad("requested_funding", p.RequestedFunding, "want finite euros ≥ 0")
	}
	return nil
}
