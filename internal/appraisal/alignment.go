package appraisal

import (
	"fmt"
	"sort"
	"strings"

	"reach/layers"
)

// AlignmentInput is what the Zentrale-Orte alignment of one project is
// decided from. The assessment fills the coverage facts (EqualOrHigherCovers,
// CoveringPlaces, StrengthensHigherReach) from the travel times; this file
// only applies the rules.
type AlignmentInput struct {
	Project layers.Project
	// SiteAGS are the municipalities of the project's sites (new facilities
	// and facility upgrades); empty for road upgrades and area services.
	SiteAGS []string
	// Places is the central-places layer (Ober-, Mittel-, Grundzentren with
	// their Verbünde).
	Places []layers.CentralPlace
	// MinLevel is the lowest level where the project's category belongs
	// (Catalogue.MinLevel), LevelNone when the category is not tied to
	// central places; MinLevelSource is the rule's source.
	MinLevel       layers.Level
	MinLevelSource string
	// EffectKnown is false when the project's effect on travel times is
	// unknown (no facilities or no network): the duplication rule then
	// cannot be checked.
	EffectKnown bool
	// EqualOrHigherCovers is true when a central place of MinLevel or
	// higher already offers the category within the standard for the
	// project's beneficiaries (the project would duplicate it);
	// CoveringPlaces names those places.
	EqualOrHigherCovers bool
	CoveringPlaces      []string
	// StrengthensHigherReach is true when a road upgrade improves the reach
	// of the next Mittel- or Oberzentrum for residents outside the standard;
	// HigherReachPlaces optionally names those centres. Only road upgrades
	// change that reach; for other kinds the rule does not apply.
	StrengthensHigherReach bool
	HigherReachPlaces      []string
	// MunicipalityNames maps AGS to names for the reasons; optional.
	MunicipalityNames map[string]string
}

// Rules of the Zentrale-Orte alignment, named in every Reason.
const (
	RuleCategoryLevel = "category_level" // the level the category belongs in
	RuleSiteLevel     = "site_level"     // the level of the central place a site lies in
	RuleDuplication   = "duplication"    // an equal or higher place already offers it
	RuleHigherReach   = "higher_reach"   // a road upgrade improves the reach of Mittel-/Oberzentren
)

// Findings of a rule.
const (
	FindingFits          = "fits"           // site at or above the required level
	FindingBelow         = "below"          // site below the required level
	FindingYes           = "yes"            // duplication found, reach improved
	FindingNo            = "no"             // no duplication, reach not improved
	FindingUnknown       = "unknown"        // the data do not say
	FindingNotApplicable = "not_applicable" // the rule has no meaning for the project
	FindingRequired      = "required"       // category_level: the level needed
)

// Reason is one rule applied to one project (or one site of it).
type Reason struct {
	Rule    string `json:"rule"`
	Finding string `json:"finding"`
	// Site is the AGS of the site the reason is about; "" for the project.
	Site string `json:"site,omitempty"`
	// LevelFound is the central-place level the data give for the site
	// ("none" when the site is no central place of the levels the data
	// cover), "" when the rule looks at no level.
	LevelFound string `json:"level_found,omitempty"`
	// LevelRequired is the category's minimum level, "" when none.
	LevelRequired string `json:"level_required,omitempty"`
	Text          string `json:"text"`
}

// SiteAlignment says in which central place one site municipality lies.
type SiteAlignment struct {
	AGS     string `json:"ags"`
	Name    string `json:"name,omitempty"`
	Place   string `json:"place,omitempty"`   // central place (or Verbund) the site counts in; "" if none
	Level   string `json:"level,omitempty"`   // its level; "" if none or unknown
	Verbund string `json:"verbund,omitempty"` // Verbund name when the site counts through a Verbund
	Fits    bool   `json:"fits"`              // level ≥ the category's minimum level
	// Known is false when the central-place data do not cover the site's
	// Kreis for the levels below the required one, so that "not a central
	// place of the required level" cannot be told from "not in the data".
	Known bool `json:"known"`
}

// AlignZentraleOrte decides whether a project fits the central-places
// system, with one Reason per rule (and per site), each naming the rule,
// the level found and the level required. The rules:
//
//  1. category_level: the lowest level the category belongs in. A category
//     tied to no level (or the category "other") makes the site and
//     duplication rules not applicable.
//  2. site_level, per site: a site counts as in a central place when its
//     municipality is the place's municipality, one of its members, or a
//     member of the same Verbund (a Verbund acts as one central place at
//     the highest level among its rows). It fits when that level is at
//     least the required one. A site in no place is below the required
//     level only where the data cover its Kreis: a level counts as covered
//     in a Kreis when the layer holds a place of that level there (an
//     Oberzentrum anywhere covers the Oberzentrum level). Where a level
//     between Grundzentrum and the required one is not covered, the finding
//     is unknown and says which data are missing.
//  3. duplication: whether an equal or higher central place already offers
//     the category within the standard for the beneficiaries; unknown when
//     the effect is unknown.
//  4. higher_reach: for road upgrades only, whether the reach of the next
//     Mittel- or Oberzentrum improves for residents outside the standard.
//
// Verdict, in this order: no category level and no road upgrade →
// not_applicable; any site below → in_conflict when no site fits, else
// (some fit) partly_aligned, or in_conflict with duplication; a site or
// the duplication unknown → unknown; all sites fit → aligned, or
// partly_aligned with duplication. A road upgrade without a category
// level: aligned when it strengthens the reach of higher centres, else
// not_applicable; without central places of Mittel- or Oberzentrum level
// in the data, unknown. The function is pure and deterministic.
func AlignZentraleOrte(in AlignmentInput) Alignment {
	catTitle := categoryTitle(in.Project.Category)
	req := ""
	if in.MinLevel != layers.LevelNone {
		req = in.MinLevel.String()
	}
	out := Alignment{MinLevel: req, MinLevelSource: in.MinLevelSource}
	add := func(r Reason) { out.Reasons = append(out.Reasons, r) }
	finish := func(v Verdict) Alignment {
		out.Verdict = v
		return out
	}
	isRoad := in.Project.Kind == layers.KindRoadUpgrade

	// 1. Category level.
	if in.MinLevel == layers.LevelNone {
		add(Reason{Rule: RuleCategoryLevel, Finding: FindingNotApplicable,
			Text: fmt.Sprintf("%s is not tied to a central-place level (source: %s): the site and duplication rules do not apply.", catTitle, orUnknown(in.MinLevelSource))})
	} else {
		add(Reason{Rule: RuleCategoryLevel, Finding: FindingRequired, LevelRequired: req,
			Text: fmt.Sprintf("%s belongs at least in %s (source: %s).", catTitle, withArticle(in.MinLevel), orUnknown(in.MinLevelSource))})
	}

	// 4. Higher reach (road upgrades only), decided first for road
	// upgrades without a category level.
	higher := func() (Reason, bool) {
		if !isRoad {
			return Reason{Rule: RuleHigherReach, Finding: FindingNotApplicable,
				Text: "Only a road upgrade changes the travel time to the Mittel- and Oberzentren: the rule does not apply to " + kindText(in.Project.Kind) + "."}, false
		}
		hasHigher := false
		for _, p := range in.Places {
			hasHigher = hasHigher || p.Level >= layers.LevelMittelzentrum
		}
		switch {
		case !hasHigher:
			return Reason{Rule: RuleHigherReach, Finding: FindingUnknown,
				Text: "The central-places layer holds no Mittel- or Oberzentrum: whether the upgrade improves their reach is unknown."}, false
		case in.StrengthensHigherReach && len(in.HigherReachPlaces) > 0:
			return Reason{Rule: RuleHigherReach, Finding: FindingYes, LevelFound: layers.LevelMittelzentrum.String(),
				Text: fmt.Sprintf("The upgrade improves the reach of the next Mittel- or Oberzentrum (%s) for residents outside %v minutes.", strings.Join(in.HigherReachPlaces, ", "), HigherReachMinutes)}, true
		case in.StrengthensHigherReach:
			return Reason{Rule: RuleHigherReach, Finding: FindingYes,
				Text: fmt.Sprintf("The upgrade improves the reach of the next Mittel- or Oberzentrum for residents outside %v minutes.", HigherReachMinutes)}, true
		}
		return Reason{Rule: RuleHigherReach, Finding: FindingNo,
			Text: fmt.Sprintf("The upgrade does not improve the reach of the next Mittel- or Oberzentrum for residents outside %v minutes.", HigherReachMinutes)}, true
	}
	hr, hrApplies := higher()

	if in.MinLevel == layers.LevelNone {
		add(hr)
		switch {
		case !isRoad:
			return finish(NotApplicable)
		case hr.Finding == FindingUnknown:
			return finish(Unknown)
		case hr.Finding == FindingYes:
			return finish(Aligned)
		}
		return finish(NotApplicable)
	}

	// 2. Site level.
	idx := NewPlaceIndex(in.Places)
	cov := newCoverage(in.Places)
	sites := uniqueSorted(in.SiteAGS)
	fits, below, unknown := 0, 0, 0
	for _, ags := range sites {
		sa := SiteAlignment{AGS: ags, Name: in.MunicipalityNames[ags], Known: true}
		label := municipalityLabel(ags, in.MunicipalityNames)
		r := Reason{Rule: RuleSiteLevel, Site: ags, LevelRequired: req}
		if pl, ok := idx.PlaceOf(ags); ok {
			sa.Place, sa.Level, sa.Verbund = pl.Name, pl.Level.String(), pl.Verbund
			sa.Fits = pl.Level >= in.MinLevel
			r.LevelFound = pl.Level.String()
			where := fmt.Sprintf("%s, %s", pl.Name, withArticle(pl.Level))
			if pl.Verbund != "" {
				where = fmt.Sprintf("%s, a Verbund of which the municipality is a member and which acts as one %s", pl.Verbund, pl.Level)
			}
			if sa.Fits {
				r.Finding = FindingFits
				r.Text = fmt.Sprintf("The site in %s lies in %s, at or above the %s level the category needs.", label, where, in.MinLevel)
			} else {
				r.Finding = FindingBelow
				r.Text = fmt.Sprintf("The site in %s lies in %s, below the %s level the category needs.", label, where, in.MinLevel)
			}
		} else if missing := cov.missing(ags, in.MinLevel); len(missing) > 0 {
			sa.Known = false
			r.Finding = FindingUnknown
			r.Text = fmt.Sprintf("The site in %s is in no central place of the data, but the data hold no %s for Kreis %s: whether the site is a central place of the %s level is unknown.",
				label, strings.Join(missing, " and no "), kreisOf(ags), in.MinLevel)
		} else if len(cov.missing(ags, layers.LevelGrundzentrum)) == 0 {
			r.Finding = FindingBelow
			r.LevelFound = "none"
			r.Text = fmt.Sprintf("The site in %s is not a central place (nor a member of a Verbund), but the category needs %s.", label, withArticle(in.MinLevel))
		} else {
			r.Finding = FindingBelow
			r.LevelFound = "below " + in.MinLevel.String()
			r.Text = fmt.Sprintf("The site in %s is no central place of %s level or higher, which the category needs; the data hold no Grundzentren for Kreis %s, so whether it is a Grundzentrum is not known.",
				label, in.MinLevel, kreisOf(ags))
		}
		switch r.Finding {
		case FindingFits:
			fits++
		case FindingBelow:
			below++
		default:
			unknown++
		}
		add(r)
		out.Sites = append(out.Sites, sa)
	}
	if len(sites) == 0 {
		add(Reason{Rule: RuleSiteLevel, Finding: FindingNotApplicable, LevelRequired: req,
			Text: fmt.Sprintf("The project has no facility site (%s): the site level is not checked.", kindText(in.Project.Kind))})
	}

	// 3. Duplication.
	dup := false
	dupKnown := true
	switch {
	case !in.EffectKnown:
		dupKnown = false
		add(Reason{Rule: RuleDuplication, Finding: FindingUnknown, LevelRequired: req,
			Text: "The project's effect on travel times is unknown, so whether a central place of the needed level already offers the service is unknown."})
	case in.EqualOrHigherCovers:
		dup = true
		places := ""
		if len(in.CoveringPlaces) > 0 {
			places = ": " + strings.Join(in.CoveringPlaces, ", ")
		}
		add(Reason{Rule: RuleDuplication, Finding: FindingYes, LevelRequired: req,
			Text: fmt.Sprintf("A central place of %s level or higher already offers %s within the standard for most of the project's beneficiaries%s.", in.MinLevel, strings.ToLower(catTitle), places)})
	default:
		add(Reason{Rule: RuleDuplication, Finding: FindingNo, LevelRequired: req,
			Text: fmt.Sprintf("No central place of %s level or higher already offers %s within the standard for most of the project's beneficiaries.", in.MinLevel, strings.ToLower(catTitle))})
	}
	add(hr)

	switch {
	case below > 0 && fits == 0:
		return finish(InConflict)
	case below > 0 && dup:
		return finish(InConflict)
	case below > 0:
		return finish(PartlyAligned)
	case unknown > 0 || !dupKnown:
		return finish(Unknown)
	case len(sites) == 0:
		// A road upgrade or area service of a category with a level.
		switch {
		case hrApplies && hr.Finding == FindingYes && !dup:
			return finish(Aligned)
		case hr.Finding == FindingUnknown:
			return finish(Unknown)
		}
		return finish(PartlyAligned)
	case dup:
		return finish(PartlyAligned)
	}
	return finish(Aligned)
}

// HigherReachMinutes is the time by car to the next Mittel- or
// Oberzentrum beyond which residents count as under-served when checking
// whether a road upgrade strengthens that reach (BBSR: 30 minutes by car
// to the next Mittelzentrum are a reasonable travel time).
const HigherReachMinutes = 30.0

// coverage says for which levels the central-places layer holds data in
// each Kreis.
type coverage struct {
	byKreis map[string]map[layers.Level]bool
	ober    bool
}

func newCoverage(places []layers.CentralPlace) coverage {
	c := coverage{byKreis: map[string]map[layers.Level]bool{}}
	for _, p := range places {
		if p.Level == layers.LevelOberzentrum {
			c.ober = true
		}
		k := p.KreisAGS
		if k == "" {
			k = kreisOf(p.AGS)
		}
		if c.byKreis[k] == nil {
			c.byKreis[k] = map[layers.Level]bool{}
		}
		c.byKreis[k][p.Level] = true
	}
	return c
}

// missing lists the levels from need up to Oberzentrum that the data do
// not cover in the Kreis of ags (plural names, e.g. "Mittelzentren"): only
// where they are covered does "in no place" mean "below need".
func (c coverage) missing(ags string, need layers.Level) []string {
	var out []string
	k := kreisOf(ags)
	for l := need; l <= layers.LevelOberzentrum; l++ {
		ok := c.byKreis[k][l]
		if l == layers.LevelOberzentrum {
			ok = c.ober
		}
		if !ok {
			out = append(out, plural(l))
		}
	}
	return out
}

func plural(l layers.Level) string { return strings.TrimSuffix(l.String(), "um") + "en" }

// kreisOf returns the Kreis part (5 digits) of an 8-digit AGS, else ags.
func kreisOf(ags string) string {
	if len(ags) == 8 {
		return ags[:5]
	}
	return ags
}

// Place is the central place a municipality counts in: its name (the
// Verbund's name for a member of a Verbund), its level and the Verbund.
type Place struct {
	Name    string
	Level   layers.Level
	Verbund string
}

// PlaceIndex maps each municipality (AGS) to the highest central place it
// counts in.
type PlaceIndex map[string]Place

// NewPlaceIndex indexes the central places by the municipalities they
// cover, themselves and their members; a Verbund counts at the highest
// level among its rows.
func NewPlaceIndex(places []layers.CentralPlace) PlaceIndex {
	// Level of each Verbund: the highest level among its rows.
	vLevel := map[string]layers.Level{}
	vMembers := map[string][]string{}
	for _, p := range places {
		if p.Verbund == "" {
			continue
		}
		if p.Level > vLevel[p.Verbund] {
			vLevel[p.Verbund] = p.Level
		}
		vMembers[p.Verbund] = append(vMembers[p.Verbund], p.AGS)
		vMembers[p.Verbund] = append(vMembers[p.Verbund], p.Members...)
	}
	idx := PlaceIndex{}
	put := func(ags string, r Place) {
		if ags == "" {
			return
		}
		old, ok := idx[ags]
		switch {
		case !ok, r.Level > old.Level:
			idx[ags] = r
		case r.Level == old.Level && old.Verbund != "" && r.Verbund == "":
			idx[ags] = r // a place of its own is named before a Verbund
		case r.Level == old.Level && (old.Verbund == "") == (r.Verbund == "") && r.Name < old.Name:
			idx[ags] = r // deterministic among equals
		}
	}
	for _, p := range places {
		if p.Level == layers.LevelNone {
			continue
		}
		if p.Verbund != "" {
			r := Place{Name: p.Verbund, Level: vLevel[p.Verbund], Verbund: p.Verbund}
			for _, m := range vMembers[p.Verbund] {
				put(m, r)
			}
			continue
		}
		r := Place{Name: p.Name, Level: p.Level}
		put(p.AGS, r)
		for _, m := range p.Members {
			put(m, r)
		}
	}
	return idx
}

// PlaceOf returns the central place ags counts in.
func (ix PlaceIndex) PlaceOf(ags string) (Place, bool) {
	r, ok := ix[ags]
	return r, ok
}

func uniqueSorted(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func municipalityLabel(ags string, names map[string]string) string {
	if n := names[ags]; n != "" {
		return fmt.Sprintf("%s (%s)", n, ags)
	}
	return ags
}

func categoryTitle(c layers.Category) string {
	for _, ci := range layers.Categories() {
		if ci.Category == c {
			return ci.TitleEN
		}
	}
	if c == "" {
		return "The category"
	}
	return string(c)
}

func kindText(k layers.ProjectKind) string {
	switch k {
	case layers.KindRoadUpgrade:
		return "a road upgrade or new link"
	case layers.KindAreaService:
		return "an area service"
	case layers.KindNewFacility:
		return "a new facility"
	case layers.KindFacilityUpgrade:
		return "a facility upgrade"
	}
	return "no kind given"
}

// withArticle returns the level with its English indefinite article.
func withArticle(l layers.Level) string {
	if l == layers.LevelOberzentrum {
		return "an " + l.String()
	}
	return "a " + l.String()
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "not given"
	}
	return s
}
