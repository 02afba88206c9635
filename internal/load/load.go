// Package load fills a store from source files: one file into one layer
// through the reader that owns its format (data/tables, data/zensus,
// data/osm, data/gtfs), with the municipality and town lookups some
// readers need, and the graph tables built from the roads (Layer); and a
// data folder loaded as its manifest or its file names say (Dir). Shared by
// `reach import`, `reach bootstrap` and `reach serve --data DIR`.
package load

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"reach/data/gtfs"
	"reach/data/osm"
	"reach/data/projects"
	"reach/data/tables"
	"reach/data/vector"
	"reach/data/zensus"
	"reach/geo/crs"
	"reach/geo/spatial"
	"reach/internal/network"
	"reach/layers"
)

// Layers lists the layers a file can be loaded into, in the order a
// folder is loaded (municipalities first: others are checked against them).
var Layers = []string{"municipalities", "population", "indicators", "memberships", "grid", "central-places", "facilities", "osm", "gtfs", "projection", "projects"}

// Options are the settings of one import: the flags, shared by `reach import` and
// the lines of a data folder's manifest.
type Options struct {
	CRS           string
	GPKGLayer     string
	Date          string
	Source        string
	Category      string
	Mapping       string
	TypeField     string
	Kind          string
	Locations     string
	Places        string
	Year          int
	DecimalComma  bool
	AnyRegion     bool
	NoValueIsZero bool
	IDPrefix      string
	AllowShrink   bool
}

// Register defines the flags of o on fs (`reach import` and the lines of
// a data folder's manifest).
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.CRS, "crs", "", "CRS of the coordinates when the file does not say (e.g. EPSG:25833)")
	fs.StringVar(&o.GPKGLayer, "gpkg-layer", "", "GeoPackage table to read (default: the only one)")
	fs.StringVar(&o.Date, "date", "", "reference date of population counts (YYYY-MM-DD)")
	fs.StringVar(&o.Source, "source", "", "facilities, projects: source replaced by this import (default from the file)")
	fs.StringVar(&o.Category, "category", "", "facilities: one category for every record")
	fs.StringVar(&o.Mapping, "mapping", "", `facilities: source type to category, e.g. "Grundschule=primary_school,Gymnasium=gymnasium"`)
	fs.StringVar(&o.TypeField, "type-field", "", "facilities: column or property holding the source type")
	fs.StringVar(&o.Kind, "kind", "", "memberships: verbund, verwaltungsgemeinschaft or mittelbereich (default from the header)")
	fs.StringVar(&o.Locations, "locations", "", "central places, projects: CSV with ags, lon, lat (and name), or the Destatis Gemeindeverzeichnis (.xlsx), locating places and project table rows without geometry (default: the municipalities' polygons)")
	fs.StringVar(&o.Places, "places", "", "central places: OSM file whose place=city|town|village nodes locate places missing from --locations (by name, inside the municipality)")
	fs.IntVar(&o.Year, "year", 0, "grid: reference year of the counts (default from the id form)")
	fs.BoolVar(&o.DecimalComma, "decimal-comma", false, "numbers use a decimal comma")
	fs.BoolVar(&o.AnyRegion, "any-region", false, "do not check that positions lie in Saxony")
	fs.BoolVar(&o.NoValueIsZero, "no-value-is-zero", false, "grid: read the 2011 value -1 as 0 residents instead of unknown")
	fs.StringVar(&o.IDPrefix, "id-prefix", "", "projects: prefix of the ids of table rows")
	fs.BoolVar(&o.AllowShrink, "allow-shrink", false, "replace a layer of 50 or more records by one with fewer than 80 % of them (refused otherwise as a sign of a cut or wrong file)")
}

func (o Options) vectorSource() (tables.VectorSource, error) {
	v := tables.VectorSource{Layer: o.GPKGLayer, AnyRegion: o.AnyRegion}
	if o.CRS != "" {
		c, err := crs.Parse(o.CRS)
		if err != nil {
			return v, fmt.Errorf("--crs: %w", err)
		}
		v.CRS = c
	}
	return v, nil
}

func (o Options) parseDate() (time.Time, error) {
	if o.Date == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", o.Date)
	if err != nil {
		return d, fmt.Errorf("--date %q: want YYYY-MM-DD", o.Date)
	}
	return d, nil
}

// counted passes a stream through, counting its records.
func counted[T any](seq iter.Seq2[T, error], c counter) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			if err == nil && c != nil {
				c()
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// counter is called once per record read; nil counts nothing.
type counter func()

// Layer reads one file into one layer of st and returns the number of
// records stored. Nothing is stored unless the whole file is read without
// error (each Replace call of the store is atomic). count, when not nil,
// is called once per record read (a progress display); log gets the
// warnings and summaries of the readers.
func Layer(ctx context.Context, st layers.Store, layer, path string, o Options, count func(), log *slog.Logger) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("import %s: %w", layer, err)
	}
	vs, err := o.vectorSource()
	if err != nil {
		return 0, fmt.Errorf("import %s: %w", layer, err)
	}
	date, err := o.parseDate()
	if err != nil {
		return 0, fmt.Errorf("import %s: %w", layer, err)
	}
	c := counter(count)
	var n int
	switch layer {
	case "municipalities":
		n, err = st.ReplaceMunicipalities(ctx, counted(tables.ReadMunicipalities(ctx, path, tables.MunicipalityOptions{VectorSource: vs, PopulationDate: date}), c))
	case "population":
		n, err = st.UpdatePopulation(ctx, counted(tables.ReadPopulation(ctx, path, tables.PopulationOptions{Date: date, DecimalComma: o.DecimalComma}), c))
	case "indicators":
		n, err = st.ReplaceIndicators(ctx, counted(tables.ReadIndicators(ctx, path, tables.IndicatorOptions{DecimalComma: o.DecimalComma}), c))
	case "memberships":
		kind := layers.MembershipKind(o.Kind)
		if kind == "" {
			kind, err = detectMembershipKind(path)
			if err != nil {
				return 0, err
			}
		}
		n, err = st.ReplaceMemberships(ctx, kind, counted(tables.ReadMemberships(ctx, path, tables.MembershipOptions{Kind: kind}), c))
	case "grid":
		opts := zensus.Options{Year: o.Year, NoValueIsZero: o.NoValueIsZero}
		lookup, lerr := municipalityLookup(ctx, st)
		if lerr != nil {
			return 0, lerr
		}
		opts.Lookup = lookup
		n, err = st.ReplaceCells(ctx, counted(zensus.ReadCells(ctx, path, opts), c))
	case "central-places":
		locate, lerr := placeLocator(ctx, st, o.Locations, o.Places)
		if lerr != nil {
			return 0, lerr
		}
		n, err = st.ReplaceCentralPlaces(ctx, counted(tables.ReadCentralPlaces(ctx, path, tables.CentralPlaceOptions{VectorSource: vs, Locate: locate, Source: o.Source}), c))
	case "facilities":
		n, err = importFacilities(ctx, st, path, o, vs, c, log)
	case "osm":
		n, err = importOSM(ctx, st, path, c, log)
	case "gtfs":
		n, err = importGTFS(ctx, st, path, log)
	case "projection":
		n, err = importProjection(ctx, st, path)
	case "projects":
		seat, serr := projectSeats(ctx, st, o.Locations)
		if serr != nil {
			return 0, fmt.Errorf("import %s: %w", layer, serr)
		}
		warn := func(pos vector.Pos, field, value, msg string) {
			log.Warn(fmt.Sprintf("import projects: %s: field %q: %q %s", pos, field, value, msg))
		}
		// An import replaces the proposals of its own source (the file
		// name, or --source); those submitted through the API stay.
		source := o.Source
		if source == "" {
			source = "file:" + filepath.Base(path)
		}
		n, err = st.ReplaceProjects(ctx, source, counted(projects.Read(ctx, path, projects.Options{VectorSource: vs, IDPrefix: o.IDPrefix, Seat: seat, Warn: warn}), c))
	default:
		return 0, fmt.Errorf("import: unknown layer %q (want one of %s)", layer, strings.Join(Layers, ", "))
	}
	if err != nil {
		return n, fmt.Errorf("import %s from %s: %w", layer, path, err)
	}
	return n, nil
}

// importProjection reads population by age, the counted base year and the
// projections (tables.ReadAgeCounts: the whole table is checked before
// anything is stored), into the store's population-by-age layer.
func importProjection(ctx context.Context, st layers.Store, path string) (int, error) {
	as, ok := st.(layers.AgeStore)
	if !ok {
		return 0, errors.New("this store keeps no population by age")
	}
	counts, _, err := tables.ReadAgeCounts(ctx, path)
	if err != nil {
		return 0, err
	}
	return as.ReplaceAgeCounts(ctx, filepath.Base(path), func(yield func(layers.AgeCount, error) bool) {
		for _, c := range counts {
			if !yield(c, nil) {
				return
			}
		}
	})
}

// importGTFS reads a GTFS zip and stores it as the timetable of mode transit.
func importGTFS(ctx context.Context, st layers.Store, path string, log *slog.Logger) (int, error) {
	ts, ok := st.(layers.TransitStore)
	if !ok {
		return 0, errors.New("this store keeps no timetable")
	}
	feed, err := gtfs.ReadFile(ctx, path)
	if err != nil {
		return 0, err
	}
	feed.Name = filepath.Base(path)
	if err := ts.ReplaceTransit(ctx, feed); err != nil {
		return 0, err
	}
	first, last := feed.DateRange()
	log.Info("timetable stored", "file", path, "stops", len(feed.Stops), "routes", len(feed.Routes), "trips", len(feed.Trips),
		"stop_times", len(feed.Arr), "first_day", first, "last_day", last)
	return len(feed.Arr), nil
}

func importFacilities(ctx context.Context, st layers.Store, path string, o Options, vs tables.VectorSource, c counter, log *slog.Logger) (int, error) {
	low := strings.ToLower(path)
	if strings.HasSuffix(low, ".pbf") || strings.HasSuffix(low, ".osm") {
		var stats osm.FacilityStats
		n, err := st.ReplaceFacilities(ctx, "osm", counted(osm.Facilities(ctx, path, &stats), c))
		if err == nil {
			log.Info("facilities from OSM", "file", path, "by_category", fmt.Sprint(stats.ByCategory))
		}
		return n, err
	}
	opts := tables.FacilityOptions{VectorSource: vs, Source: o.Source, Category: layers.Category(o.Category), TypeField: o.TypeField, OSMCategory: osm.CategoryFor}
	if o.Category != "" && !opts.Category.Valid() {
		return 0, fmt.Errorf("import facilities: --category %q is not in the catalogue", o.Category)
	}
	if o.Mapping != "" {
		m, err := tables.ParseMapping(o.Mapping)
		if err != nil {
			return 0, fmt.Errorf("import facilities: --mapping: %w", err)
		}
		opts.Mapping = m
	}
	skipped := 0
	opts.OnSkip = func(pos vector.Pos, reason string) {
		skipped++
		if skipped <= 5 {
			log.Warn("facility skipped", "at", pos.String(), "reason", reason)
		}
	}
	// The source key decides which facilities this import replaces: the
	// flag, else the key the reader gives the first record.
	seq := counted(tables.ReadFacilities(ctx, path, opts), c)
	source := o.Source
	if source == "" {
		next, stop := iter.Pull2(seq)
		defer stop()
		first, err, ok := next()
		if !ok {
			return 0, fmt.Errorf("import facilities: %s holds no facility of a known category", path)
		}
		if err != nil {
			return 0, err
		}
		source, _, _ = strings.Cut(first.Source, ":")
		seq = func(yield func(layers.Facility, error) bool) {
			if !yield(first, nil) {
				return
			}
			for {
				f, err, ok := next()
				if !ok || !yield(f, err) {
					return
				}
			}
		}
	}
	n, err := st.ReplaceFacilities(ctx, source, seq)
	if skipped > 0 {
		log.Warn("facilities without a category were skipped", "file", path, "count", skipped)
	}
	return n, err
}

// importOSM replaces roads, the graph tables built from them and the OSM
// facilities of the extract at path in one step (layers.NetworkLoader):
// an interrupted import, even by kill -9, leaves all of them from the
// previous extract. The road segments are held in memory meanwhile, as the
// graphs are built from them before anything is written.
func importOSM(ctx context.Context, st layers.Store, path string, c counter, log *slog.Logger) (int, error) {
	nl, ok := st.(layers.NetworkLoader)
	if !ok {
		return 0, fmt.Errorf("osm: the store cannot replace a network in one step")
	}
	var rs osm.RoadStats
	var roads []layers.RoadSegment
	for r, err := range counted(osm.Roads(ctx, path, &rs), c) {
		if err != nil {
			return 0, err
		}
		roads = append(roads, r)
	}
	log.Info("roads", "file", path, "ways", rs.RoutableWays, "segments", rs.Segments, "km", fmt.Sprintf("%.1f", rs.LengthM/1000), "missing_nodes", rs.MissingNodes)
	// The graph tables (graph_car, graph_bicycle, graph_foot) hold exactly
	// the graph reach routes on, for pgRouting and QGIS.
	graphs := map[layers.Mode]iter.Seq2[layers.GraphEdge, error]{}
	if _, ok := st.(layers.ResultWriter); ok {
		nets, err := network.Build(ctx, layers.Seq(roads), network.Options{})
		if err != nil {
			return 0, fmt.Errorf("graph: %w", err)
		}
		for _, mode := range layers.Modes() {
			if net := nets[mode]; net != nil {
				graphs[mode] = net.Edges()
			}
		}
	}
	var fs osm.FacilityStats
	n, err := nl.ReplaceNetwork(ctx, layers.NetworkImport{
		Roads: layers.Seq(roads), Graphs: graphs,
		FacilitySource: "osm", Facilities: osm.Facilities(ctx, path, &fs),
	})
	if err != nil {
		return 0, err
	}
	log.Info("network replaced", "file", path, "segments", n, "graph_modes", len(graphs), "facilities", fmt.Sprint(fs.ByCategory))
	return n, nil
}

func detectMembershipKind(path string) (layers.MembershipKind, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	h := strings.ToLower(head)
	switch {
	case strings.Contains(h, "verband_ars"):
		return layers.KindVerwaltungsgemeinschaft, nil
	case strings.Contains(h, "verbund"):
		return layers.KindVerbund, nil
	case strings.Contains(h, "mittelbereich"):
		return layers.KindMittelbereich, nil
	}
	return "", fmt.Errorf("import memberships: %s: cannot tell the kind from the header; pass --kind", path)
}

// municipalityLookup returns the AGS of the municipality containing an
// EPSG:3035 point, for grid files without an AGS column; nil when the store
// has no municipalities.
func municipalityLookup(ctx context.Context, st layers.Store) (func(orb.Point) (string, bool), error) {
	ms, err := st.Municipalities(ctx)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].AGS < ms[j].AGS })
	polys := make([]orb.MultiPolygon, len(ms))
	for i, m := range ms {
		polys[i] = m.Geometry
	}
	ix := spatial.NewPolygons(polys)
	return func(c orb.Point) (string, bool) {
		p, err := crs.Transform(crs.LAEA, crs.UTM33N, c)
		if err != nil {
			return "", false
		}
		i, ok := ix.Locate(p)
		if !ok {
			return "", false
		}
		return ms[i].AGS, true
	}, nil
}

// projectSeats locates the lead municipality of project table rows: at its
// point in a table with ags, lon, lat (and name) when given (the Destatis
// Gemeindeverzeichnis), else at an interior point of its polygon in the
// municipalities layer. The official name comes from the table or the
// layer.
func projectSeats(ctx context.Context, st layers.Store, locations string) (func(string) (tables.Seat, bool), error) {
	ms, err := st.Municipalities(ctx)
	if err != nil {
		return nil, err
	}
	seats := make(map[string]tables.Seat, len(ms))
	for _, m := range ms {
		if p, ok := spatial.InteriorPoint(m.Geometry); ok {
			seats[m.AGS] = tables.Seat{Name: m.Name, Location: p, Source: "interior point of the municipal polygon (municipalities layer)"}
		}
	}
	if locations != "" {
		pts, err := tables.ReadSeats(ctx, locations, "representative point of the municipality in "+filepath.Base(locations))
		if err != nil {
			return nil, err
		}
		for ags, s := range pts {
			if s.Name == "" {
				s.Name = seats[ags].Name
			}
			seats[ags] = s
		}
	}
	return func(ags string) (tables.Seat, bool) { s, ok := seats[ags]; return s, ok }, nil
}

// placeLocator gives central places without geometry the location of
// their town (tables.TownLocator): the seat coordinate of the Destatis table
// --locations when given, else the OSM place node of that name inside the
// municipality from --places, else an interior point of the municipality's
// polygon.
func placeLocator(ctx context.Context, st layers.Store, locations, places string) (func(string, string) (orb.Point, string, bool), error) {
	var seats map[string]orb.Point
	if locations != "" {
		pts, err := tables.ReadLocations(ctx, locations)
		if err != nil {
			return nil, err
		}
		seats = pts
	}
	var named []tables.NamedPoint
	if places != "" {
		ps, err := osm.Places(ctx, places)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			named = append(named, tables.NamedPoint{Name: p.Name, Kind: p.Kind, Location: p.Location})
		}
	}
	ms, err := st.Municipalities(ctx)
	if err != nil {
		return nil, err
	}
	return tables.NewTownLocator(seats, named, ms).Locate, nil
}
