package tables

import (
	"context"
	"iter"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"reach/data/vector"
	"reach/layers"
)

// IndicatorColumn says how one source column becomes an indicator.
type IndicatorColumn struct {
	Column string // as written in the source
	Key    string // indicator key (a layers.Ind… constant or the column name)
	// Year is the reference year of the column (from its name), 0 if none.
	// For IndPopulationForecast it is the forecast year.
	Year int
	// Known is true when Key is a documented layers key.
	Known bool
}

// series maps a column name pattern (lower case, year suffix) to a key. Of
// several years of one series the latest gets the documented key; the
// others keep their column name.
var series = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^kaufkraft_eur_je_ew_(\d{4})$`), layers.IndPurchasingPower},
	{regexp.MustCompile(`^einzelhandelsrel_kaufkraft_eur_je_ew_(\d{4})$`), layers.IndRetailPurchasing},
	{regexp.MustCompile(`^siedlungs_verkehrsflaeche_pct_(\d{4})$`), layers.IndSettlementShare},
	{regexp.MustCompile(`^erholungsflaeche_pct_(\d{4})$`), layers.IndRecreationShare},
	{regexp.MustCompile(`^arbeitslose_anzahl_(\d{4})$`), layers.IndUnemployed},
	{regexp.MustCompile(`^(?:bevoelkerung|ewz)_zensus(2022)$`), layers.IndPopulationZensus2022},
	{regexp.MustCompile(`^ez_(30)$`), layers.IndPopulationForecast},
	{regexp.MustCompile(`^dif_rel()$`), layers.IndPopulationChangePct},
	{regexp.MustCompile(`^(?:share_65plus_pct|anteil_65plus|ab65_a)()$`), layers.IndShare65Plus},
}

// keyColumns are identifiers, codes and coordinates, never indicators.
var keyColumns = map[string]bool{
	"ags": true, "ars": true, "name": true, "gen": true, "geog_name": true, "bez": true, "nuts": true,
	"kreis_ags": true, "kreis_name": true, "verband_ars": true, "verband_name": true, "plz": true,
	"lon": true, "lat": true, "nr": true, "fid": true, "ogc_fid": true, "gemeindesc": true, "id": true,
	"degurba": true, "reisegebiet_key": true, "schluessel": true, "sn_l": true, "sn_r": true, "sn_k": true,
	"sn_v1": true, "sn_v2": true, "sn_g": true,
}

// IndicatorColumns explains how ReadIndicators maps the columns of header:
//
//   - kaufkraft_eur_je_ew_YYYY → purchasing_power_eur_per_inhabitant
//   - einzelhandelsrel_kaufkraft_eur_je_ew_YYYY → retail_purchasing_power_eur_per_inhabitant
//   - siedlungs_verkehrsflaeche_pct_YYYY → settlement_transport_area_pct
//   - erholungsflaeche_pct_YYYY → recreation_area_pct
//   - arbeitslose_anzahl_YYYY → unemployed_count
//   - bevoelkerung_zensus2022, EWZ_ZENSUS2022 → population_zensus2022
//   - EZ_30 (SSOE forecast) → population_forecast, with population_forecast_year 2030
//   - Dif_rel (SSOE change 2020→2030, %) → population_change_pct
//   - ab65_A, share_65plus_pct → share_65plus_pct
//
// For a series present for several years the latest year gets the key and
// the earlier years keep their column name. Every other column is kept
// under its own name (as written) when its values are numbers, except
// identifier and code columns (ags, ars, name, plz, nuts, lon, lat, …),
// which are never indicators. Columns are matched case-insensitively.
func IndicatorColumns(header []string) []IndicatorColumn {
	out := make([]IndicatorColumn, 0, len(header))
	latest := map[string]int{} // key → index in out of the latest year so far
	for _, col := range header {
		l := strings.ToLower(strings.TrimSpace(col))
		if keyColumns[l] {
			continue
		}
		c := IndicatorColumn{Column: col, Key: col}
		for _, s := range series {
			m := s.re.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			y := 0
			if m[1] != "" {
				y, _ = strconv.Atoi(m[1])
				if y < 100 {
					y += 2000
				}
			}
			c.Year = y
			if prev, ok := latest[s.key]; ok {
				if out[prev].Year >= y {
					break // an earlier year: keeps its column name
				}
				out[prev].Key, out[prev].Known = out[prev].Column, false
			}
			c.Key, c.Known = s.key, true
			latest[s.key] = len(out)
			break
		}
		out = append(out, c)
	}
	return out
}

// knownIndicatorColumns returns only the columns with documented keys.
func knownIndicatorColumns(names []string) []IndicatorColumn {
	sort.Strings(names)
	var out []IndicatorColumn
	for _, c := range IndicatorColumns(names) {
		if c.Known {
			out = append(out, c)
		}
	}
	return out
}

// IndicatorOptions tune ReadIndicators.
type IndicatorOptions struct {
	// AGSColumn names the key column; "" detects ags, AGS, gemeindeschluessel.
	AGSColumn string
	// DecimalComma reads numbers in German notation.
	DecimalComma bool
	// KnownOnly drops the columns without a documented key.
	KnownOnly bool
	// Columns maps further source columns to keys; it overrides the
	// automatic mapping for the columns it names.
	Columns map[string]string
}

// ReadIndicators streams the indicator values of a CSV table keyed by AGS,
// one IndicatorValue per row and mapped column (see IndicatorColumns).
// Empty cells are skipped. A column kept under its own name is decided on
// its first non-empty value: a number makes it an indicator (and later
// non-numbers are errors), text or a code with a leading zero excludes it.
func ReadIndicators(ctx context.Context, path string, opts IndicatorOptions) iter.Seq2[layers.IndicatorValue, error] {
	return func(yield func(layers.IndicatorValue, error) bool) {
		var (
			cols    []IndicatorColumn
			agsCol  string
			numeric = map[string]bool{} // decided unknown columns
			seen    = map[string]int{}
		)
		for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg, DecimalComma: opts.DecimalComma}) {
			if err != nil {
				yield(layers.IndicatorValue{}, err)
				return
			}
			if cols == nil {
				var ok bool
				agsCol, ok = pickColumn(row.Header, opts.AGSColumn, "ags", "gemeindeschluessel", "AGS_8")
				if !ok {
					yield(layers.IndicatorValue{}, missingColumn(row, opts.AGSColumn, "ags"))
					return
				}
				cols = IndicatorColumns(row.Header.Names)
				for i := range cols {
					if k, ok := lookupFold(opts.Columns, cols[i].Column); ok {
						cols[i].Key, cols[i].Known = k, true
					}
				}
			}
			ags := row.Get(agsCol)
			if !ValidAGS(ags) {
				yield(layers.IndicatorValue{}, row.Errorf(agsCol, ags, "is not an 8-digit AGS"))
				return
			}
			if prev, dup := seen[ags]; dup {
				yield(layers.IndicatorValue{}, row.Errorf(agsCol, ags, "repeats the AGS of line "+strconv.Itoa(prev)))
				return
			}
			seen[ags] = row.Pos.Line
			for _, c := range cols {
				if strings.EqualFold(c.Column, agsCol) || (!c.Known && opts.KnownOnly) {
					continue
				}
				s := row.Get(c.Column)
				if s == "" {
					continue
				}
				if !c.Known {
					isNum, decided := numeric[c.Column]
					if !decided {
						_, _, ok := vector.ParseFloat(s, opts.DecimalComma)
						isNum = ok && !(len(s) > 1 && s[0] == '0' && !strings.ContainsAny(s, ".,"))
						numeric[c.Column] = isNum
					}
					if !isNum {
						continue
					}
				}
				v, err := row.Float(c.Column)
				if err != nil {
					yield(layers.IndicatorValue{}, err)
					return
				}
				iv := layers.IndicatorValue{AGS: ags, Key: c.Key, Value: v}
				if err := iv.Validate(); err != nil {
					yield(layers.IndicatorValue{}, row.Err(vector.InColumns(err, map[string]string{"value": c.Column})))
					return
				}
				if !yield(iv, nil) {
					return
				}
				if c.Key == layers.IndPopulationForecast && c.Year != 0 {
					if !yield(layers.IndicatorValue{AGS: ags, Key: layers.IndForecastYear, Value: float64(c.Year)}, nil) {
						return
					}
				}
			}
		}
	}
}

func lookupFold(m map[string]string, k string) (string, bool) {
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return "", false
}

// pickColumn returns the given column (when set and present) or the first
// detected one.
func pickColumn(h *vector.Header, given string, names ...string) (string, bool) {
	if given != "" {
		return h.First(given)
	}
	return h.First(names...)
}

func missingColumn(row vector.Row, given string, names ...string) error {
	want := given
	if want == "" {
		want = strings.Join(names, " or ")
	}
	return vector.NewRecordError(pkg, vector.Pos{File: row.Pos.File, Line: 1},
		vector.Invalidf("missing column %q (header: %s)", want, strings.Join(row.Header.Names, ", ")))
}
