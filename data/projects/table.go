package projects

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"time"

	"reach/data/tables"
	"reach/data/vector"
	"reach/layers"
)

// Options tune Read.
type Options struct {
	tables.VectorSource
	// IDPrefix prefixes the ids of table rows ("<prefix>-<nr>"); "" uses the
	// file name without extension.
	IDPrefix string
	// Bereiche maps the words of the bereich_guess column to categories;
	// nil uses BereichMapping.
	Bereiche tables.Mapping
	// Status is stored for table rows; "" means "selected" (the Vitale
	// Regionen list names the projects prioritised for funding).
	Status string
	// Seat locates a municipality by AGS for table rows (which have no
	// geometry). A row whose lead municipality it cannot locate is refused.
	// nil refuses every table row.
	Seat func(ags string) (tables.Seat, bool)
	// Warn receives what a table row was imported with but a reader should
	// know: a field of the call that maps to no category. nil drops them.
	Warn func(pos vector.Pos, field, value, msg string)
}

// BereichMapping is the default mapping of the words of the
// Vitale-Regionen column bereich_guess (the fields of the call, split at
// '/') to categories of the catalogue:
//
//	Verwaltung                           → town_hall
//	Gemeinschaft, Veranstaltungen        → community_centre
//	Senioren                             → senior_care
//	Sport                                → sports
//	Kinder                               → kita
//	Feuerwehr, Katastrophenschutz        → fire_station
//	Medizin, Gesundheit, medizinische Versorgung → general_practice
//	Trinkwasser                          → water_supply
//	Abwasser                             → sewage
//	Grundschule                          → primary_school
//	Schule                               → secondary_school
//
// Words without a fitting category (Kultur, Freizeit, Bildung, Verkehr) are
// left unmapped on purpose: a project with no mapped word gets the category
// "other" and a warning. The first mapped word of a row wins.
func BereichMapping() tables.Mapping {
	return tables.Mapping{
		"verwaltung":              layers.CatTownHall,
		"gemeinschaft":            layers.CatCommunityCentre,
		"veranstaltungen":         layers.CatCommunityCentre,
		"senioren":                layers.CatSeniorCare,
		"sport":                   layers.CatSports,
		"kinder":                  layers.CatKita,
		"feuerwehr":               layers.CatFireStation,
		"katastrophenschutz":      layers.CatFireStation,
		"medizin":                 layers.CatGeneralPractice,
		"gesundheit":              layers.CatGeneralPractice,
		"trinkwasser":             layers.CatWaterSupply,
		"abwasser":                layers.CatSewage,
		"grundschule":             layers.CatPrimarySchool,
		"schule":                  layers.CatSecondarySchool,
		"medizinische versorgung": layers.CatGeneralPractice,
	}
}

// UpgradeWords are the words of a project title (vorhaben) that make a
// table row a facility_upgrade: the project improves what exists
// (renewal, refurbishment, improvement, extension). Other rows are
// new_facility. A kind column, where present, overrides the inference.
var UpgradeWords = []string{"erneuerung", "sanierung", "verbesserung", "modernisierung", "ausbau", "umbau",
	"erweiterung", "ertüchtigung", "instandsetzung", "renovierung"}

// Column names of the optional money and date columns of the table, first
// match wins.
var (
	costColumns    = []string{"investment_cost", "gesamtkosten", "investitionskosten", "kosten"}
	fundingColumns = []string{"requested_funding", "foerdersumme", "fördersumme", "zuwendung", "foerdermittel"}
	dateColumns    = []string{"submitted_at", "eingereicht", "antragsdatum", "datum"}
)

// Read streams projects from a GeoJSON/GeoPackage of project
// features (validated by ParseFeature) or from the Vitale-Regionen
// table (CSV: nr, planungsregion, antragsteller_verbund, lead_gemeinde,
// lead_ags, vorhaben, bereich_guess; optional kind, category, money and
// date columns).
//
// A table row becomes a project "<prefix>-<nr>" located at the seat of its
// lead municipality (opts.Seat; the source of the location is kept in
// LocationSource), with the category from bereich_guess by opts.Bereiche
// ("other" and a warning when no word maps), the kind from a kind column
// or from the title (UpgradeWords → facility_upgrade, else new_facility),
// investment cost, requested funding (euros; German or English notation,
// "€"/"EUR" allowed) and submission date (YYYY-MM-DD or DD.MM.YYYY) where
// the columns exist. Every row is checked; when any is refused the read
// ends with one error listing every refused row with line, field and
// value, so that nothing is stored.
func Read(ctx context.Context, path string, opts Options) iter.Seq2[layers.Project, error] {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		return projectsCSV(ctx, path, opts)
	}
	return func(yield func(layers.Project, error) bool) {
		seen := map[string]int{}
		for f, err := range vector.Read(ctx, path, vectorOptions(opts.VectorSource)) {
			if err != nil {
				yield(layers.Project{}, err)
				return
			}
			p, err := ParseFeature(f)
			if err == nil {
				if prev, dup := seen[p.ID]; dup {
					err = f.Errorf("id", p.ID, fmt.Sprintf("repeats the project of feature %d", prev))
				}
				seen[p.ID] = f.Pos.Index
			}
			if !yield(p, err) || err != nil {
				return
			}
		}
	}
}

// RowErrors lists every refused row of a table; it wraps layers.ErrInvalid.
type RowErrors struct {
	File string
	Errs []error // each a *vector.RecordError naming line, field and value
}

// Error returns "tables: file: n rows refused: …; …".
func (e *RowErrors) Error() string {
	parts := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		parts[i] = err.Error()
	}
	return fmt.Sprintf("%s: %s: %d row(s) refused: %s", pkg, e.File, len(e.Errs), strings.Join(parts, "; "))
}

// Unwrap returns the row errors (all wrap layers.ErrInvalid).
func (e *RowErrors) Unwrap() []error { return e.Errs }

func projectsCSV(ctx context.Context, path string, opts Options) iter.Seq2[layers.Project, error] {
	return func(yield func(layers.Project, error) bool) {
		prefix := opts.IDPrefix
		if prefix == "" {
			b := filepath.Base(path)
			prefix = strings.TrimSuffix(b, filepath.Ext(b))
		}
		m := opts.Bereiche
		if m == nil {
			m = BereichMapping()
		}
		status := opts.Status
		if status == "" {
			status = "selected" // the Vitale Regionen list names the projects prioritised for funding
		}
		seen := map[string]int{}
		var refused []error
		req := []string{"nr", "vorhaben", "lead_ags"}
		for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg, Required: req}) {
			if err != nil {
				var re *vector.RecordError
				if errors.As(err, &re) && re.Pos.Line > 0 && errors.Is(err, layers.ErrInvalid) {
					refused = append(refused, err)
					continue
				}
				yield(layers.Project{}, err)
				return
			}
			p, err := projectRow(row, prefix, status, m, opts, seen)
			if err != nil {
				refused = append(refused, err)
				continue
			}
			if len(refused) > 0 {
				continue // nothing more is stored once a row is refused
			}
			if !yield(p, nil) {
				return
			}
		}
		if len(refused) > 0 {
			yield(layers.Project{}, &RowErrors{File: filepath.Base(path), Errs: refused})
		}
	}
}

// projectRow turns one table row into a project.
func projectRow(row vector.Row, prefix, status string, m tables.Mapping, opts Options, seen map[string]int) (layers.Project, error) {
	nr := row.Get("nr")
	if nr == "" || !validProjectID(nr) {
		return layers.Project{}, row.Errorf("nr", nr, "is not a project number (1–100 of A–Z a–z 0–9 . _ : -)")
	}
	id := prefix + "-" + nr
	if prev, dup := seen[id]; dup {
		return layers.Project{}, row.Errorf("nr", nr, fmt.Sprintf("repeats the project of line %d", prev))
	}
	seen[id] = row.Pos.Line
	ags := row.Get("lead_ags")
	if !tables.ValidAGS(ags) {
		return layers.Project{}, row.Errorf("lead_ags", ags, "is not an 8-digit AGS")
	}
	p := layers.Project{
		ID: id, Title: row.Get("vorhaben"), Applicant: row.Get("antragsteller_verbund"),
		Municipalities: []string{ags}, PlanningRegion: tables.PlanningRegion(ags), Status: status,
	}
	if p.Title == "" {
		return layers.Project{}, row.Errorf("vorhaben", "", "is empty")
	}
	if r := row.Get("planungsregion"); r != "" && p.PlanningRegion != "" && r != p.PlanningRegion {
		return layers.Project{}, row.Errorf("planungsregion", r, fmt.Sprintf("contradicts lead_ags %s (%s)", ags, p.PlanningRegion))
	}

	// Location: the seat of the lead municipality.
	var seat tables.Seat
	ok := false
	if opts.Seat != nil {
		seat, ok = opts.Seat(ags)
	}
	if !ok {
		return layers.Project{}, row.Errorf("lead_ags", ags, "has no location: the municipality is not loaded and no table of municipality points names it")
	}
	if name := row.Get("lead_gemeinde"); name != "" && seat.Name != "" && !sameMunicipalityName(name, seat.Name) {
		return layers.Project{}, row.Errorf("lead_gemeinde", name, fmt.Sprintf("is not the name of lead_ags %s (%s)", ags, seat.Name))
	}
	p.Geometry = seat.Location
	p.LocationSource = fmt.Sprintf("seat of the lead municipality %s: %s", ags, seat.Source)

	// Category: explicit column, else the mapping of bereich_guess.
	if c := row.Get("category"); c != "" {
		if !layers.Category(c).ValidForProject() {
			return layers.Project{}, row.Errorf("category", c, "is not in the catalogue (nor \"other\")")
		}
		p.Category = layers.Category(c)
	} else {
		bereich := row.Get("bereich_guess")
		for _, w := range strings.Split(bereich, "/") {
			if c, ok := m.Lookup(w); ok {
				p.Category = c
				break
			}
		}
		if p.Category == "" {
			p.Category = layers.CatOther
			if opts.Warn != nil {
				opts.Warn(row.Pos, "bereich_guess", bereich, "maps to no category of the catalogue: imported as \"other\", which is assessed as unknown")
			}
		}
	}

	// Kind: explicit column, else from the title.
	switch k := row.Get("kind"); {
	case k == string(layers.KindNewFacility) || k == string(layers.KindFacilityUpgrade):
		p.Kind = layers.ProjectKind(k)
	case k != "":
		return layers.Project{}, row.Errorf("kind", k, "is not new_facility or facility_upgrade (a table row is located at a point)")
	case hasUpgradeWord(p.Title):
		p.Kind = layers.KindFacilityUpgrade
	default:
		p.Kind = layers.KindNewFacility
	}
	if p.Kind == layers.KindFacilityUpgrade {
		p.Upgrade = &layers.Upgrade{}
	}
	if p.Category == layers.CatWaterSupply || p.Category == layers.CatSewage {
		return layers.Project{}, row.Errorf("bereich_guess", row.Get("bereich_guess"), "is an area service, which needs its area as a polygon: submit it as a GeoJSON feature")
	}

	// Money and dates.
	cost, err := moneyColumn(row, costColumns)
	if err != nil {
		return layers.Project{}, err
	}
	fund, err := moneyColumn(row, fundingColumns)
	if err != nil {
		return layers.Project{}, err
	}
	if cost > 0 && fund > cost {
		return layers.Project{}, row.Errorf(firstColumn(row, fundingColumns), vector.Text(fund), fmt.Sprintf("is above the investment cost %s", vector.Text(cost)))
	}
	p.InvestmentCost, p.RequestedFunding = cost, fund
	if col := firstColumn(row, dateColumns); col != "" {
		if v := row.Get(col); v != "" {
			t, ok := parseDate(v)
			if !ok {
				return layers.Project{}, row.Errorf(col, v, "is not a date (YYYY-MM-DD or DD.MM.YYYY)")
			}
			p.SubmittedAt = t
		}
	}
	return p, nil
}

// firstColumn returns the first of names that the row's header has, or "".
func firstColumn(row vector.Row, names []string) string {
	for _, n := range names {
		if _, ok := row.Lookup(n); ok {
			return n
		}
	}
	return ""
}

// moneyColumn reads euros from the first of cols that exists: 0 when none
// exists or the value is empty (not stated).
func moneyColumn(row vector.Row, cols []string) (float64, error) {
	col := firstColumn(row, cols)
	if col == "" {
		return 0, nil
	}
	raw := row.Get(col)
	v := strings.TrimSpace(strings.NewReplacer("€", "", "EUR", "", "Euro", "", "\u00a0", "", " ", "").Replace(raw))
	if v == "" {
		return 0, nil
	}
	// German notation when a comma is the last separator or dots group
	// thousands ("1.234.567"); one dot before three final digits and no
	// comma ("1.234") could be either and is refused.
	if d := strings.LastIndex(v, "."); d >= 0 && !strings.Contains(v, ",") && strings.Count(v, ".") == 1 && len(v)-d-1 == 3 {
		return 0, row.Errorf(col, raw, "is ambiguous (thousands or decimals?): write 1234, 1.234,00 or 1234.00")
	}
	comma := strings.LastIndex(v, ",") > strings.LastIndex(v, ".") || strings.Count(v, ".") > 1
	eur, reason, ok := vector.ParseFloat(v, comma)
	if !ok {
		return 0, row.Errorf(col, raw, reason)
	}
	if fe := checkMoney(col, eur); fe != nil {
		return 0, row.Errorf(col, raw, fe.Reason)
	}
	return eur, nil
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{dateLayout, "02.01.2006", "2.1.2006", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func hasUpgradeWord(title string) bool {
	t := strings.ToLower(title)
	for _, w := range UpgradeWords {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// sameMunicipalityName compares a name as written in the table with the
// official one, ignoring case and the official suffixes ", Stadt" and
// ", Gemeinde" (e.g. "Rodewisch" and "Rodewisch, Stadt").
func sameMunicipalityName(given, official string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, suf := range []string{", stadt", ", gemeinde", ", kurort", ", st."} {
			s = strings.TrimSuffix(s, suf)
		}
		return strings.Join(strings.Fields(s), " ")
	}
	return norm(given) == norm(official)
}
