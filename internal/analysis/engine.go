package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/geo/crs"
	"reach/internal/analysis/memo"
	"reach/internal/analysis/snapshot"
	"reach/internal/appraisal"
	"reach/internal/catalogue"
	"reach/internal/classify"
	"reach/internal/estimate"
	"reach/layers"
)

// Options configure Build. The zero value is usable: the embedded standards
// catalogue, every mode, a snapping radius of 1000 m.
type Options struct {
	// Catalogue is the standards catalogue; nil means DefaultCatalogue().
	Catalogue *catalogue.Catalogue
	// Modes lists the modes to build networks for; nil means layers.Modes().
	Modes []layers.Mode
	// SnapRadiusM is the largest straight access leg, in metres, from a
	// cell centre, facility or clicked point to the network; farther is
	// "not reachable". 0 means 1000 m.
	SnapRadiusM float64
	// Info describes the store the layers came from (data versions,
	// synthetic flag) for provenance.
	Info layers.StoreInfo
	// StraightLine is the model that estimates a travel time from a
	// straight-line distance where a cell or facility is off the loaded
	// network (or a mode has none); nil means estimate.Default(), the model
	// calibrated on real road networks.
	StraightLine *estimate.Model
	// IsochroneStepM is the raster spacing of isochrones in metres; 0 means 100.
	IsochroneStepM float64
	// Classify configures the classification of municipalities; nil means
	// DefaultClassifyOptions().
	Classify *classify.ClassifyOptions
	// Weights are the score weights; nil means DefaultScoreWeights().
	Weights *appraisal.ScoreWeights
	// Now gives the time recorded in provenance; nil means time.Now. It is
	// read once, at Build, so that every result of one engine carries the
	// same time.
	Now func() time.Time
	// Snapshot, when not nil, is an engine snapshot written by
	// Engine.WriteSnapshot: Build takes the networks and the snapping of
	// cells and facilities from it instead of building and snapping them
	// (every layer is still read from the reader). Build reads it to its
	// end in a goroutine of its own while it reads the layers, and not
	// after it returns. A snapshot made from other layers or options is
	// rejected with an error wrapping ErrSnapshotMismatch; a damaged one
	// with ErrSnapshot. See internal/analysis/snapshot.
	Snapshot io.Reader
	// Hierarchy says when the networks' contraction hierarchies are
	// prepared; the zero value is HierarchyAuto.
	Hierarchy HierarchyMode
	// Transit is the public transport timetable behind mode "transit"; nil means none.
	Transit *layers.TransitFeed
	// LoadTransit, when Transit is nil, gives the timetable (nil: none) unless a matching
	// Snapshot carries it (engine_snapshot_transit.go).
	LoadTransit func(context.Context) (*layers.TransitFeed, error)
	// NewTransitPlanner makes the planner that answers mode transit on Transit
	// (internal/analysis/transit.New); called once at the end of Build when both are set.
	// Without it, mode transit is refused.
	NewTransitPlanner func(*Engine) TransitPlanner
	// TransitDefault is the departure window of results by public transport that a request
	// does not time itself (the travel-times and gaps collections, gaps without a departure);
	// a zero Departure means 07:00 on the timetable's first day, a zero window 60 minutes.
	TransitDefault TransitQuery
	// Needs is the need catalogue (demand groups, supply defaults, decay,
	// planning ratios, fire turn-out and limit); nil means DefaultNeeds().
	Needs *catalogue.Needs
	// Demography holds municipal age tables of the base year and the
	// population projections; nil: cells split by the grid's shares and
	// the uniform assumption, no projection years.
	Demography *access.Demography
	// Turnout gives the turn-out time in seconds of single fire stations
	// by facility id, replacing what the station's name and the need
	// catalogue say.
	Turnout map[string]float64
	// NeedSection, when not nil, adds the need side to each assessment
	// dossier (Assessment.Need); internal/analysis/need provides it.
	NeedSection NeedSection
	// Fairness, when not nil, adds the distribution of travel times
	// (today and in every projection) to each gap register.
	Fairness FairnessOf
	// RankingDeadline bounds the search for the best selection of a
	// ranking; 0 means appraisal.DefaultSelectionDeadline (3 s). When it
	// passes, the ranking gives the best selection found with its proven
	// optimality gap.
	RankingDeadline time.Duration
}

// BuildStats tells what Build read and what it could not use. It stands in
// for log lines: the caller decides what to print.
type BuildStats struct {
	Municipalities int
	Cells          int // cells in the layer
	PopulatedCells int // cells with a known population > 0, the ones analysed
	SecretCells    int // cells whose population is secret (counted nowhere)
	Population     int64
	Facilities     map[layers.Category]int
	CentralPlaces  int
	Projects       int
	Networks       map[layers.Mode]NetworkStats
	// TransitFromSnapshot tells that the timetable came from the engine snapshot.
	TransitFromSnapshot bool
	// Warnings name records that were skipped, with the reason.
	Warnings []string
}

// NetworkStats describes the network of one mode.
type NetworkStats struct {
	Nodes, Arcs          int
	CellsSnapped         int // populated cells within the snapping radius
	CellsNotSnapped      int
	FacilitiesNotSnapped int
}

// cell is one populated grid cell of the read model.
type cell struct {
	id     string
	ags    string
	muni   int32 // index into Engine.munis, -1 when unknown
	pop    int64
	utm    orb.Point // centre in EPSG:25833
	lonlat orb.Point
	// u18 and o65 are the grid's shares under 18 and 65 and over as
	// fractions (0–1), NaN where the grid gives none.
	u18, o65 float32
}

// Engine is the immutable read model and the entry point of every analysis.
// It is safe for concurrent use: lazily computed travel-time fields are
// computed once per (category, mode) and shared.
type Engine struct {
	opts    Options
	model   estimate.Model
	cat     *catalogue.Catalogue
	info    layers.StoreInfo
	builtAt time.Time
	munis   []layers.Municipality
	muniIdx map[string]int
	// where locates points in municipalities (muniAt); built on first use.
	where   whereIndex
	members []layers.Membership
	cells   []cell
	facs    []layers.Facility
	facUTM  []orb.Point
	byCat   map[layers.Category][]int // facility indexes sorted by id
	places  []layers.CentralPlace
	nets    map[layers.Mode]*modeNet
	// roads is the road layer the networks were built from, kept for
	// road scenarios (roads.go); roadsSum is its digest when Build took it
	// from the snapshot path (nil: computed when a snapshot is written).
	roads    []layers.RoadSegment
	roadsSum *snapshot.Digest
	class    classInfo
	// classification is the full result of Classify.
	classification classify.Classification
	stats          BuildStats
	kreisName      map[string]string

	transit TransitPlanner // nil without a timetable
	// pop is the view of the populated cells (PopulatedCells), made once.
	popOnce sync.Once
	pop     []PopulatedCell
	mu      sync.Mutex
	memo    memo.Map
	fields  map[fieldKey]*fieldEntry
	slines  map[layers.Category]*fieldEntry
}

// Build reads every layer from r and builds the engine: cells with their
// centres in EPSG:3035 and EPSG:25833, facilities by category, central
// places, the classification of municipalities and, where roads exist, a
// network per mode with cells and facilities snapped. The engine keeps the
// road layer (road scenarios start from it) and nothing of r: r is not read
// after Build returns. Inputs that change, such as projects, are passed to
// the calls that use them.
func Build(ctx context.Context, r layers.Reader, opts Options) (*Engine, error) {
	if r == nil {
		return nil, errors.New("analysis: build: nil reader")
	}
	if opts.Catalogue == nil {
		c, err := catalogue.DefaultCatalogue()
		if err != nil {
			return nil, fmt.Errorf("analysis: build: %w", err)
		}
		opts.Catalogue = c
	}
	if opts.Needs == nil {
		n, err := catalogue.DefaultNeeds()
		if err != nil {
			return nil, fmt.Errorf("analysis: build: %w", err)
		}
		opts.Needs = n
	}
	for id, s := range opts.Turnout {
		if !(s >= 0) || s > 3600 {
			return nil, fmt.Errorf("analysis: build: turn-out time of fire station %q is %v s: want 0–3600: %w", id, s, layers.ErrInvalid)
		}
	}
	if opts.Modes == nil {
		opts.Modes = layers.Modes()
	}
	for _, m := range opts.Modes {
		if _, ok := layers.ParseMode(string(m)); !ok {
			return nil, fmt.Errorf("analysis: build: mode %q: %w", m, layers.ErrInvalid)
		}
	}
	if opts.SnapRadiusM == 0 {
		opts.SnapRadiusM = 1000
	}
	if !(opts.SnapRadiusM > 0) {
		return nil, fmt.Errorf("analysis: build: snap radius %v m: must be positive: %w", opts.SnapRadiusM, layers.ErrInvalid)
	}
	if opts.IsochroneStepM == 0 {
		opts.IsochroneStepM = 100
	}
	if !(opts.IsochroneStepM > 0) {
		return nil, fmt.Errorf("analysis: build: isochrone step %v m: must be positive: %w", opts.IsochroneStepM, layers.ErrInvalid)
	}
	var model estimate.Model
	var err error
	if opts.StraightLine != nil {
		model = *opts.StraightLine
	} else if model, err = estimate.Default(); err != nil {
		return nil, fmt.Errorf("analysis: build: %w", err)
	}
	if err := model.Check(); err != nil {
		return nil, fmt.Errorf("analysis: build: straight-line model: %w: %w", err, layers.ErrInvalid)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	e := &Engine{
		opts: opts, model: model, cat: opts.Catalogue, info: opts.Info, builtAt: now().UTC(),
		muniIdx: map[string]int{}, byCat: map[layers.Category][]int{},
		nets: map[layers.Mode]*modeNet{}, fields: map[fieldKey]*fieldEntry{}, slines: map[layers.Category]*fieldEntry{},
		kreisName: map[string]string{},
	}
	e.stats.Facilities = map[layers.Category]int{}
	e.stats.Networks = map[layers.Mode]NetworkStats{}
	// Engine snapshot (engine_snapshot.go): decoded, and the road layer
	// read, in the background while the other layers are read; neither
	// reader is used after Build returns. The hooks that read layers at
	// Build are dropped with them.
	var pending *snapshot.Pending
	if opts.Snapshot != nil {
		pending = snapshot.Start(ctx, opts.Snapshot, r)
		defer pending.Close()
		e.opts.Snapshot = nil
	}
	defer func() { e.opts.LoadTransit = nil }()

	munis, err := r.Municipalities(ctx)
	if err != nil {
		return nil, fmt.Errorf("analysis: build: municipalities: %w", err)
	}
	sort.Slice(munis, func(i, j int) bool { return munis[i].AGS < munis[j].AGS })
	e.munis = munis
	for i, m := range munis {
		e.muniIdx[m.AGS] = i
		if m.KreisAGS != "" && m.KreisName != "" {
			e.kreisName[m.KreisAGS] = m.KreisName
		}
	}
	e.stats.Municipalities = len(munis)
	if e.members, err = r.Memberships(ctx); err != nil {
		return nil, fmt.Errorf("analysis: build: memberships: %w", err)
	}

	cells, err := r.Cells(ctx)
	if err != nil {
		return nil, fmt.Errorf("analysis: build: cells: %w", err)
	}
	e.stats.Cells = len(cells)
	ids := parseCellIDs(cells)
	var centres func() snapshot.Centres
	if pending != nil {
		centres = func() snapshot.Centres { return pending.Centres(ctx) }
	}
	if err := e.addCells(cells, ids, centres); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: build: %w", err)
	}

	facs, err := r.Facilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("analysis: build: facilities: %w", err)
	}
	sort.Slice(facs, func(i, j int) bool { return facs[i].ID < facs[j].ID })
	for _, f := range facs {
		if f.Location == (orb.Point{}) || math.IsNaN(f.Location[0]) || math.IsNaN(f.Location[1]) {
			e.stats.Warnings = append(e.stats.Warnings, fmt.Sprintf("facility %q: no location; skipped", f.ID))
			continue
		}
		e.byCat[f.Category] = append(e.byCat[f.Category], len(e.facs))
		e.facs = append(e.facs, f)
		e.facUTM = append(e.facUTM, f.Location)
		e.stats.Facilities[f.Category]++
	}

	if e.places, err = r.CentralPlaces(ctx); err != nil {
		return nil, fmt.Errorf("analysis: build: central places: %w", err)
	}
	sort.Slice(e.places, func(i, j int) bool { return e.places[i].ID < e.places[j].ID })
	e.stats.CentralPlaces = len(e.places)

	if err := e.classify(cells, ids); err != nil {
		return nil, err
	}
	if pending != nil {
		if err := e.networksFromSnapshot(ctx, pending); err != nil {
			return nil, err
		}
	} else if err := e.buildNetworks(ctx, r); err != nil {
		return nil, err
	}
	if err := e.prepareHierarchies(ctx); err != nil {
		return nil, err
	}
	if err := e.transitFromSnapshot(ctx, pending); err != nil {
		return nil, err
	}
	if e.opts.Transit != nil && opts.NewTransitPlanner != nil {
		e.transit = opts.NewTransitPlanner(e)
	}
	return e, nil
}

// Stats returns what Build read and skipped.
func (e *Engine) Stats() BuildStats {
	s := e.stats
	s.Warnings = slices.Clone(e.stats.Warnings)
	return s
}

// Catalogue returns the standards catalogue the engine uses.
func (e *Engine) Catalogue() *catalogue.Catalogue { return e.cat }

// Modes returns the modes that have a road network, in stable order.
func (e *Engine) Modes() []layers.Mode {
	var out []layers.Mode
	for _, m := range layers.Modes() {
		if e.nets[m] != nil {
			out = append(out, m)
		}
	}
	return out
}

// provenance returns the provenance of a result computed by method.
func (e *Engine) provenance(method string) Provenance {
	data := map[string]string{}
	for k, v := range e.info.Versions {
		data[k] = v
	}
	return Provenance{
		EngineVersion: Version, Catalogue: e.cat.ID(), Data: data, Synthetic: e.info.Synthetic,
		ComputedAt: e.builtAt, Method: method,
	}
}

// standard returns the standard of (cat, mode) or an error wrapping
// layers.ErrInvalid that says none exists.
func (e *Engine) standard(cat layers.Category, mode layers.Mode) (catalogue.Standard, error) {
	s, ok := e.cat.Standard(cat, mode)
	if !ok {
		return catalogue.Standard{}, fmt.Errorf("analysis: catalogue %s has no standard for category %q and mode %q: %w", e.cat.ID(), cat, mode, layers.ErrInvalid)
	}
	return s, nil
}

// checkCatMode validates a category and mode from a request.
func checkCatMode(cat layers.Category, mode layers.Mode) error {
	if !cat.Valid() {
		return fmt.Errorf("analysis: category %q: %w", cat, layers.ErrInvalid)
	}
	if _, ok := layers.ParseMode(string(mode)); !ok {
		return fmt.Errorf("analysis: mode %q: %w", mode, layers.ErrInvalid)
	}
	return nil
}

// muniName returns the name of the municipality with ags, or "".
func (e *Engine) muniName(ags string) string {
	if i, ok := e.muniIdx[ags]; ok {
		return e.munis[i].Name
	}
	return ""
}

// toUTM converts a lon/lat point from a request to EPSG:25833, checking
// that it is a valid lon/lat position.
func toUTM(ll orb.Point) (orb.Point, error) {
	if err := crs.CheckLonLat(ll); err != nil {
		return orb.Point{}, fmt.Errorf("analysis: point %v: %v: %w", ll, err, layers.ErrInvalid)
	}
	return crs.FromLonLat(crs.UTM33N, ll)
}

// fromUTM converts an EPSG:25833 point to lon/lat.
func fromUTM(p orb.Point) (orb.Point, error) { return crs.ToLonLat(crs.UTM33N, p) }

// joinSorted is a deterministic join of a set of strings.
func joinSorted(set map[string]bool) string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
