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
	"os"
	"path/filepath"
	"time"

	"reach/data/demo"
	"reach/data/tables"
	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/analysis/need"
	"reach/internal/analysis/transit"
	"reach/internal/appraisal"
	"reach/internal/catalogue"
	"reach/internal/classify"
	"reach/layers"
)

// engineFlags are the flags shared by serve, analyze and export that tune
// the analyses: a standards catalogue of one's own and a settings file with
// the policy weights.
type engineFlags struct {
	catalogue string
	settings  string
	needs     string
	ages      string
	// departure and window are when transit travel times leave (reach analyze).
	departure string
	window    int
	// arriveBy and stay are the appointment of the round trips of reach analyze.
	arriveBy string
	stay     int
}

func (f *engineFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.catalogue, "catalogue", "", "standards catalogue (JSON) instead of the embedded one; `reach catalogue` prints the embedded one")
	fs.StringVar(&f.settings, "settings", "", "analysis settings (JSON): score_weights, weakness_weights, weak_share, snap_radius_m, ranking_deadline_seconds, fire_turnout_minutes, departure, window_minutes")
	fs.StringVar(&f.needs, "needs", "", "need catalogue (JSON: demand groups, supply defaults, decay, planning ratios, fire turn-out and limit) instead of the embedded one; `reach catalogue --needs` prints the embedded one")
	fs.StringVar(&f.departure, "departure", "", "public transport: first departure of the window as a local date-time YYYY-MM-DDTHH:MM (default: the settings file's departure, else 07:00 on the timetable's first day)")
	fs.IntVar(&f.window, "window-minutes", 0, "public transport: minutes of the departure window, one departure per minute (default: the settings file's window_minutes, else 60)")
	fs.StringVar(&f.arriveBy, "arrive-by", "", "public transport round trips: the appointment as a local date-time YYYY-MM-DDTHH:MM (default: 10:00 on the day of the departure window)")
	fs.IntVar(&f.stay, "stay-minutes", 60, "public transport round trips: minutes at the facility from the appointment on")
	fs.StringVar(&f.ages, "ages", "", "population by age per municipality or district, base year and projection (CSV: Jahr;Variante;Schluessel;Gebiet;Altersgruppe;Anzahl); the demo region brings its own")
}

// demography returns the population by age: from --ages, else the demo
// region's own table when the store is the demo region, else nil.
func (f engineFlags) demography(info layers.StoreInfo) (*access.Demography, error) {
	if f.ages != "" {
		return tables.ReadAgeTables(context.Background(), f.ages)
	}
	if !info.Synthetic {
		return nil, nil
	}
	seed, ok := demo.SeedOf(info.Versions)
	if !ok {
		return nil, nil
	}
	r, err := demo.Generate(seed)
	if err != nil {
		return nil, err
	}
	return r.Demography(context.Background())
}

// settingsFile is the JSON form of the analysis settings. Every field is
// optional; absent ones keep their defaults.
type settingsFile struct {
	ScoreWeights    *scoreWeightsJSON    `json:"score_weights"`
	WeaknessWeights *weaknessWeightsJSON `json:"weakness_weights"`
	WeakShare       *float64             `json:"weak_share"`
	SnapRadiusM     *float64             `json:"snap_radius_m"`
	// RankingDeadlineS bounds the search for the best selection of a
	// ranking, in seconds (default 3).
	RankingDeadlineS *float64 `json:"ranking_deadline_seconds"`
	// FireTurnoutMinutes sets the turn-out time of single fire stations
	// by facility id.
	FireTurnoutMinutes map[string]float64 `json:"fire_turnout_minutes"`
	// Departure and WindowMinutes time the results by public transport that a request does not
	// time itself: a local date-time YYYY-MM-DDTHH:MM and minutes (default 60).
	Departure     *string  `json:"departure"`
	WindowMinutes *float64 `json:"window_minutes"`
}

type scoreWeightsJSON struct {
	NewlyWithinStandard         *float64 `json:"newly_within_standard"`
	Beneficiaries               *float64 `json:"beneficiaries"`
	MunicipalitiesBenefiting    *float64 `json:"municipalities_benefiting"`
	KreiseBenefiting            *float64 `json:"kreise_benefiting"`
	RegionsBenefiting           *float64 `json:"regions_benefiting"`
	ParticipatingMunicipalities *float64 `json:"participating_municipalities"`
	NeedShare                   *float64 `json:"need_share"`
	CostPerNewlyCovered         *float64 `json:"cost_per_newly_covered"`
	Alignment                   *float64 `json:"alignment"`
	Innovation                  *float64 `json:"innovation"`
	Transferability             *float64 `json:"transferability"`
}

type weaknessWeightsJSON struct {
	PurchasingPower  *float64 `json:"purchasing_power"`
	UnemploymentRate *float64 `json:"unemployment_rate"`
	PopulationChange *float64 `json:"population_change"`
	Share65Plus      *float64 `json:"share_65_plus"`
}

// options turns the flags into engine options; errors name the file, the
// field and the value.
func (f engineFlags) options(info layers.StoreInfo) (analysis.Options, error) {
	opts := analysis.Options{Info: info, NeedSection: need.Section, Fairness: need.GapFairness, NewTransitPlanner: transit.New}
	d, err := f.demography(info)
	if err != nil {
		return opts, fmt.Errorf("--ages: %w", err)
	}
	opts.Demography = d
	if f.needs != "" {
		file, err := os.Open(f.needs)
		if err != nil {
			return opts, fmt.Errorf("--needs: %w", err)
		}
		defer file.Close()
		n, err := catalogue.LoadNeeds(file, filepath.Base(f.needs))
		if err != nil {
			return opts, err
		}
		opts.Needs = n
	}
	if f.catalogue != "" {
		file, err := os.Open(f.catalogue)
		if err != nil {
			return opts, fmt.Errorf("--catalogue: %w", err)
		}
		defer file.Close()
		c, err := catalogue.LoadCatalogue(file, filepath.Base(f.catalogue))
		if err != nil {
			return opts, err
		}
		opts.Catalogue = c
	}
	if f.settings != "" {
		if err := f.readSettings(&opts); err != nil {
			return opts, err
		}
	}
	if f.departure != "" {
		d, err := analysis.ParseDeparture(f.departure)
		if err != nil {
			return opts, fmt.Errorf("--departure: %w", err)
		}
		opts.TransitDefault.Departure = d
	}
	if f.window != 0 {
		if f.window < 1 || f.window > analysis.MaxWindowMinutes {
			return opts, fmt.Errorf("--window-minutes %d: want 1 to %d", f.window, analysis.MaxWindowMinutes)
		}
		opts.TransitDefault.WindowMinutes = f.window
	}
	return opts, nil
}

// readSettings applies the settings file to opts; errors name the file, the field and the
// value.
func (f engineFlags) readSettings(opts *analysis.Options) error {
	raw, err := os.ReadFile(f.settings)
	if err != nil {
		return fmt.Errorf("--settings: %w", err)
	}
	name := filepath.Base(f.settings)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var sf settingsFile
	if err := dec.Decode(&sf); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("settings %s: field %q: want a %s, got a JSON %s", name, te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("settings %s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("settings %s: more than one JSON value", name)
	}
	nonNeg := func(field string, v *float64, dst *float64) error {
		if v == nil {
			return nil
		}
		if *v < 0 {
			return fmt.Errorf("settings %s: field %q: value %v: must not be negative", name, field, *v)
		}
		*dst = *v
		return nil
	}
	if w := sf.ScoreWeights; w != nil {
		sw := appraisal.DefaultScoreWeights()
		for _, x := range []struct {
			f   string
			v   *float64
			dst *float64
		}{
			{"score_weights.newly_within_standard", w.NewlyWithinStandard, &sw.NewlyWithinStandard},
			{"score_weights.beneficiaries", w.Beneficiaries, &sw.Beneficiaries},
			{"score_weights.municipalities_benefiting", w.MunicipalitiesBenefiting, &sw.MunicipalitiesBenefiting},
			{"score_weights.kreise_benefiting", w.KreiseBenefiting, &sw.KreiseBenefiting},
			{"score_weights.regions_benefiting", w.RegionsBenefiting, &sw.RegionsBenefiting},
			{"score_weights.participating_municipalities", w.ParticipatingMunicipalities, &sw.ParticipatingMunicipalities},
			{"score_weights.need_share", w.NeedShare, &sw.NeedShare},
			{"score_weights.cost_per_newly_covered", w.CostPerNewlyCovered, &sw.CostPerNewlyCovered},
			{"score_weights.alignment", w.Alignment, &sw.Alignment},
			{"score_weights.innovation", w.Innovation, &sw.Innovation},
			{"score_weights.transferability", w.Transferability, &sw.Transferability},
		} {
			if err := nonNeg(x.f, x.v, x.dst); err != nil {
				return err
			}
		}
		opts.Weights = &sw
	}
	co := classify.DefaultClassifyOptions()
	changed := false
	if w := sf.WeaknessWeights; w != nil {
		for _, x := range []struct {
			f   string
			v   *float64
			dst *float64
		}{
			{"weakness_weights.purchasing_power", w.PurchasingPower, &co.WeaknessWeights.PurchasingPower},
			{"weakness_weights.unemployment_rate", w.UnemploymentRate, &co.WeaknessWeights.UnemploymentRate},
			{"weakness_weights.population_change", w.PopulationChange, &co.WeaknessWeights.PopulationChange},
			{"weakness_weights.share_65_plus", w.Share65Plus, &co.WeaknessWeights.Share65Plus},
		} {
			if err := nonNeg(x.f, x.v, x.dst); err != nil {
				return err
			}
		}
		changed = true
	}
	if sf.WeakShare != nil {
		if *sf.WeakShare <= 0 || *sf.WeakShare >= 1 {
			return fmt.Errorf("settings %s: field %q: value %v: want a share between 0 and 1", name, "weak_share", *sf.WeakShare)
		}
		co.WeakShare = *sf.WeakShare
		changed = true
	}
	if changed {
		opts.Classify = &co
	}
	if sf.SnapRadiusM != nil {
		if *sf.SnapRadiusM <= 0 || *sf.SnapRadiusM > 10000 {
			return fmt.Errorf("settings %s: field %q: value %v: want metres in (0, 10000]", name, "snap_radius_m", *sf.SnapRadiusM)
		}
		opts.SnapRadiusM = *sf.SnapRadiusM
	}
	if len(sf.FireTurnoutMinutes) > 0 {
		opts.Turnout = map[string]float64{}
		for id, m := range sf.FireTurnoutMinutes {
			if !(m >= 0) || m > 60 {
				return fmt.Errorf("settings %s: field %q: station %q: value %v: want minutes 0–60", name, "fire_turnout_minutes", id, m)
			}
			opts.Turnout[id] = m * 60
		}
	}
	if v := sf.RankingDeadlineS; v != nil {
		if !(*v > 0 && *v <= 600) {
			return fmt.Errorf("settings %s: field %q: value %v: want seconds in (0, 600]", name, "ranking_deadline_seconds", *v)
		}
		opts.RankingDeadline = time.Duration(*v * float64(time.Second))
	}
	if v := sf.Departure; v != nil {
		d, err := analysis.ParseDeparture(*v)
		if err != nil {
			return fmt.Errorf("settings %s: field %q: value %q: want a local date-time YYYY-MM-DDTHH:MM", name, "departure", *v)
		}
		opts.TransitDefault.Departure = d
	}
	if v := sf.WindowMinutes; v != nil {
		if *v != math.Trunc(*v) || *v < 1 || *v > analysis.MaxWindowMinutes {
			return fmt.Errorf("settings %s: field %q: value %v: want whole minutes from 1 to %d", name, "window_minutes", *v, analysis.MaxWindowMinutes)
		}
		opts.TransitDefault.WindowMinutes = int(*v)
	}
	return nil
}

func runCatalogue(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach catalogue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.String("check", "", "validate this catalogue file instead of printing the embedded one")
	needs := fs.Bool("needs", false, "the need catalogue (demand groups, capacities, planning ratios, fire) instead of the standards catalogue")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *needs {
		if *check == "" {
			_, err := stdout.Write(catalogue.DefaultNeedsJSON())
			return err
		}
		f, err := os.Open(*check)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := catalogue.LoadNeeds(f, filepath.Base(*check))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "need catalogue %s: %d categories, valid\n", n.ID(), len(n.Needs()))
		return nil
	}
	if *check != "" {
		f, err := os.Open(*check)
		if err != nil {
			return err
		}
		defer f.Close()
		c, err := catalogue.LoadCatalogue(f, filepath.Base(*check))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "catalogue %s: %d standards, valid\n", c.ID(), len(c.Standards()))
		return nil
	}
	_, err := stdout.Write(catalogue.DefaultCatalogueJSON())
	return err
}
