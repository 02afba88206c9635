package tables

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"reach/data/vector"
	"reach/layers"
)

// PopulationOptions tune ReadPopulation.
type PopulationOptions struct {
	// Date is the reference date of the counts. Zero means 2022-05-15 for
	// the Zensus 2022 column (bevoelkerung_zensus2022) and is an error for
	// any other column: a population without its date is not stored.
	Date time.Time
	// AGSColumn, PopulationColumn and AreaColumn name the columns; "" detects
	// ags / bevoelkerung_zensus2022, bevoelkerung, einwohner, population,
	// EWZ / flaeche_km2, area_km2, flaeche_qkm (the area is optional).
	AGSColumn, PopulationColumn, AreaColumn string
	// DecimalComma reads numbers in German notation.
	DecimalComma bool
}

// ReadPopulation streams population records from a CSV table keyed by AGS:
// the Destatis Gemeindeverzeichnis extract (ags, bevoelkerung, flaeche_km2;
// pass Date 2019-12-31 for the 2019 file) or the Zensus 2022 table (ags,
// bevoelkerung_zensus2022; date 2022-05-15). Counts must be whole and not
// negative; an AGS may occur once.
//
// An .xlsx path is read as the Destatis Gemeindeverzeichnis
// (ReadGemeindeverzeichnis, Saxon municipalities only; Date is required).
func ReadPopulation(ctx context.Context, path string, opts PopulationOptions) iter.Seq2[layers.PopulationRecord, error] {
	if IsGemeindeverzeichnis(path) {
		return gvPopulation(path, opts.Date)
	}
	return func(yield func(layers.PopulationRecord, error) bool) {
		var (
			agsCol, popCol, areaCol string
			date                    time.Time
			started                 bool
			seen                    = map[string]int{}
		)
		for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg, DecimalComma: opts.DecimalComma}) {
			if err != nil {
				yield(layers.PopulationRecord{}, err)
				return
			}
			if !started {
				started = true
				var ok bool
				if agsCol, ok = pickColumn(row.Header, opts.AGSColumn, "ags", "AGS", "gemeindeschluessel"); !ok {
					yield(layers.PopulationRecord{}, missingColumn(row, opts.AGSColumn, "ags"))
					return
				}
				if popCol, ok = pickColumn(row.Header, opts.PopulationColumn, "bevoelkerung_zensus2022", "bevoelkerung", "einwohner", "population", "EWZ"); !ok {
					yield(layers.PopulationRecord{}, missingColumn(row, opts.PopulationColumn, "bevoelkerung", "einwohner", "population"))
					return
				}
				areaCol, _ = pickColumn(row.Header, opts.AreaColumn, "flaeche_km2", "area_km2", "flaeche_qkm")
				if opts.AreaColumn != "" && areaCol == "" {
					yield(layers.PopulationRecord{}, missingColumn(row, opts.AreaColumn))
					return
				}
				date = opts.Date
				if date.IsZero() {
					if !strings.EqualFold(popCol, "bevoelkerung_zensus2022") {
						yield(layers.PopulationRecord{}, vector.NewRecordError(pkg, vector.Pos{File: row.Pos.File, Line: 1},
							vector.Invalidf("column %q has no known reference date: give the date (e.g. 2019-12-31)", popCol)))
						return
					}
					date = mustDate(zensus2022Date)
				}
			}
			ags := row.Get(agsCol)
			if prev, dup := seen[ags]; dup {
				yield(layers.PopulationRecord{}, row.Errorf(agsCol, ags, "repeats the AGS of line "+strconv.Itoa(prev)))
				return
			}
			seen[ags] = row.Pos.Line
			n, err := row.Int(popCol)
			if err != nil {
				yield(layers.PopulationRecord{}, err)
				return
			}
			rec := layers.PopulationRecord{AGS: ags, Population: n, Date: date}
			if areaCol != "" && row.Get(areaCol) != "" {
				a, err := row.Float(areaCol)
				if err != nil {
					yield(layers.PopulationRecord{}, err)
					return
				}
				if a <= 0 {
					yield(layers.PopulationRecord{}, row.Errorf(areaCol, row.Get(areaCol), "is not a positive area in km²"))
					return
				}
				rec.AreaKm2 = a
			}
			if err := rec.Validate(); err != nil {
				yield(layers.PopulationRecord{}, row.Err(vector.InColumns(err, map[string]string{"ags": agsCol, "population": popCol, "area_km2": areaCol})))
				return
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// gvPopulation yields the population and area of every Saxon municipality
// of a Gemeindeverzeichnis workbook.
func gvPopulation(path string, date time.Time) iter.Seq2[layers.PopulationRecord, error] {
	return func(yield func(layers.PopulationRecord, error) bool) {
		if date.IsZero() {
			yield(layers.PopulationRecord{}, fmt.Errorf("tables: %s: the Gemeindeverzeichnis counts have no date in the table: give the date of the extract (e.g. 2022-12-31): %w", filepath.Base(path), layers.ErrInvalid))
			return
		}
		ms, err := ReadGemeindeverzeichnis(path, GVOptions{Land: saxonyLand})
		if err != nil {
			yield(layers.PopulationRecord{}, err)
			return
		}
		for _, m := range ms {
			if !yield(layers.PopulationRecord{AGS: m.AGS, Population: m.Population, Date: date, AreaKm2: m.AreaKm2}, nil) {
				return
			}
		}
	}
}
