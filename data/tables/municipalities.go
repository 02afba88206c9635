package tables

import (
	"context"
	"fmt"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"reach/data/vector"
	"reach/layers"
)

// MunicipalityFields names the properties of a boundary file. An empty
// name is detected from the usual spellings (case-insensitive):
//
//	AGS         AGS, ags, SCHLUESSEL, gemeindesc
//	Name        GEN, geog_name, name
//	Population  EWZ_2019, EWZ, EZ_20, bevoelkerung, population
//	AreaKm2     KFL_KM2, area_km2, flaeche_km2
//	DEGURBA     DEGURBA ("01".."03" or 1..3)
type MunicipalityFields struct {
	AGS, Name, Population, AreaKm2, DEGURBA string
}

// MunicipalityOptions tune ReadMunicipalities.
type MunicipalityOptions struct {
	VectorSource
	Fields MunicipalityFields
	// PopulationDate is the reference date of the population field. Zero
	// infers 31 December of the year in the field name (EWZ_2019 →
	// 2019-12-31, EZ_20 → 2020-12-31) and otherwise leaves it zero.
	PopulationDate time.Time
}

var (
	agsNames  = []string{"AGS", "SCHLUESSEL", "gemeindesc", "ags"}
	nameNames = []string{"GEN", "geog_name", "name", "ORTSNAME"}
	popNames  = []string{"EWZ_2019", "EWZ", "EZ_20", "bevoelkerung", "population"}
	areaNames = []string{"KFL_KM2", "area_km2", "flaeche_km2", "KFL"}
	yearRe    = regexp.MustCompile(`_(\d{4}|\d{2})$`)
)

// ReadMunicipalities streams the municipalities of a GeoJSON or GeoPackage
// boundary file. KreisAGS is the first 5 digits of the AGS, KreisName and
// PlanningRegion follow from it for Saxony. Polygons become one-part
// multipolygons in EPSG:25833. Indicator properties known to
// IndicatorColumns (EZ_30 forecast, Dif_rel change, EWZ_ZENSUS2022) fill
// Municipality.Indicators; other properties are ignored.
func ReadMunicipalities(ctx context.Context, path string, opts MunicipalityOptions) iter.Seq2[layers.Municipality, error] {
	return func(yield func(layers.Municipality, error) bool) {
		var (
			fields MunicipalityFields
			date   time.Time
			ind    []IndicatorColumn
			seen   = map[string]int{}
		)
		for f, err := range vector.Read(ctx, path, opts.Options()) {
			if err != nil {
				yield(layers.Municipality{}, err)
				return
			}
			p := newProps(f)
			if f.Pos.Index == 0 || fields.AGS == "" {
				fields, err = detectMunicipalityFields(p, opts.Fields)
				if err != nil {
					yield(layers.Municipality{}, f.Err(err))
					return
				}
				date = opts.PopulationDate
				if date.IsZero() && fields.Population != "" {
					date = inferYearEnd(fields.Population)
				}
				names := make([]string, 0, len(f.Properties))
				for k := range f.Properties {
					names = append(names, k)
				}
				ind = knownIndicatorColumns(names)
			}
			m, err := municipality(p, fields, date, ind)
			if err != nil {
				yield(layers.Municipality{}, err)
				return
			}
			if prev, dup := seen[m.AGS]; dup {
				yield(layers.Municipality{}, f.Errorf(fields.AGS, m.AGS, fmt.Sprintf("repeats the municipality of feature %d", prev)))
				return
			}
			seen[m.AGS] = f.Pos.Index
			if err := m.Validate(); err != nil {
				yield(layers.Municipality{}, f.Err(vector.InColumns(err, map[string]string{
					"ags": fields.AGS, "name": fields.Name, "population": fields.Population, "area_km2": fields.AreaKm2, "degurba": fields.DEGURBA})))
				return
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}

func detectMunicipalityFields(p props, want MunicipalityFields) (MunicipalityFields, error) {
	var out MunicipalityFields
	pick := func(dst *string, given string, names []string, required bool, what string) error {
		if given != "" {
			k, ok := p.find(given)
			if !ok {
				return vector.Invalidf("missing property %q (%s)", given, what)
			}
			*dst = k
			return nil
		}
		k, ok := p.find(names...)
		if !ok && required {
			return vector.Invalidf("no %s property (looked for %s); name it in the options", what, strings.Join(names, ", "))
		}
		*dst = k
		return nil
	}
	if err := pick(&out.AGS, want.AGS, agsNames, true, "AGS"); err != nil {
		return out, err
	}
	if err := pick(&out.Name, want.Name, nameNames, true, "name"); err != nil {
		return out, err
	}
	if err := pick(&out.Population, want.Population, popNames, false, "population"); err != nil {
		return out, err
	}
	if err := pick(&out.AreaKm2, want.AreaKm2, areaNames, false, "area"); err != nil {
		return out, err
	}
	if err := pick(&out.DEGURBA, want.DEGURBA, []string{"DEGURBA"}, false, "DEGURBA"); err != nil {
		return out, err
	}
	return out, nil
}

// inferYearEnd reads a year from a field name suffix ("EWZ_2019", "EZ_20").
func inferYearEnd(field string) time.Time {
	m := yearRe.FindStringSubmatch(field)
	if m == nil {
		return time.Time{}
	}
	y, _ := strconv.Atoi(m[1])
	if len(m[1]) == 2 {
		y += 2000
	}
	if y < 1950 || y > 2100 {
		return time.Time{}
	}
	return yearEnd(y)
}

func municipality(p props, fl MunicipalityFields, date time.Time, ind []IndicatorColumn) (layers.Municipality, error) {
	f := p.f
	ags, err := agsOf(p, fl.AGS)
	if err != nil {
		return layers.Municipality{}, err
	}
	m := layers.Municipality{AGS: ags, Name: p.text(fl.Name), KreisAGS: ags[:5]}
	m.KreisName = KreisName(m.KreisAGS)
	m.PlanningRegion = PlanningRegion(ags)
	switch g := f.Geometry.(type) {
	case nil:
	case orb.Polygon:
		m.Geometry = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		m.Geometry = g
	default:
		return m, f.Errorf("geometry", g.GeoJSONType(), "is not a Polygon or MultiPolygon")
	}
	if fl.Population != "" {
		n, ok, err := f.Int(fl.Population)
		if err != nil {
			return m, err
		}
		if ok {
			m.Population, m.PopulationDate = n, date
		}
	}
	if fl.AreaKm2 != "" {
		a, _, err := f.Float(fl.AreaKm2, false)
		if err != nil {
			return m, err
		}
		m.AreaKm2 = a
	}
	if fl.DEGURBA != "" {
		s := p.text(fl.DEGURBA)
		if s != "" {
			d, err := strconv.Atoi(s)
			if err != nil || d < 1 || d > 3 {
				return m, f.Errorf(fl.DEGURBA, s, "is not a DEGURBA class 01, 02 or 03")
			}
			m.DEGURBA = d
		}
	}
	for _, c := range ind {
		v, ok, err := f.Float(c.Column, false)
		if err != nil {
			return m, err
		}
		if !ok {
			continue
		}
		if m.Indicators == nil {
			m.Indicators = map[string]float64{}
		}
		m.Indicators[c.Key] = v
		if c.Key == layers.IndPopulationForecast && c.Year != 0 {
			m.Indicators[layers.IndForecastYear] = float64(c.Year)
		}
	}
	return m, nil
}
