package catalogue

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"reach/geo/access"
	"reach/layers"
)

// defaultNeedsJSON is the need catalogue shipped with the binary; its
// format is documented on LoadNeeds.
//
//go:embed standards/needs.json
var defaultNeedsJSON []byte

// DefaultNeedsName names the embedded need catalogue in errors and provenance.
const DefaultNeedsName = "standards/needs.json"

// Need says, for one service category, who needs it and how much of it
// there is: the demand group by age, the unit of supply with its default
// where the facility files give no capacity, the distance decay of the
// two-step floating catchment and the planning ratio, each with its source.
type Need struct {
	Category layers.Category
	// DemandGroup names the group ("all", "0-5", "65+", …); MinAge and
	// MaxAge bound it in years, inclusive (MaxAge access.OpenAge: and over).
	DemandGroup    string
	MinAge, MaxAge int
	DemandSource   string
	// Mode and Decay are those of the floating catchment.
	Mode        layers.Mode
	Decay       access.Decay
	DecaySource string
	// Unit names the unit of supply (doctors, beds, places).
	Unit string
	// DefaultCapacity is the supply of a facility without a capacity in
	// its file; CapacitySource says why (always marked assumption here).
	DefaultCapacity float64
	CapacitySource  string
	// ResidentsPerUnit is the planning ratio: residents of the demand
	// group per unit of supply; 0 when the rules give none.
	ResidentsPerUnit   float64
	PlanningSource     string
	PlanningAssumption bool
}

// CapacityAssumed says whether the default capacity is an assumption.
func (n Need) CapacityAssumed() bool {
	return strings.HasPrefix(n.CapacitySource, SourceAssumption)
}

// Fire holds the values of fire and rescue coverage.
type Fire struct {
	Category layers.Category
	Mode     layers.Mode
	// TurnoutVolunteerS and TurnoutFullTimeS are the seconds from alarm to
	// departure of a volunteer and of a full-time crew.
	TurnoutVolunteerS, TurnoutFullTimeS float64
	TurnoutSource                       string
	// LimitS is the time from alarm to arrival within which residents
	// should be reached; LimitSource says who sets it.
	LimitS      float64
	LimitSource string
	// TargetShare is the share of residents that should be reached.
	TargetShare float64
	ShareSource string
}

// Needs is a validated need catalogue; immutable and safe to share.
type Needs struct {
	name, hash, description string
	sources                 map[string]string
	byCat                   map[layers.Category]Need
	order                   []layers.Category
	fire                    Fire
}

type needsFile struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Sources     map[string]string `json:"sources"`
	Needs       []needEntry       `json:"needs"`
	Fire        *fireEntry        `json:"fire"`
}

type needEntry struct {
	Category           string   `json:"category"`
	DemandGroup        string   `json:"demand_group"`
	MinAge             *int     `json:"min_age"`
	MaxAge             *int     `json:"max_age"`
	DemandSource       string   `json:"demand_source"`
	Mode               string   `json:"mode"`
	Decay              string   `json:"decay"`
	Beta               float64  `json:"beta"`
	ThresholdMinutes   *float64 `json:"threshold_minutes"`
	DecaySource        string   `json:"decay_source"`
	Unit               string   `json:"unit"`
	DefaultCapacity    *float64 `json:"default_capacity"`
	CapacitySource     string   `json:"capacity_source"`
	ResidentsPerUnit   *float64 `json:"residents_per_unit"`
	PlanningSource     string   `json:"planning_source"`
	PlanningAssumption bool     `json:"planning_assumption"`
}

type fireEntry struct {
	Category          string   `json:"category"`
	Mode              string   `json:"mode"`
	TurnoutVolunteerM *float64 `json:"turnout_volunteer_minutes"`
	TurnoutFullTimeM  *float64 `json:"turnout_fulltime_minutes"`
	TurnoutSource     string   `json:"turnout_source"`
	LimitMinutes      *float64 `json:"limit_minutes"`
	LimitSource       string   `json:"limit_source"`
	TargetShare       *float64 `json:"target_share"`
	ShareSource       string   `json:"share_source"`
}

// DefaultNeeds parses the need catalogue embedded in the binary.
func DefaultNeeds() (*Needs, error) {
	return LoadNeeds(bytes.NewReader(defaultNeedsJSON), DefaultNeedsName)
}

// DefaultNeedsJSON returns a copy of the embedded need catalogue file.
func DefaultNeedsJSON() []byte { return append([]byte(nil), defaultNeedsJSON...) }

// LoadNeeds reads a need catalogue: a JSON object with "name",
// "description", "sources" (key → citation), "needs" (one entry per
// category: category, demand_group, min_age, max_age (null: and over),
// demand_source, mode, decay (step, zones, gaussian, linear, exponential
// with beta), threshold_minutes, decay_source, unit, default_capacity,
// capacity_source (starting with "assumption" when it has no published
// source), residents_per_unit (0: no planning ratio), planning_source,
// planning_assumption) and "fire" (category, mode,
// turnout_volunteer_minutes, turnout_fulltime_minutes, turnout_source,
// limit_minutes, limit_source, target_share, share_source). Unknown fields
// are errors; every error names the file, the entry and the field.
func LoadNeeds(r io.Reader, name string) (*Needs, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("needs %s: %w", name, err)
	}
	var f needsFile
	if err := decodeStrict(raw, "needs", name, "the need catalogue object", &f); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	n := &Needs{name: f.Name, hash: hex.EncodeToString(sum[:]), description: f.Description, sources: f.Sources, byCat: map[layers.Category]Need{}}
	if n.name == "" {
		n.name = name
	}
	for i, e := range f.Needs {
		where := fmt.Sprintf("needs %s: needs[%d] (%s)", name, i, e.Category)
		cat := layers.Category(e.Category)
		ok := cat.Valid()
		if !ok {
			return nil, fmt.Errorf("%s: field category: unknown category %q", where, e.Category)
		}
		if _, dup := n.byCat[cat]; dup {
			return nil, fmt.Errorf("%s: category given twice", where)
		}
		mode, ok := layers.ParseMode(e.Mode)
		if !ok {
			return nil, fmt.Errorf("%s: field mode: %q is not car, bicycle or foot", where, e.Mode)
		}
		nd := Need{Category: cat, DemandGroup: e.DemandGroup, DemandSource: e.DemandSource, Mode: mode,
			DecaySource: e.DecaySource, Unit: e.Unit, CapacitySource: e.CapacitySource,
			PlanningSource: e.PlanningSource, PlanningAssumption: e.PlanningAssumption, MaxAge: access.OpenAge}
		if e.MinAge == nil || *e.MinAge < 0 || *e.MinAge > 120 {
			return nil, fmt.Errorf("%s: field min_age: want a whole number of years 0–120", where)
		}
		nd.MinAge = *e.MinAge
		if e.MaxAge != nil {
			if *e.MaxAge < nd.MinAge || *e.MaxAge > 120 {
				return nil, fmt.Errorf("%s: field max_age %d: want min_age to 120 or null (and over)", where, *e.MaxAge)
			}
			nd.MaxAge = *e.MaxAge
		}
		if e.ThresholdMinutes == nil {
			return nil, fmt.Errorf("%s: field threshold_minutes is missing", where)
		}
		nd.Decay = access.Decay{Kind: access.DecayKind(e.Decay), ThresholdS: *e.ThresholdMinutes * 60, Beta: e.Beta}
		if err := nd.Decay.Validate(); err != nil {
			return nil, fmt.Errorf("%s: fields decay/threshold_minutes/beta: %v", where, err)
		}
		if e.DefaultCapacity == nil || !(*e.DefaultCapacity > 0) {
			return nil, fmt.Errorf("%s: field default_capacity: want a positive number", where)
		}
		nd.DefaultCapacity = *e.DefaultCapacity
		if e.ResidentsPerUnit == nil || *e.ResidentsPerUnit < 0 {
			return nil, fmt.Errorf("%s: field residents_per_unit: want 0 (none) or a positive number", where)
		}
		nd.ResidentsPerUnit = *e.ResidentsPerUnit
		for field, v := range map[string]string{"demand_group": e.DemandGroup, "unit": e.Unit, "capacity_source": e.CapacitySource, "planning_source": e.PlanningSource} {
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("%s: field %s is empty", where, field)
			}
		}
		n.byCat[cat] = nd
		n.order = append(n.order, cat)
	}
	if f.Fire == nil {
		return nil, fmt.Errorf("needs %s: field fire is missing", name)
	}
	fe := f.Fire
	cat := layers.Category(fe.Category)
	ok := cat.Valid()
	if !ok {
		return nil, fmt.Errorf("needs %s: fire: field category: unknown category %q", name, fe.Category)
	}
	mode, ok := layers.ParseMode(fe.Mode)
	if !ok {
		return nil, fmt.Errorf("needs %s: fire: field mode: %q is not car, bicycle or foot", name, fe.Mode)
	}
	n.fire = Fire{Category: cat, Mode: mode, TurnoutSource: fe.TurnoutSource, LimitSource: fe.LimitSource, ShareSource: fe.ShareSource}
	for _, v := range []struct {
		field string
		p     *float64
		dst   *float64
		scale float64
	}{{"turnout_volunteer_minutes", fe.TurnoutVolunteerM, &n.fire.TurnoutVolunteerS, 60}, {"turnout_fulltime_minutes", fe.TurnoutFullTimeM, &n.fire.TurnoutFullTimeS, 60}, {"limit_minutes", fe.LimitMinutes, &n.fire.LimitS, 60}, {"target_share", fe.TargetShare, &n.fire.TargetShare, 1}} {
		if v.p == nil || *v.p < 0 || (v.field == "limit_minutes" && *v.p == 0) || (v.field == "target_share" && (*v.p == 0 || *v.p > 1)) {
			return nil, fmt.Errorf("needs %s: fire: field %s: missing or out of range", name, v.field)
		}
		*v.dst = *v.p * v.scale
	}
	return n, nil
}

// Name and ID identify the catalogue (ID carries a digest of the file).
func (n *Needs) Name() string { return n.name }
func (n *Needs) ID() string   { return n.name + "@sha256:" + n.hash[:12] }

// Need returns the need of cat.
func (n *Needs) Need(cat layers.Category) (Need, bool) {
	nd, ok := n.byCat[cat]
	return nd, ok
}

// Needs returns every need in file order.
func (n *Needs) Needs() []Need {
	out := make([]Need, 0, len(n.order))
	for _, c := range n.order {
		out = append(out, n.byCat[c])
	}
	return out
}

// Fire returns the fire and rescue values.
func (n *Needs) Fire() Fire { return n.fire }

// Sources returns a copy of the citations by key.
func (n *Needs) Sources() map[string]string {
	out := make(map[string]string, len(n.sources))
	for k, v := range n.sources {
		out[k] = v
	}
	return out
}
