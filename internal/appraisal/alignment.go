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
	// SiteAGS are the municipalities of the project's sites (new facilities);
	// empty for road upgrades and area services.
	SiteAGS []string
	// Places is the central-places layer (Ober-, Mittel-, Grundzentren with
	// their Verbünde).
	Places []layers.CentralPlace
	// MinLevel is the lowest level where the project's category belongs
	// (Catalogue.MinLevel), LevelNone when the category is not tied to
	// central places; MinLevelSource is the rule's source.
	MinLevel       layers.Level
	MinLevelSource string
	// EqualOrHigherCovers is true when a central place of MinLevel or
	// higher already offers the category within the standard for the
	// project's beneficiaries (the project would duplicate it);
	// CoveringPlaces names those places.
	EqualOrHigherCovers bool
	CoveringPlaces      []string
	// StrengthensHigherReach is true when the project improves the reach of
	// the next Mittel- or Oberzentrum for residents outside the standard;
	// HigherReachPlaces optionally names those centres.
	StrengthensHigherReach bool
	HigherReachPlaces      []string
	// MunicipalityNames maps AGS to names for the reasons; optional.
	MunicipalityNames map[string]string
}

// SiteAlignment says in which central place one site municipality lies.
type SiteAlignment struct {
	AGS     string `json:"ags"`
	Name    string `json:"name,omitempty"`
	Place   string `json:"place,omitempty"`   // central place (or Verbund) the site counts in; "" if none
	Level   string `json:"level,omitempty"`   // its level; "" if none
	Verbund string `json:"verbund,omitempty"` // Verbund name when the site counts through a Verbund
	Fits    bool   `json:"fits"`              // level ≥ the category's minimum level
}

// AlignZentraleOrte decides whether a project fits the central-places
// system and spells out every reason. The rules, applied in this order:
//
//  1. Site level. A site counts as in a central place when its
//     municipality is the place's municipality, one of its members, or a
//     member municipality of the same Verbund (a Verbund acts as one central
//     place; its level is the highest level among its rows). A site fits
//     when that level is at least MinLevel. When MinLevel is LevelNone
//     every site fits. All sites fit → "fit"; some → "partial"; none →
//     "miss". A project without sites (road upgrade, area service) has no
//     site check.
//  2. Duplication. EqualOrHigherCovers means an equal or higher central
//     place already offers the category within the standard for the
//     beneficiaries.
//  3. Reach of higher centres. StrengthensHigherReach means the project
//     improves the reach of the next Mittel- or Oberzentrum for the
//     under-served.
//
// Verdict:
//
//	site check | duplication | strengthens | verdict
//	fit        | no          | any         | aligned
//	fit        | yes         | any         | partly_aligned
//	partial    | no          | any         | partly_aligned
//	partial    | yes         | any         | in_conflict
//	miss       | no          | yes         | partly_aligned
//	miss       | no          | no          | in_conflict
//	miss       | yes         | any         | in_conflict
//	none       | no          | yes         | aligned
//	none       | no          | no          | partly_aligned
//	none       | yes         | any         | partly_aligned
//
// The function is pure and deterministic.
func AlignZentraleOrte(in AlignmentInput) Alignment {
	catTitle := categoryTitle(in.Project.Category)
	out := Alignment{MinLevel: in.MinLevel.String(), MinLevelSource: in.MinLevelSource}
	reason := func(format string, a ...any) { out.Reasons = append(out.Reasons, fmt.Sprintf(format, a...)) }

	if in.MinLevel == layers.LevelNone {
		reason("%s is not tied to a central-place level (source: %s), so any site fits the central-places system.", catTitle, orUnknown(in.MinLevelSource))
	} else {
		reason("%s belongs at least in %s (source: %s).", catTitle, withArticle(in.MinLevel), orUnknown(in.MinLevelSource))
	}

	// 1. Site level.
	idx := NewPlaceIndex(in.Places)
	sites := uniqueSorted(in.SiteAGS)
	fits := 0
	for _, ags := range sites {
		sa := SiteAlignment{AGS: ags, Name: in.MunicipalityNames[ags]}
		label := municipalityLabel(ags, in.MunicipalityNames)
		if pl, ok := idx.PlaceOf(ags); ok {
			sa.Place, sa.Level, sa.Verbund = pl.Name, pl.Level.String(), pl.Verbund
			sa.Fits = pl.Level >= in.MinLevel
			where := fmt.Sprintf("%s, %s", pl.Name, withArticle(pl.Level))
			if pl.Verbund != "" {
				where = fmt.Sprintf("%s, a Verbund of which the municipality is a member and which acts as one %s", pl.Verbund, pl.Level)
			}
			switch {
			case in.MinLevel == layers.LevelNone:
				reason("The site in %s lies in %s.", label, where)
			case sa.Fits:
				reason("The site in %s lies in %s, which is at or above the %s level the category needs.", label, where, in.MinLevel)
			default:
				reason("The site in %s lies in %s, below the %s level the category needs.", label, where, in.MinLevel)
			}
		} else {
			sa.Fits = in.MinLevel == layers.LevelNone
			if sa.Fits {
				reason("The site in %s is not a central place, which the category does not require.", label)
			} else {
				reason("The site in %s is not a central place (nor a member of a Verbund), but the category needs %s.", label, withArticle(in.MinLevel))
			}
		}
		if sa.Fits {
			fits++
		}
		out.Sites = append(out.Sites, sa)
	}
	type check int
	const (
		checkNone check = iota
		checkFit
		checkPartial
		checkMiss
	)
	sc := checkNone
	switch {
	case len(sites) == 0:
		reason("The project has no facility site (%s), so the site level is not checked.", kindText(in.Project.Kind))
	case fits == len(sites):
		sc = checkFit
	case fits > 0:
		sc = checkPartial
		reason("%d of %d sites lie in a central place of the needed level.", fits, len(sites))
	default:
		sc = checkMiss
	}

	// 2. Duplication.
	if in.EqualOrHigherCovers {
		if len(in.CoveringPlaces) > 0 {
			reason("An equal or higher central place already offers %s within the standard for the project's beneficiaries: %s.", strings.ToLower(catTitle), strings.Join(in.CoveringPlaces, ", "))
		} else {
			reason("An equal or higher central place already offers %s within the standard for the project's beneficiaries.", strings.ToLower(catTitle))
		}
	} else if in.MinLevel != layers.LevelNone {
		reason("No central place of %s level or higher already offers %s within the standard for the project's beneficiaries.", in.MinLevel, strings.ToLower(catTitle))
	}

	// 3. Reach of higher centres.
	if in.StrengthensHigherReach {
		if len(in.HigherReachPlaces) > 0 {
			reason("The project improves the reach of the next Mittel- or Oberzentrum (%s) for residents outside the standard.", strings.Join(in.HigherReachPlaces, ", "))
		} else {
			reason("The project improves the reach of the next Mittel- or Oberzentrum for residents outside the standard.")
		}
	} else {
		reason("The project does not improve the reach of the next Mittel- or Oberzentrum for residents outside the standard.")
	}

	switch sc {
	case checkFit:
		out.Verdict = Aligned
		if in.EqualOrHigherCovers {
			out.Verdict = PartlyAligned
		}
	case checkPartial:
		out.Verdict = PartlyAligned
		if in.EqualOrHigherCovers {
			out.Verdict = InConflict
		}
	case checkMiss:
		out.Verdict = InConflict
		if in.StrengthensHigherReach && !in.EqualOrHigherCovers {
			out.Verdict = PartlyAligned
		}
	default:
		out.Verdict = PartlyAligned
		if in.StrengthensHigherReach && !in.EqualOrHigherCovers {
			out.Verdict = Aligned
		}
	}
	reason("Verdict: %s.", strings.ReplaceAll(string(out.Verdict), "_", " "))
	return out
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
		return "a new facility without a located site"
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
