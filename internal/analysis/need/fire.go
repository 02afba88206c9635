package need

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/layers"
)

// Fire and rescue coverage: the arrival time per cell is the least over
// the stations of turn-out time plus drive (one multi-source search with
// the turn-out time as each station's offset); the area of first
// responsibility of a station is the cells it reaches first.

// FireSite is a proposed station.
type FireSite struct {
	Name string `json:"name"`
	// Location is lon/lat (CRS84).
	Location orb.Point `json:"location"`
	// FullTime says whether a full-time crew staffs it; TurnoutS, when
	// not nil, sets its turn-out time in seconds instead.
	FullTime bool     `json:"full_time"`
	TurnoutS *float64 `json:"turnout_s"`
}

// FireQuery asks for fire coverage, optionally with proposed stations and
// closures.
type FireQuery struct {
	Scenario Scenario   `json:"-"`
	Add      []FireSite `json:"add"`
	// Close lists facility ids of stations taken out.
	Close []string `json:"close"`
	// Cells asks for the per-cell arrival times and stations.
	Cells bool `json:"cells"`
}

// FireStation is one station with its turn-out time and its area of first
// responsibility.
type FireStation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	AGS  string `json:"ags"`
	// Kind is "volunteer" or "full-time".
	Kind string `json:"kind"`
	// TurnoutMinutes and TurnoutSource: "settings" (per-station value),
	// "facility name" (a full-time crew named in it), "catalogue" (the
	// default of its kind), "proposal".
	TurnoutMinutes float64 `json:"turnout_minutes"`
	TurnoutSource  string  `json:"turnout_source"`
	Proposed       bool    `json:"proposed"`
	Snapped        bool    `json:"snapped"`
	// Residents and Cells of its area of first responsibility (the cells
	// it reaches first); WithinLimit of those reached within the limit.
	Residents   int64 `json:"residents"`
	WithinLimit int64 `json:"within_limit"`
	Cells       int   `json:"cells"`
}

// FireMunicipality is the coverage of one municipality.
type FireMunicipality struct {
	AGS       string `json:"ags"`
	Name      string `json:"name"`
	Residents int64  `json:"residents"`
	// WithinLimit residents are reached within the limit; Share is the
	// share of residents, CellShare that of settled cells.
	WithinLimit int64   `json:"within_limit"`
	Share       float64 `json:"share"`
	CellShare   float64 `json:"cell_share"`
	Cells       int     `json:"cells"`
	CellsWithin int     `json:"cells_within"`
	// MedianMinutes is the median arrival time of its residents.
	MedianMinutes *float64 `json:"median_minutes"`
	// MeetsTarget says whether Share reaches the target share.
	MeetsTarget bool `json:"meets_target"`
}

// FireCell is the arrival at one cell.
type FireCell struct {
	CellID    string `json:"inspire_id"`
	AGS       string `json:"ags"`
	Residents int64  `json:"residents"`
	// ArrivalMinutes is nil where no station is reachable.
	ArrivalMinutes *float64 `json:"arrival_minutes"`
	StationID      string   `json:"station_id"`
}

// FireCoverage is the coverage of one set of stations.
type FireCoverage struct {
	// Unreached residents live in cells no station reaches (not snapped to
	// the network, say).
	Residents      int64              `json:"residents"`
	WithinLimit    int64              `json:"within_limit"`
	Unreached      int64              `json:"unreached"`
	Share          float64            `json:"share"`
	CellShare      float64            `json:"cell_share"`
	Cells          int                `json:"cells"`
	CellsWithin    int                `json:"cells_within"`
	Stations       []FireStation      `json:"stations"`
	Municipalities []FireMunicipality `json:"municipalities"`
	Fairness       Fairness           `json:"fairness"`
	CellsDetail    []FireCell         `json:"cells_detail,omitempty"`
}

// FireChange is the effect of a proposal on one municipality.
type FireChange struct {
	AGS             string   `json:"ags"`
	Name            string   `json:"name"`
	ShareBefore     float64  `json:"share_before"`
	ShareAfter      float64  `json:"share_after"`
	ResidentsGained int64    `json:"residents_gained"` // residents newly within the limit (negative: lost)
	MedianBefore    *float64 `json:"median_before"`
	MedianAfter     *float64 `json:"median_after"`
}

// FireResult is the fire and rescue coverage, before and after a proposal.
type FireResult struct {
	Mode          layers.Mode `json:"mode"`
	Scenario      Scenario    `json:"-"`
	ScenarioLabel string      `json:"scenario"`
	Year          int         `json:"year,omitempty"`
	Variant       string      `json:"variant,omitempty"`
	LimitMinutes  float64     `json:"limit_minutes"`
	LimitSource   string      `json:"limit_source"`
	TargetShare   float64     `json:"target_share"`
	ShareSource   string      `json:"share_source"`
	// TurnoutVolunteerMinutes and TurnoutFullTimeMinutes are the catalogue
	// defaults, TurnoutSource their source.
	TurnoutVolunteerMinutes float64      `json:"turnout_volunteer_minutes"`
	TurnoutFullTimeMinutes  float64      `json:"turnout_full_time_minutes"`
	TurnoutSource           string       `json:"turnout_source"`
	Today                   FireCoverage `json:"today"`
	// After and Changes are set when the query proposes stations or
	// closures; Changes lists the municipalities whose share changes.
	After      *FireCoverage       `json:"after,omitempty"`
	Changes    []FireChange        `json:"changes,omitempty"`
	Method     string              `json:"method"`
	Warnings   []string            `json:"warnings"`
	Provenance analysis.Provenance `json:"provenance"`
}

// fullTimeWords mark a station with a full-time crew in its name.
var fullTimeWords = []string{"berufsfeuerwehr", "feuer- und rettungswache", "hauptamtlich", "full-time"}

// turnoutOf returns a station's turn-out time in seconds, its kind and
// where the value came from.
func (s *Service) turnoutOf(f layers.Facility) (float64, string, string) {
	fire := s.e.Needs().Fire()
	kind, secs, src := "volunteer", fire.TurnoutVolunteerS, "catalogue"
	name := strings.ToLower(f.Name)
	for _, w := range fullTimeWords {
		if strings.Contains(name, w) {
			kind, secs, src = "full-time", fire.TurnoutFullTimeS, "facility name"
		}
	}
	if t, ok := s.e.TurnoutSetting(f.ID); ok {
		secs, src = t, "settings"
	}
	return secs, kind, src
}

// fireStation is a station of one computation: an existing one (fac its
// index in the engine's fire stations) or a proposed one (fac -1, at utm).
type fireStation struct {
	info FireStation
	turn float64 // seconds
	fac  int
	utm  orb.Point // EPSG:25833
}

// Fire computes the arrival of the fire brigade at every populated cell,
// the shares reached within the limit of the need catalogue per
// municipality, the stations' areas of first responsibility and, when q
// proposes stations or closures, the coverage after and the change per
// municipality.
func (s *Service) Fire(ctx context.Context, q FireQuery) (FireResult, error) {
	e := s.e
	fire := e.Needs().Fire()
	if err := s.checkScenario(q.Scenario); err != nil {
		return FireResult{}, err
	}
	out := FireResult{Mode: fire.Mode, Scenario: q.Scenario, ScenarioLabel: q.Scenario.String(), Year: q.Scenario.Year, Variant: q.Scenario.Variant,
		LimitMinutes: fire.LimitS / 60, LimitSource: s.citation(fire.LimitSource), TargetShare: fire.TargetShare, ShareSource: fire.ShareSource,
		TurnoutVolunteerMinutes: fire.TurnoutVolunteerS / 60, TurnoutFullTimeMinutes: fire.TurnoutFullTimeS / 60, TurnoutSource: fire.TurnoutSource,
		Method: fireMethod, Warnings: []string{}}
	var base []fireStation
	for j, f := range e.FacilitiesOf(fire.Category) {
		secs, kind, src := s.turnoutOf(f)
		base = append(base, fireStation{info: FireStation{ID: f.ID, Name: f.Name, AGS: f.AGS, Kind: kind, TurnoutMinutes: secs / 60, TurnoutSource: src}, turn: secs, fac: j, utm: f.Location})
	}
	closed := map[string]bool{}
	for _, id := range q.Close {
		found := false
		for _, st := range base {
			if st.info.ID == id {
				found = true
			}
		}
		if !found {
			return FireResult{}, fmt.Errorf("need: fire: station %q to close: no such %s facility: %w", id, fire.Category, layers.ErrInvalid)
		}
		closed[id] = true
	}
	var after []fireStation
	for _, st := range base {
		if !closed[st.info.ID] {
			after = append(after, st)
		}
	}
	for i, site := range q.Add {
		if err := crs.CheckLonLat(site.Location); err != nil {
			return FireResult{}, fmt.Errorf("need: fire: proposed station %d: point %v: %v: %w", i, site.Location, err, layers.ErrInvalid)
		}
		utm, err := crs.FromLonLat(crs.UTM33N, site.Location)
		if err != nil {
			return FireResult{}, fmt.Errorf("need: fire: proposed station %d: %w", i, err)
		}
		secs, kind := fire.TurnoutVolunteerS, "volunteer"
		if site.FullTime {
			secs, kind = fire.TurnoutFullTimeS, "full-time"
		}
		if site.TurnoutS != nil {
			if !(*site.TurnoutS >= 0) || *site.TurnoutS > 3600 {
				return FireResult{}, fmt.Errorf("need: fire: proposed station %d: turn-out %v s: want 0–3600: %w", i, *site.TurnoutS, layers.ErrInvalid)
			}
			secs = *site.TurnoutS
		}
		name := site.Name
		if name == "" {
			name = fmt.Sprintf("proposed station %d", i+1)
		}
		after = append(after, fireStation{info: FireStation{ID: fmt.Sprintf("proposed:%d", i+1), Name: name, AGS: e.MunicipalityAt(utm), Kind: kind, TurnoutMinutes: secs / 60, TurnoutSource: "proposal", Proposed: true}, turn: secs, fac: -1, utm: utm})
	}
	w, err := s.demandOf(0, access.OpenAge, q.Scenario)
	if err != nil {
		return FireResult{}, err
	}
	today, method, err := s.fireCoverage(ctx, base, w.v, q, nil)
	if err != nil {
		return FireResult{}, err
	}
	out.Today = today
	out.Provenance = e.Provenance(method)
	if len(q.Add) > 0 || len(q.Close) > 0 {
		a, _, err := s.fireCoverage(ctx, after, w.v, q, &out.Warnings)
		if err != nil {
			return FireResult{}, err
		}
		out.After = &a
		bm := map[string]FireMunicipality{}
		for _, m := range today.Municipalities {
			bm[m.AGS] = m
		}
		for _, m := range a.Municipalities {
			b := bm[m.AGS]
			if m.WithinLimit != b.WithinLimit || !sameMinutes(m.MedianMinutes, b.MedianMinutes) {
				out.Changes = append(out.Changes, FireChange{AGS: m.AGS, Name: m.Name, ShareBefore: b.Share, ShareAfter: m.Share, ResidentsGained: m.WithinLimit - b.WithinLimit, MedianBefore: b.MedianMinutes, MedianAfter: m.MedianMinutes})
			}
		}
	}
	if !q.Scenario.Today() {
		out.Warnings = append(out.Warnings, "residents of the projection year: the cells' residents are scaled by their municipality's projected change per age group")
	}
	return out, nil
}

const fireMethod = "Arrival time per populated cell = least over the stations of turn-out time (alarm to departure) plus the drive by car to the cell: one multi-source search on the road network towards the cells with each station's turn-out time as its offset. A station's area of first responsibility is the cells it reaches first. The share within the limit counts residents (and settled cells) whose arrival time is at most the limit; the alarm handling time of the dispatch centre is not modelled."

func sameMinutes(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// fireCoverage computes the arrival field of stations and summarises it;
// warnings, when not nil, receives a line per proposed station off the
// network.
func (s *Service) fireCoverage(ctx context.Context, stations []fireStation, residents []float64, q FireQuery, warnings *[]string) (FireCoverage, string, error) {
	e := s.e
	fire := e.Needs().Fire()
	origins := make([]Origin, len(stations))
	for si, st := range stations {
		origins[si] = Origin{Facility: st.fac, Site: st.utm, OffsetS: st.turn}
	}
	af, err := ArrivalField(ctx, e, fire.Category, fire.Mode, origins)
	if err != nil {
		return FireCoverage{}, "", fmt.Errorf("need: fire: %w", err)
	}
	secs, who := af.Seconds, af.From
	cells := e.PopulatedCells()
	munis := e.Municipalities()
	cov := FireCoverage{}
	st := make([]FireStation, len(stations))
	for si := range stations {
		st[si] = stations[si].info
		st[si].Snapped = af.Snapped[si]
		if stations[si].fac < 0 && warnings != nil && hasNetwork(e, fire.Mode) && !af.Snapped[si] {
			*warnings = append(*warnings, fmt.Sprintf("proposed station %q: %s; it reaches only off-network cells, by straight line", st[si].Name, af.Reason[si]))
		}
	}
	byMuni := map[int32]*FireMunicipality{}
	idx := map[int32][]int{}
	for i, c := range cells {
		r := int64(math.Round(residents[i]))
		within := secs[i] <= fire.LimitS
		cov.Residents += r
		cov.Cells++
		if within {
			cov.WithinLimit += r
			cov.CellsWithin++
		}
		if math.IsInf(secs[i], 1) {
			cov.Unreached += r
		}
		if who[i] >= 0 {
			s := &st[who[i]]
			s.Residents += r
			s.Cells++
			if within {
				s.WithinLimit += r
			}
		}
		if q.Cells {
			fc := FireCell{CellID: c.ID, AGS: c.AGS, Residents: r, ArrivalMinutes: minutesOf(secs[i])}
			if who[i] >= 0 {
				fc.StationID = st[who[i]].ID
			}
			cov.CellsDetail = append(cov.CellsDetail, fc)
		}
		if c.Municipality < 0 {
			continue
		}
		m := byMuni[c.Municipality]
		if m == nil {
			mu := munis[c.Municipality]
			m = &FireMunicipality{AGS: mu.AGS, Name: mu.Name}
			byMuni[c.Municipality] = m
		}
		m.Residents += r
		m.Cells++
		idx[c.Municipality] = append(idx[c.Municipality], i)
		if within {
			m.WithinLimit += r
			m.CellsWithin++
		}
	}
	cov.Share = ratio(cov.WithinLimit, cov.Residents)
	cov.CellShare = round(float64(cov.CellsWithin)/math.Max(1, float64(cov.Cells)), 4)
	keys := make([]int32, 0, len(byMuni))
	for k := range byMuni {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	for _, k := range keys {
		m := byMuni[k]
		m.Share = ratio(m.WithinLimit, m.Residents)
		m.CellShare = round(float64(m.CellsWithin)/math.Max(1, float64(m.Cells)), 4)
		m.MeetsTarget = m.Share >= fire.TargetShare
		if sm, err := access.SummariseIndex(secs, residents, idx[k]); err == nil {
			m.MedianMinutes = minutesPtr(sm.Percentile[2])
		}
		cov.Municipalities = append(cov.Municipalities, *m)
	}
	cov.Stations = st
	cov.Fairness, err = s.fairness(secs, residents, q.Scenario, "arrival time of the fire brigade (turn-out plus drive), minutes", "residents")
	return cov, af.Method, err
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*1e4) / 1e4
}

// hasNetwork says whether e has a road network for mode.
func hasNetwork(e *analysis.Engine, mode layers.Mode) bool {
	_, ok := e.Net(mode)
	return ok
}
