package tables

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"

	"reach/data/vector"
	"reach/geo/crs"
	"reach/layers"
)

// CentralPlaceOptions tune ReadCentralPlaces.
type CentralPlaceOptions struct {
	VectorSource
	// Locate returns the location (EPSG:25833) of the town of a
	// municipality by AGS and the central place's name, and where it comes
	// from (layers.Loc…; TownLocator.Locate). It is used for table rows,
	// which have no geometry; nil or a miss leaves Location zero. Point
	// features keep their own geometry (layers.LocGeometry).
	Locate func(ags, name string) (orb.Point, string, bool)
	// Source is stored in CentralPlace.Source when the file has no source
	// column; "" uses the file name.
	Source string
}

// ReadCentralPlaces streams central places from the Zentrale-Orte CSV
// (ags, name, level, lep2013_type, verbund, kreis_ags, planungsregion,
// source; one place per row) or from a point GeoJSON/GeoPackage (SSOE file:
// SCHLUESSEL, ORTSNAME, level).
//
// ID is the AGS (one row per municipality, also within a Verbund). Members
// lists every municipality of the place's Verbund in file order, or only
// its own AGS. KreisAGS and PlanningRegion follow from the AGS; a kreis_ags
// or planungsregion column that contradicts them is an error. A CSV is read
// whole before the first place is yielded (Verbund members are only known
// at the end).
func ReadCentralPlaces(ctx context.Context, path string, opts CentralPlaceOptions) iter.Seq2[layers.CentralPlace, error] {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		return centralPlacesCSV(ctx, path, opts)
	}
	return centralPlacesVector(ctx, path, opts)
}

func centralPlacesCSV(ctx context.Context, path string, opts CentralPlaceOptions) iter.Seq2[layers.CentralPlace, error] {
	return func(yield func(layers.CentralPlace, error) bool) {
		var (
			out     []layers.CentralPlace
			verbund = map[string][]string{}
			seen    = map[string]int{}
		)
		src := opts.Source
		if src == "" {
			src = filepath.Base(path)
		}
		for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg, Required: []string{"ags", "name", "level"}}) {
			if err != nil {
				yield(layers.CentralPlace{}, err)
				return
			}
			ags := row.Get("ags")
			if !ValidAGS(ags) {
				yield(layers.CentralPlace{}, row.Errorf("ags", ags, "is not an 8-digit AGS"))
				return
			}
			if prev, dup := seen[ags]; dup {
				yield(layers.CentralPlace{}, row.Errorf("ags", ags, fmt.Sprintf("repeats the place of line %d", prev)))
				return
			}
			seen[ags] = row.Pos.Line
			lv, ok := layers.ParseLevel(row.Get("level"))
			if !ok {
				yield(layers.CentralPlace{}, row.Errorf("level", row.Get("level"), "is not Oberzentrum, Mittelzentrum or Grundzentrum"))
				return
			}
			cp := layers.CentralPlace{
				ID: ags, Name: row.Get("name"), Level: lv, LEPType: row.Get("lep2013_type"),
				Verbund: row.Get("verbund"), AGS: ags, KreisAGS: ags[:5], PlanningRegion: PlanningRegion(ags), Source: src,
			}
			if k := row.Get("kreis_ags"); k != "" && k != cp.KreisAGS {
				yield(layers.CentralPlace{}, row.Errorf("kreis_ags", k, "contradicts the AGS "+ags))
				return
			}
			if r := row.Get("planungsregion"); r != "" && cp.PlanningRegion != "" && r != cp.PlanningRegion {
				yield(layers.CentralPlace{}, row.Errorf("planungsregion", r, fmt.Sprintf("contradicts Kreis %s (%s)", cp.KreisAGS, cp.PlanningRegion)))
				return
			} else if cp.PlanningRegion == "" {
				cp.PlanningRegion = r
			}
			if s := row.Get("source"); s != "" {
				cp.Source = s
			}
			if opts.Locate != nil {
				if p, src, ok := opts.Locate(ags, cp.Name); ok {
					cp.Location, cp.LocationSource = p, src
				}
			}
			if err := cp.Validate(); err != nil {
				yield(layers.CentralPlace{}, row.Err(vector.InColumns(err, map[string]string{"lep_type": "lep2013_type", "planning_region": "planungsregion"})))
				return
			}
			if cp.Verbund != "" {
				verbund[cp.Verbund] = append(verbund[cp.Verbund], ags)
			}
			out = append(out, cp)
		}
		for _, cp := range out {
			if cp.Verbund != "" {
				cp.Members = append([]string(nil), verbund[cp.Verbund]...)
			} else {
				cp.Members = []string{cp.AGS}
			}
			if !yield(cp, nil) {
				return
			}
		}
	}
}

func centralPlacesVector(ctx context.Context, path string, opts CentralPlaceOptions) iter.Seq2[layers.CentralPlace, error] {
	return func(yield func(layers.CentralPlace, error) bool) {
		src := opts.Source
		if src == "" {
			src = filepath.Base(path)
		}
		seen := map[string]int{}
		for f, err := range vector.Read(ctx, path, opts.Options()) {
			if err != nil {
				yield(layers.CentralPlace{}, err)
				return
			}
			p := newProps(f)
			agsField, ok := p.find("ags", "SCHLUESSEL", "AGS")
			if !ok {
				yield(layers.CentralPlace{}, f.Err(vector.Invalidf("no AGS property (looked for ags, SCHLUESSEL)")))
				return
			}
			ags, err := agsOf(p, agsField)
			if err != nil {
				yield(layers.CentralPlace{}, err)
				return
			}
			if prev, dup := seen[ags]; dup {
				yield(layers.CentralPlace{}, f.Errorf(agsField, ags, fmt.Sprintf("repeats the place of feature %d", prev)))
				return
			}
			seen[ags] = f.Pos.Index
			levelField, _ := p.find("level", "Oberzentren_Inkar_Aggregat", "zentralero")
			lv, ok := layers.ParseLevel(p.text(levelField))
			if !ok {
				yield(layers.CentralPlace{}, f.Errorf(levelField, p.text(levelField), "is not Oberzentrum, Mittelzentrum or Grundzentrum"))
				return
			}
			nameField, _ := p.find("name", "ORTSNAME", "GEN", "geog_name")
			cp := layers.CentralPlace{
				ID: ags, Name: p.text(nameField), Level: lv, AGS: ags, KreisAGS: ags[:5],
				PlanningRegion: PlanningRegion(ags), Members: []string{ags}, Source: src,
			}
			if vf, ok := p.find("verbund"); ok {
				cp.Verbund = p.text(vf)
			}
			if lf, ok := p.find("lep2013_type", "lep_type"); ok {
				cp.LEPType = p.text(lf)
			}
			switch g := f.Geometry.(type) {
			case orb.Point:
				cp.Location, cp.LocationSource = g, layers.LocGeometry
			case nil:
				if opts.Locate != nil {
					if pt, src, ok := opts.Locate(ags, cp.Name); ok {
						cp.Location, cp.LocationSource = pt, src
					}
				}
			default:
				yield(layers.CentralPlace{}, f.Errorf("geometry", g.GeoJSONType(), "is not a Point"))
				return
			}
			if err := cp.Validate(); err != nil {
				yield(layers.CentralPlace{}, f.Err(vector.InColumns(err, map[string]string{"ags": agsField, "level": levelField, "name": nameField})))
				return
			}
			if !yield(cp, nil) {
				return
			}
		}
	}
}

// ReadLocations reads the representative point of every municipality from
// a CSV table with ags, lon and lat columns (the GV table; WGS84 degrees)
// and returns them in EPSG:25833 by AGS. Positions must lie in Saxony
// (crs.SaxonyLonLat); swapped columns are reported as such.
//
// An .xlsx path is read as the Destatis Gemeindeverzeichnis
// (ReadGemeindeverzeichnis): the Längengrad/Breitengrad of every Saxon
// municipality that has them.
func ReadLocations(ctx context.Context, path string) (map[string]orb.Point, error) {
	seats, err := ReadSeats(ctx, path, "")
	out := make(map[string]orb.Point, len(seats))
	for ags, st := range seats {
		out[ags] = st.Location
	}
	return out, err
}

// lonLatPoint reads a CRS84 position from two columns, checks it and
// returns it in EPSG:25833.
func lonLatPoint(row vector.Row, lonCol, latCol string, region orb.Bound) (orb.Point, error) {
	lon, err := row.Float(lonCol)
	if err != nil {
		return orb.Point{}, err
	}
	lat, err := row.Float(latCol)
	if err != nil {
		return orb.Point{}, err
	}
	ll := orb.Point{lon, lat}
	if err := vector.CheckPosition(ll, crs.CRS84, region); err != nil {
		var fe *vector.FieldError
		if ok := asFieldError(err, &fe); ok {
			return orb.Point{}, row.Errorf(lonCol+","+latCol, fe.Value, fe.Reason)
		}
		return orb.Point{}, row.Err(err)
	}
	return crs.FromLonLat(crs.UTM33N, ll)
}

// saxonyLand is the Land part of every Saxon AGS.
const saxonyLand = "14"

// gvSeats returns the point (EPSG:25833) and name of every Saxon
// municipality of a Gemeindeverzeichnis workbook that has coordinates.
func gvSeats(path string) (map[string]Seat, error) {
	ms, err := ReadGemeindeverzeichnis(path, GVOptions{Land: saxonyLand})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Seat, len(ms))
	for _, m := range ms {
		if !m.HasLocation {
			continue
		}
		if err := vector.CheckPosition(m.Location, crs.CRS84, crs.SaxonyLonLat); err != nil {
			return nil, fmt.Errorf("tables: %s: row %d (%s %s): Längengrad, Breitengrad: %w", filepath.Base(path), m.Line, m.AGS, m.Name, err)
		}
		p, err := crs.FromLonLat(crs.UTM33N, m.Location)
		if err != nil {
			return nil, err
		}
		out[m.AGS] = Seat{Name: m.Name, Location: p, Source: "Längengrad/Breitengrad of the municipality in the Destatis Gemeindeverzeichnis " + filepath.Base(path)}
	}
	return out, nil
}
