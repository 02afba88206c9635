package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/data/vector"
	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/centres"
	"reach/internal/analysis/derived"
	"reach/internal/analysis/gaps"
	"reach/internal/analysis/need"
	"reach/internal/analysis/transit"
	"reach/internal/catalogue"
	"reach/internal/classify"
	"reach/internal/config"
	"reach/internal/load"
	"reach/internal/ogc"
	"reach/layers"
	"reach/layers/postgis"
)

// analyzeTarget is what analyze and export compute on: a store that can
// also keep results.
type analyzeTarget interface {
	layers.Store
	layers.ResultWriter
}

func runAnalyze(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "PostGIS connection URL (default $DATABASE_URL)")
	catFlag := fs.String("category", "", "only this service category (default: every category with a standard)")
	modeFlag := fs.String("mode", "", "only this mode: car, bicycle, foot or transit (default: all)")
	budget := fs.Float64("budget", 4_000_000, "budget of the ranking in euros")
	thin := fs.Bool("thin-or-weak", false, "summary: count only residents of thinly populated or structurally weak municipalities")
	var ef engineFlags
	ef.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("analyze: unexpected argument %q", fs.Arg(0))
	}
	var cats []layers.Category
	if *catFlag != "" {
		c := layers.Category(*catFlag)
		if !c.Valid() {
			return fmt.Errorf("analyze: --category %q is not in the catalogue", *catFlag)
		}
		cats = []layers.Category{c}
	}
	var modes []layers.Mode
	if *modeFlag != "" {
		m, ok := layers.ParseMode(*modeFlag)
		if *modeFlag == string(layers.Transit) {
			m, ok = layers.Transit, true
		}
		if !ok {
			return fmt.Errorf("analyze: --mode %q: want car, bicycle, foot or transit", *modeFlag)
		}
		modes = []layers.Mode{m}
	}
	url, err := config.DatabaseURL(*db, getenv, "analyze")
	if err != nil {
		return err
	}
	st, err := postgis.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	return analyze(ctx, st, cats, modes, *budget, *thin, ef, stdout)
}

// analyze builds the read model of st, stores every result in st and
// prints a summary a planner can read. Modes [transit] computes and stores only
// the results by public transport.
func analyze(ctx context.Context, st analyzeTarget, cats []layers.Category, modes []layers.Mode, budget float64, thin bool, ef engineFlags, stdout io.Writer) error {
	info, err := st.Info(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	eng, err := buildEngine(ctx, st, info, ef)
	if err != nil {
		return err
	}
	bs := eng.Stats()
	if len(modes) == 1 && modes[0] == layers.Transit {
		if !eng.HasTransit() {
			return errors.New("analyze: --mode transit: no timetable loaded (import one with `reach import gtfs FILE.zip`)")
		}
		fmt.Fprintf(stdout, "read model: %d municipalities, %d populated cells (%d residents), built in %s\n",
			bs.Municipalities, bs.PopulatedCells, bs.Population, time.Since(start).Round(time.Millisecond))
		var tc []analysis.NetworkCoverage
		for _, c := range eng.Coverage() {
			if c.Mode == analysis.Transit {
				tc = append(tc, c)
			}
		}
		printCoverage(stdout, tc)
		useCats := cats
		if useCats == nil {
			for _, ci := range layers.Categories() {
				useCats = append(useCats, ci.Category)
			}
		}
		return analyzeTransit(ctx, st, eng, useCats, bs.Facilities, ef, stdout)
	}
	nfac := 0
	for _, n := range bs.Facilities {
		nfac += n
	}
	fmt.Fprintf(stdout, "read model: %d municipalities, %d populated cells (%d residents), %d facilities, built in %s\n",
		bs.Municipalities, bs.PopulatedCells, bs.Population, nfac, time.Since(start).Round(time.Millisecond))
	for _, w := range bs.Warnings {
		fmt.Fprintln(stdout, "  warning:", w)
	}
	printCoverage(stdout, eng.Coverage())
	printClassification(stdout, eng.Classification())
	projects, err := st.Projects(ctx)
	if err != nil {
		return err
	}
	ws, err := derived.WriteResults(ctx, eng, st, derived.WriteOptions{Categories: cats, Modes: modes})
	if err != nil {
		return err
	}
	docs, err := assess.For(eng).WriteResults(ctx, st, projects, budget)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stored: %d travel-time rows, %d gap rows, %d documents", ws.TravelTimes, ws.Gaps, docs)
	for _, m := range layers.Modes() {
		if n, ok := ws.GraphEdges[m]; ok {
			fmt.Fprintf(stdout, ", graph_%s %d edges", m, n)
		}
	}
	fmt.Fprintln(stdout)
	if err := writeCentreAccess(ctx, st, eng, stdout); err != nil {
		return err
	}

	// The gap summary: one row per (category, mode) written.
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tmode\tstandard\tmethod\tresidents\toutside\tshare\tmedian\tp90\tgini\t")
	useModes := modes
	if useModes == nil {
		// Every mode: by network where one is loaded, else by straight line.
		useModes = layers.Modes()
	}
	useCats := cats
	if useCats == nil {
		for _, ci := range layers.Categories() {
			useCats = append(useCats, ci.Category)
		}
	}
	var empty []string
	for _, c := range useCats {
		if bs.Facilities[c] == 0 {
			// Without a single facility every resident is "outside": say so instead.
			empty = append(empty, string(c))
			continue
		}
		for _, m := range useModes {
			if std, ok := eng.Catalogue().Standard(c, m); !ok || std.Measure == catalogue.MeasureAreaService {
				continue // area services (water, sewage) have no travel-time gaps
			}
			g, err := gaps.Of(ctx, eng, gaps.Query{Category: c, Mode: m, OnlyThinOrWeak: thin})
			if err != nil {
				return err
			}
			gini := "-"
			if fs, ok := g.Fairness.([]need.ScenarioFairness); ok && len(fs) > 0 {
				gini = fmtPtr(fs[0].Fairness.All.Gini, 3)
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f min\t%s\t%d\t%d\t%.2f %%\t%s\t%s\t%s\t\n", c, m, g.StandardMinutes, methodShares(g.MethodShares),
				g.Population, g.Outside, 100*g.Share, minutes(g.MedianSeconds), minutes(g.P90Seconds), gini)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(empty) > 0 {
		fmt.Fprintf(stdout, "no facilities loaded (no gaps computed): %s\n", strings.Join(empty, ", "))
	}
	if eng.HasTransit() {
		if err := analyzeTransit(ctx, st, eng, useCats, bs.Facilities, ef, stdout); err != nil {
			return err
		}
	}
	if err := printNeeds(ctx, eng, cats, stdout); err != nil {
		return err
	}
	if len(projects) > 0 {
		r, err := assess.For(eng).Ranking(ctx, projects, budget)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nranking (budget %.0f €, %s):\n", r.Budget, r.Method)
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "rank\tid\tscore\trequested €\tselected\ttitle")
		for _, p := range r.Projects {
			sel := ""
			if p.Selected {
				sel = "yes"
			}
			fmt.Fprintf(tw, "%d\t%s\t%.3f\t%.0f\t%s\t%s\n", p.Rank, p.ID, p.Score, p.RequestedFunding, sel, p.Title)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if info.Synthetic {
		fmt.Fprintln(stdout, "\nNOTE: these results are computed on SYNTHETIC demo data.")
	}
	return nil
}

// printClassification summarises the classification of municipalities:
// the degree of urbanisation computed from the grid and its agreement with
// the official classes, and the thinly populated and structurally weak ones.
func printClassification(w io.Writer, c classify.Classification) {
	var n, thin, weak, official, agree int
	var thinPop, weakPop int64
	for _, m := range c.ByAGS {
		n++
		if m.ThinlyPopulated {
			thin++
			thinPop += m.GridPopulation
		}
		if m.StructurallyWeak {
			weak++
			weakPop += m.GridPopulation
		}
		if m.DEGURBAOfficial > 0 && m.DEGURBAComputed > 0 {
			official++
			if m.DEGURBAOfficial == m.DEGURBAComputed {
				agree++
			}
		}
	}
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "classification: %d thinly populated municipalities (%d residents on the grid), %d structurally weak (%d residents)\n", thin, thinPop, weak, weakPop)
	if official > 0 {
		fmt.Fprintf(w, "degree of urbanisation computed from the grid agrees with the official class for %d of %d municipalities (%.1f %%)\n", agree, official, 100*float64(agree)/float64(official))
	}
}

func minutes(s *float64) string {
	if s == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f min", *s/60)
}

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "PostGIS connection URL (default $DATABASE_URL; none: the demo region)")
	out := fs.String("out", "-", "file to write, - for standard output")
	filter := fs.String("filter", "", `property filters, e.g. "category=general_practice,mode=car"`)
	project := fs.String("project", "", "with `assessment`: the project id")
	format := fs.String("format", "geojson", "collections: geojson, csv (UTF-8 with BOM) or gpkg (GeoPackage)")
	outCRS := fs.String("crs", "", "collections: CRS of the output, e.g. EPSG:25833 (default CRS84)")
	bbox := fs.String("bbox", "", "collections: only features intersecting minx,miny,maxx,maxy (in --bbox-crs)")
	bboxCRS := fs.String("bbox-crs", "", "CRS of --bbox (default CRS84)")
	cql := fs.String("cql", "", `collections: a CQL2 text filter, e.g. "capacity > 20 AND category = 'kita'"`)
	datetime := fs.String("datetime", "", "collections: an instant or interval (projects: submitted_at)")
	seed := fs.Int64("seed", demo.DefaultSeed, "without --db: seed of the demo region (the one reach serve shows)")
	budget := fs.Float64("budget", 4_000_000, "with `ranking`: budget in euros")
	needCat := fs.String("category", "", "with `need`: the service category")
	year := fs.Int("year", 0, "with `need` and `fire`: projection year (0: today)")
	variant := fs.String("variant", "", "with `need` and `fire`: projection variant, e.g. \"Variante 1\"")
	cellsFlag := fs.Bool("cells", false, "with `need` and `fire`: include per-cell values")
	addFlag := fs.String("add", "", "with `fire`: proposed stations, \"lon,lat[,full-time]\" separated by \";\"")
	closeFlag := fs.String("close", "", "with `fire`: facility ids of stations to close, separated by commas")
	var ef engineFlags
	ef.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reach export [--db URL] <collection | assessment | ranking | need | fire> [--filter k=v,…] [--out FILE]")
		fmt.Fprintln(stderr, "collections: municipalities, population-grid, central-places, facilities, roads, projects, travel-times, gaps, assessments")
		fs.PrintDefaults()
	}
	pos, err := load.ParseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("export: want one thing to export, got %d", len(pos))
	}
	filters := map[string]string{}
	if *filter != "" {
		for _, kv := range strings.Split(*filter, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return fmt.Errorf("export: --filter %q: want key=value pairs separated by commas", kv)
			}
			filters[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	log := newLogger(stderr, false)
	dbURL := *db
	if dbURL == "" {
		dbURL = getenv(config.EnvDatabaseURL)
	}
	st, closeStore, err := openStore(ctx, dbURL, "", *seed, 0, log)
	if err != nil {
		return err
	}
	defer closeStore()
	info, err := st.Info(ctx)
	if err != nil {
		return err
	}
	eng, err := buildEngine(ctx, st, info, ef)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "assessment":
		if *project == "" {
			return fmt.Errorf("export assessment: --project is required")
		}
		p, err := st.Project(ctx, *project)
		if err != nil {
			return fmt.Errorf("export assessment: project %q: %w", *project, err)
		}
		set, err := st.Projects(ctx)
		if err != nil {
			return err
		}
		a, err := assess.For(eng).Assess(ctx, p, set)
		if err != nil {
			return err
		}
		return writeJSON(*out, stdout, a)
	case "need":
		if *needCat == "" {
			return fmt.Errorf("export need: --category is required")
		}
		res, err := need.New(eng).Need(ctx, need.Query{Category: layers.Category(*needCat), Scenario: need.Scenario{Year: *year, Variant: *variant}, Cells: *cellsFlag})
		if err != nil {
			return fmt.Errorf("export need: %w", err)
		}
		return writeJSON(*out, stdout, res)
	case "fire":
		q := need.FireQuery{Scenario: need.Scenario{Year: *year, Variant: *variant}, Cells: *cellsFlag}
		if *addFlag != "" {
			sites, err := parseFireSites(*addFlag)
			if err != nil {
				return fmt.Errorf("export fire: --add: %w", err)
			}
			q.Add = sites
		}
		if *closeFlag != "" {
			q.Close = strings.Split(*closeFlag, ",")
		}
		res, err := need.New(eng).Fire(ctx, q)
		if err != nil {
			return fmt.Errorf("export fire: %w", err)
		}
		return writeJSON(*out, stdout, res)
	case "ranking":
		ps, err := st.Projects(ctx)
		if err != nil {
			return err
		}
		r, err := assess.For(eng).Ranking(ctx, ps, *budget)
		if err != nil {
			return err
		}
		return writeJSON(*out, stdout, r)
	}
	src := derived.Combined(eng, st, st, assess.For(eng).Features)
	if _, err := src.Collection(ctx, pos[0]); err != nil {
		var ids []string
		cs, _ := src.Collections(ctx)
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		sort.Strings(ids)
		return fmt.Errorf("export: %q: %w (collections: %s)", pos[0], err, strings.Join(ids, ", "))
	}
	// The same parameters, parsed the same way, as GET /collections/{id}/items.
	q := url.Values{}
	for k, v := range filters {
		q.Set(k, v)
	}
	for k, v := range map[string]string{"crs": *outCRS, "bbox": *bbox, "bbox-crs": *bboxCRS, "filter": *cql, "datetime": *datetime} {
		if v != "" {
			q.Set(k, v)
		}
	}
	coll, _ := src.Collection(ctx, pos[0])
	params, err := ogc.ParseItems(q, coll, ogc.CursorCodec{}, "")
	if err != nil {
		return fmt.Errorf("export %s: %w", pos[0], err)
	}
	n, err := exportCollection(ctx, src, coll, params, *format, *out, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "export %s: %d features\n", pos[0], n)
	return nil
}

func writeJSON(path string, stdout io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return writeFileAtomic(path, b)
}

// parseFireSites reads "lon,lat[,full-time]" items separated by ";".
func parseFireSites(s string) ([]need.FireSite, error) {
	var out []need.FireSite
	for i, item := range strings.Split(s, ";") {
		parts := strings.Split(strings.TrimSpace(item), ",")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("item %d %q: want lon,lat or lon,lat,full-time", i+1, item)
		}
		lon, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
		lat, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
		if err1 != nil || err2 != nil || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return nil, fmt.Errorf("item %d %q: lon,lat must be numbers in CRS84", i+1, item)
		}
		site := need.FireSite{Location: orb.Point{lon, lat}}
		if len(parts) == 3 {
			switch strings.TrimSpace(parts[2]) {
			case "full-time":
				site.FullTime = true
			case "volunteer":
			default:
				return nil, fmt.Errorf("item %d %q: third part must be full-time or volunteer", i+1, item)
			}
		}
		out = append(out, site)
	}
	return out, nil
}

// printNeeds prints the capacity-aware access of every category of the
// need catalogue that has facilities, today and in every loaded
// projection, and the fire coverage.
func printNeeds(ctx context.Context, eng *analysis.Engine, cats []layers.Category, w io.Writer) error {
	bs := eng.Stats()
	scs := append([]need.Scenario{{}}, eng.Scenarios()...)
	fmt.Fprintln(w, "\ncapacity-aware access (E2SFCA; supply per 1,000 residents of the demand group; planning ratio in residents per unit):")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tscenario\tgroup\tdemand\tsupply\tassumed\tper 1000\tresidents/unit\tplanning\tmuni below\tgini\tpalma\t")
	want := map[layers.Category]bool{}
	for _, c := range cats {
		want[c] = true
	}
	for _, nd := range eng.Needs().Needs() {
		if bs.Facilities[nd.Category] == 0 || (len(want) > 0 && !want[nd.Category]) {
			continue
		}
		for _, sc := range scs {
			r, err := need.New(eng).Need(ctx, need.Query{Category: nd.Category, Scenario: sc})
			if err != nil {
				return err
			}
			below := 0
			for _, m := range r.Municipalities {
				if m.BelowPlanningRatio != nil && *m.BelowPlanningRatio {
					below++
				}
			}
			plan := "-"
			if r.PlanningRatio != nil {
				plan = strconv.FormatFloat(r.PlanningRatio.ResidentsPerUnit, 'f', -1, 64)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f %s\t%d/%d\t%.2f\t%s\t%s\t%d/%d\t%s\t%s\t\n", r.Category, r.ScenarioLabel, r.DemandGroup, r.Demand,
				r.Supply.Total, r.Supply.Unit, r.Supply.Assumed, r.Supply.Facilities, r.UnitsPer1000, fmtPtr(r.ResidentsPerUnit, 0), plan,
				below, len(r.Municipalities), fmtPtr(r.Fairness.All.Gini, 3), fmtPtr(r.Fairness.All.Palma, 2))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fire := eng.Needs().Fire()
	if bs.Facilities[fire.Category] == 0 || (len(want) > 0 && !want[fire.Category]) {
		return nil
	}
	for _, sc := range scs {
		f, err := need.New(eng).Fire(ctx, need.FireQuery{Scenario: sc})
		if err != nil {
			return err
		}
		short := 0
		for _, m := range f.Today.Municipalities {
			if !m.MeetsTarget {
				short++
			}
		}
		fmt.Fprintf(w, "fire brigade (%s): %.1f %% of residents and %.1f %% of settled cells reached within %.0f min (turn-out + drive); %d of %d municipalities below the target share %.0f %%; median %s min\n",
			f.ScenarioLabel, 100*f.Today.Share, 100*f.Today.CellShare, f.LimitMinutes, short, len(f.Today.Municipalities), 100*f.TargetShare, fmtPtr(f.Today.Fairness.All.Percentiles["p50"], 1))
	}
	return nil
}

func fmtPtr(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

// printCoverage prints, per mode, the share of residents whose cell snaps
// to the loaded network, and the share a loaded timetable serves, with a
// warning below analysis.CoverageWarnBelow.
func printCoverage(w io.Writer, cov []analysis.NetworkCoverage) {
	for _, c := range cov {
		if c.Mode == analysis.Transit {
			fmt.Fprintf(w, "timetable coverage transit: %.1f %% of %d residents served (%s)\n", 100*c.Share, c.Population, c.Criterion)
		} else {
			fmt.Fprintf(w, "network coverage %s: %.1f %% of %d residents on the network\n", c.Mode, 100*c.Share, c.Population)
		}
		if c.Warning != "" {
			fmt.Fprintln(w, "  WARNING:", c.Warning)
		}
	}
}

// methodShares formats the share of residents per method, largest first.
func methodShares(shares map[string]float64) string {
	keys := make([]string, 0, len(shares))
	for k := range shares {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if shares[keys[i]] != shares[keys[j]] {
			return shares[keys[i]] > shares[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.1f %%", k, 100*shares[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// exportCollection writes every feature params selects, in format, to path
// ("-": stdout; not for gpkg). Files are written aside and renamed, so a
// failed export leaves no half-written file.
func exportCollection(ctx context.Context, src layers.FeatureSource, c layers.Collection, params ogc.ItemsParams, format, path string, stdout io.Writer) (n int, err error) {
	each := func(fn func(layers.Feature) error) error {
		q := params.Query
		q.Limit, q.After = ogc.MaxLimit, ""
		for {
			page, err := src.Items(ctx, q)
			if err != nil {
				return fmt.Errorf("export %s: %w", c.ID, err)
			}
			for _, f := range page.Features {
				if err := fn(f); err != nil {
					return err
				}
				n++
			}
			if page.Next == "" {
				return nil
			}
			q.After = page.Next
		}
	}
	if format == "gpkg" {
		if path == "-" {
			return 0, fmt.Errorf("export %s: --format gpkg needs --out FILE", c.ID)
		}
		tmp := path + ".part"
		_ = os.Remove(tmp)
		gw, err := vector.CreateGeoPackage(ctx, tmp, c, params.CRS)
		if err != nil {
			return 0, err
		}
		if err := each(func(f layers.Feature) error { return gw.Write(ctx, f) }); err != nil {
			gw.Abort()
			os.Remove(tmp)
			return n, err
		}
		if err := gw.Close(ctx); err != nil {
			os.Remove(tmp)
			return n, err
		}
		return n, os.Rename(tmp, path)
	}
	var buf bytes.Buffer
	var w io.Writer = &buf
	if path == "-" {
		w = stdout
	}
	switch format {
	case "csv":
		cw := ogc.NewCSVWriter(w, c, params.CRS)
		if err := cw.Begin(w); err != nil {
			return 0, err
		}
		if err := each(cw.Write); err != nil {
			return n, err
		}
		if err := cw.End(); err != nil {
			return n, err
		}
	case "geojson", "json":
		fw := ogc.NewFeatureWriter(w, params.CRS)
		if err := fw.Begin(ogc.CollectionHeader{NumberMatched: -1, NumberReturned: -1, TimeStamp: time.Now()}); err != nil {
			return 0, err
		}
		if err := each(fw.Write); err != nil {
			return n, err
		}
		if err := fw.End(); err != nil {
			return n, err
		}
	default:
		return 0, fmt.Errorf("export %s: --format %q: want geojson, csv or gpkg", c.ID, format)
	}
	if path == "-" {
		return n, nil
	}
	return n, writeFileAtomic(path, buf.Bytes())
}

// centreModes are the modes of the central-place indicators: car and
// bicycle, and public transport when a timetable is loaded.
func centreModes(eng *analysis.Engine) []layers.Mode {
	modes := []layers.Mode{layers.Car, layers.Bicycle}
	if eng.HasTransit() {
		modes = append(modes, layers.Transit)
	}
	return modes
}

// centreIndicators computes the central-place indicators of every
// municipality (car, bicycle and, with a timetable, public transport
// minutes to the nearest Mittelzentrum and Oberzentrum, and by public
// transport the share of residents with a time, in percent) and returns them with
// their rows; both are empty when no central place is loaded.
func centreIndicators(ctx context.Context, eng *analysis.Engine) ([]centres.Row, []layers.IndicatorValue, error) {
	if eng.Stats().CentralPlaces == 0 {
		return nil, nil, nil
	}
	rows, err := centres.Access(ctx, eng, centreModes(eng))
	if err != nil {
		return nil, nil, err
	}
	shareKey := map[string]string{}
	for _, l := range []layers.Level{layers.LevelMittelzentrum, layers.LevelOberzentrum} {
		shareKey[centres.Key(layers.Transit, l)] = centres.ShareKey(l)
	}
	var vals []layers.IndicatorValue
	for _, r := range rows {
		for k, v := range r.Minutes {
			vals = append(vals, layers.IndicatorValue{AGS: r.AGS, Key: k, Value: v})
			if sk, ok := shareKey[k]; ok {
				vals = append(vals, layers.IndicatorValue{AGS: r.AGS, Key: sk, Value: 100 * r.NetworkShare[k]})
			}
		}
	}
	return rows, vals, nil
}

// writeCentreAccess computes the central-place indicators of every
// municipality, stores them as indicators and prints a summary.
func writeCentreAccess(ctx context.Context, st analyzeTarget, eng *analysis.Engine, stdout io.Writer) error {
	if eng.Stats().CentralPlaces == 0 {
		fmt.Fprintln(stdout, "central places: none loaded (no indicators car_minutes_to_mittelzentrum, car_minutes_to_oberzentrum)")
		return nil
	}
	rows, vals, err := centreIndicators(ctx, eng)
	if err != nil || len(vals) == 0 {
		return err
	}
	if _, err := st.ReplaceIndicators(ctx, layers.Seq(vals)); err != nil {
		return fmt.Errorf("analyze: central-place indicators: %w", err)
	}
	// Per key: the municipalities with a value, the centres among them (0 by
	// definition), the mean, and the share of the residents of all other
	// municipalities with a network time (by public transport: with any).
	type acc struct {
		n, centres    int
		sum           float64
		pop, timedPop float64
	}
	sums := map[string]*acc{}
	var keys []string
	for _, r := range rows {
		for k, v := range r.Minutes {
			a := sums[k]
			if a == nil {
				a = &acc{}
				sums[k] = a
				keys = append(keys, k)
			}
			a.n++
			a.sum += v
			if r.Centre[k] {
				a.centres++
				continue
			}
			a.pop += float64(r.Population)
			a.timedPop += r.NetworkShare[k] * float64(r.Population)
		}
	}
	for _, r := range rows { // without a value (by public transport: none of its residents has a time)
		for k, a := range sums {
			if _, ok := r.Minutes[k]; !ok {
				a.pop += float64(r.Population)
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := sums[k]
		how := "network times"
		if strings.HasPrefix(k, string(layers.Transit)) {
			how = "a time by public transport"
		}
		share := 0.0
		if a.pop > 0 {
			share = 100 * a.timedPop / a.pop
		}
		fmt.Fprintf(stdout, "central places: %s for %d of %d municipalities (%d centres at 0), mean %.1f min; %s for %.1f %% of the residents of the others\n",
			k, a.n, len(rows), a.centres, a.sum/float64(a.n), how, share)
	}
	return nil
}

// analyzeTransit computes the travel times by public transport of every category with
// facilities, stores them (transit_travel_times) where the store keeps them and prints a summary.
func analyzeTransit(ctx context.Context, st analyzeTarget, eng *analysis.Engine, cats []layers.Category, facs map[layers.Category]int, ef engineFlags, stdout io.Writer) error {
	q, err := eng.DefaultTransitQuery()
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	planner, err := transit.Of(eng)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	rw, canStore := st.(layers.TransitResultWriter)
	fmt.Fprintf(stdout, "\npublic transport (%s, departures %s + %d min, median over the window, waiting included):\n",
		eng.TransitFeed().Name, q.Departure.Format("2006-01-02 15:04"), q.WindowMinutes)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tcells\treached\tresidents reached\tno stop\tmedian\tp90 of medians\twithin standard\ttook\t")
	for _, c := range cats {
		if facs[c] == 0 {
			continue
		}
		start := time.Now()
		res, err := planner.TravelTimes(ctx, c, q)
		if err != nil {
			return err
		}
		took := time.Since(start)
		var reached int
		var pop, popReached, popNoStop int64
		var meds []float64
		var within, withinPop float64
		for _, cell := range res.Cells {
			if !cell.Known || cell.Population <= 0 {
				continue
			}
			pop += cell.Population
			if cell.Method == analysis.MethodNoStop {
				popNoStop += cell.Population
			}
			if cell.Median != nil {
				reached++
				popReached += cell.Population
				meds = append(meds, *cell.Median)
			}
			if !math.IsNaN(cell.ShareWithin) {
				within += cell.ShareWithin * float64(cell.Population)
				withinPop += float64(cell.Population)
			}
		}
		sort.Float64s(meds)
		med, p90 := "-", "-"
		if len(meds) > 0 {
			med = fmt.Sprintf("%.1f min", meds[(len(meds)-1)/2]/60)
			p90 = fmt.Sprintf("%.1f min", meds[int(math.Ceil(0.9*float64(len(meds))))-1]/60)
		}
		share := "no standard"
		if withinPop > 0 {
			share = fmt.Sprintf("%.1f %% (%.0f min)", 100*within/withinPop, res.StandardMinutes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d of %d\t%d\t%s\t%s\t%s\t%s\t\n", c, len(res.Cells), reached, popReached, pop, popNoStop, med, p90, share, took.Round(time.Millisecond))
		if canStore {
			seq := func(yield func(layers.TransitTimeRecord, error) bool) {
				for _, cell := range res.Cells {
					r := layers.TransitTimeRecord{CellID: cell.CellID, AGS: cell.AGS, Population: cell.Population, Known: cell.Known,
						Departure: q.Departure, WindowMinutes: q.WindowMinutes, Median: cell.Median, P10: cell.P10, P90: cell.P90,
						StandardMinutes: res.StandardMinutes, Method: cell.Method}
					if !math.IsNaN(cell.ShareWithin) {
						v := cell.ShareWithin
						r.ShareWithin = &v
					}
					if !yield(r, nil) {
						return
					}
				}
			}
			if _, err := rw.ReplaceTransitTravelTimes(ctx, c, res.Provenance.ComputedAt, seq); err != nil {
				return err
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  no stop: residents with no stop with a departure in the window within %.0f m and no facility within the walk (method no_stop: the feed may end there; not counted as unreachable)\n", transit.AccessM)
	return analyzeRoundTrips(ctx, planner, cats, facs, q, ef, stdout)
}

// analyzeRoundTrips prints, per category with facilities, the share of residents who can be
// at a facility by the appointment (--arrive-by, default 10:00 on the day of the transit
// window), stay --stay-minutes (default 60) and be back home the same day.
func analyzeRoundTrips(ctx context.Context, planner *transit.Planner, cats []layers.Category, facs map[layers.Category]int, q analysis.TransitQuery, ef engineFlags, stdout io.Writer) error {
	rq := transit.RoundTripQuery{StayMinutes: ef.stay}
	if ef.arriveBy != "" {
		t, err := analysis.ParseDeparture(ef.arriveBy)
		if err != nil {
			return fmt.Errorf("analyze: --arrive-by: %w", err)
		}
		rq.ArriveBy = t
	} else {
		d := q.Departure
		rq.ArriveBy = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, time.UTC)
	}
	fmt.Fprintf(stdout, "\nround trips by public transport (at a facility by %s, stay %d min, home by 24:00):\n",
		rq.ArriveBy.Format("2006-01-02 15:04"), rq.StayMinutes)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tresidents who can\tshare\tno stop\tmunicipalities all can\tnone can\tmedian door to door\ttook\t")
	for _, c := range cats {
		if facs[c] == 0 {
			continue
		}
		start := time.Now()
		rq.Category = c
		res, err := planner.RoundTrips(ctx, rq)
		if err != nil {
			return err
		}
		all, none := 0, 0
		var durs []float64
		for _, m := range res.Municipalities {
			switch {
			case m.Population > 0 && m.Possible == m.Population:
				all++
			case m.Possible == 0:
				none++
			}
		}
		for _, cell := range res.Cells {
			if cell.Possible && cell.Population > 0 {
				durs = append(durs, *cell.DurationS)
			}
		}
		med := "-"
		if len(durs) > 0 {
			sort.Float64s(durs)
			med = fmt.Sprintf("%.0f min (cells)", durs[(len(durs)-1)/2]/60)
		}
		fmt.Fprintf(tw, "%s\t%d of %d\t%.1f %%\t%d\t%d of %d\t%d\t%s\t%s\t\n", c, res.Possible, res.Population, 100*res.Share, res.NoStop, all, len(res.Municipalities), none, med, time.Since(start).Round(time.Millisecond))
	}
	return tw.Flush()
}
