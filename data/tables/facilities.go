package tables

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"reach/data/osm"
	"reach/data/vector"
	"reach/layers"
)

// Mapping maps source types (e.g. the schools' type_guess) to service
// categories. Keys are matched case-insensitively after trimming.
type Mapping map[string]layers.Category

// ParseMapping reads a mapping written as "type=category" pairs separated
// by commas, e.g. "Grundschule=primary_school,Gymnasium=gymnasium". Every
// category must be in the catalogue (layers.Categories).
func ParseMapping(s string) (Mapping, error) {
	m := Mapping{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("tables: mapping %q: want type=category", part)
		}
		c := layers.Category(v)
		if !c.Valid() {
			return nil, fmt.Errorf("tables: mapping %q: category %q is not in the catalogue: %w", part, v, layers.ErrInvalid)
		}
		m[strings.ToLower(k)] = c
	}
	return m, nil
}

// Lookup returns the category of a source type.
func (m Mapping) Lookup(t string) (layers.Category, bool) {
	c, ok := m[strings.ToLower(strings.TrimSpace(t))]
	return c, ok
}

// SchoolMapping is the default mapping of the Schuldatenbank type_guess:
//
//	Grundschule          → primary_school
//	Oberschule           → secondary_school
//	Gemeinschaftsschule  → secondary_school (grades 1–10/12; counted where
//	                       secondary schools are scarce, their primary
//	                       stage is not counted as a Grundschule)
//	Gymnasium            → gymnasium
//	Freie Waldorfschule  → secondary_school (grades 1–12/13 outside the
//	                       Grundschulbezirke: not counted as a primary
//	                       school so that primary coverage is not
//	                       overstated; it offers the secondary degrees)
//
// Schools with an empty or "unknown" type are mapped by words in their name
// (Grundschule / Primary School, Oberschule, Gymnasium) or skipped; a type
// that the mapping does not name is skipped (so a mapping can select types).
func SchoolMapping() Mapping {
	return Mapping{
		"grundschule":         layers.CatPrimarySchool,
		"oberschule":          layers.CatSecondarySchool,
		"gemeinschaftsschule": layers.CatSecondarySchool,
		"gymnasium":           layers.CatGymnasium,
		"freie waldorfschule": layers.CatSecondarySchool,
		"waldorf":             layers.CatSecondarySchool,
	}
}

// FacilityOptions tune ReadFacilities.
type FacilityOptions struct {
	VectorSource
	// Source is the source key: the prefix of Facility.ID and of
	// Facility.Source before ":" (what Loader.ReplaceFacilities replaces).
	// "" uses "school", "hospital" or "osm" for the known formats, else the
	// file name without extension.
	Source string
	// Category is a fixed category for every record (generic files).
	Category layers.Category
	// TypeField names the column or property holding the source type;
	// "" detects type_guess, category, type, art.
	TypeField string
	// Mapping maps source types to categories; nil uses SchoolMapping for
	// the schools file. A type that is already a catalogue category maps to
	// itself.
	Mapping Mapping
	// OSMCategory maps the OSM tags of a POI to a category; nil uses
	// osm.CategoryFor, the rules of the OSM importer.
	OSMCategory func(tags map[string]string) (layers.Category, bool)
	// OnSkip is called for every record that is skipped because no category
	// fits; nil ignores them. It is not called concurrently.
	OnSkip func(pos vector.Pos, reason string)
	// IDField, NameField, LonColumn, LatColumn name the columns of generic
	// files; "" detects id / name, bezeichnung / lon, longitude, lng / lat,
	// latitude.
	IDField, NameField, LonColumn, LatColumn string
	// DecimalComma reads CSV numbers in German notation.
	DecimalComma bool
}

// ReadFacilities streams facilities from
//
//   - the schools GeoJSON (school_id, building_no, name, type_guess, ags):
//     ID "school:<school_id>-<building_no>", category by Mapping
//     (default SchoolMapping); the export repeats a few building numbers
//     for distinct sites, and the k-th repeat (k ≥ 2, in file order) gets
//     the ID "school:<school_id>-<building_no>.<k>";
//   - the hospitals CSV (id, hospital_name, site_name, lat, lon): category
//     hospital, ID "hospital:<id>";
//   - OSM POI GeoJSON (osm_type, osm_id and the tags as properties):
//     category by OSMCategory (default osm.CategoryFor), ID
//     "osm:<osm_type>/<osm_id>"; a repeated OSM object is skipped;
//   - a generic CSV with lon/lat columns or a generic GeoJSON/GeoPackage of
//     points, with a fixed Category or a type column mapped by Mapping.
//
// Records that no category fits are skipped and reported to OnSkip.
// Facility.Source is "<source key>:<file name>". Locations are EPSG:25833;
// non-point geometries are an error.
func ReadFacilities(ctx context.Context, path string, opts FacilityOptions) iter.Seq2[layers.Facility, error] {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		return facilitiesCSV(ctx, path, opts)
	}
	return facilitiesVector(ctx, path, opts)
}

func (o FacilityOptions) skip(pos vector.Pos, reason string) {
	if o.OnSkip != nil {
		o.OnSkip(pos, reason)
	}
}

// categoryOf maps a source type with the mapping, or as a catalogue name.
func categoryOf(m Mapping, t string) (layers.Category, bool) {
	if c, ok := m.Lookup(t); ok {
		return c, true
	}
	c := layers.Category(strings.ToLower(strings.TrimSpace(t)))
	return c, c.Valid()
}

// schoolByName maps a school by words in its name; ok is false when no word fits.
func schoolByName(name string) (layers.Category, bool) {
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, "grundschule") || strings.Contains(l, "primary school"):
		return layers.CatPrimarySchool, true
	case strings.Contains(l, "gymnasium"):
		return layers.CatGymnasium, true
	case strings.Contains(l, "oberschule"):
		return layers.CatSecondarySchool, true
	}
	return "", false
}

func facilitiesVector(ctx context.Context, path string, opts FacilityOptions) iter.Seq2[layers.Facility, error] {
	return func(yield func(layers.Facility, error) bool) {
		file := filepath.Base(path)
		seen := map[string]int{}
		repeats := map[string]int{}
		format := ""
		for f, err := range vector.Read(ctx, path, opts.Options()) {
			if err != nil {
				yield(layers.Facility{}, err)
				return
			}
			p := newProps(f)
			if format == "" {
				switch {
				case f.Has("school_id") && f.Has("building_no"):
					format = "school"
				case f.Has("osm_type") && f.Has("osm_id"):
					format = "osm"
				default:
					format = "generic"
				}
			}
			fac, ok, err := facilityFromFeature(format, f, p, file, opts)
			if err != nil {
				yield(layers.Facility{}, err)
				return
			}
			if !ok {
				continue
			}
			if prev, dup := seen[fac.ID]; dup && format == "osm" {
				// One OSM object, listed twice by the extract: keep the first.
				opts.skip(f.Pos, fmt.Sprintf("%s repeats feature %d", fac.ID, prev))
				continue
			}
			if prev, dup := seen[fac.ID]; dup {
				if format != "school" {
					yield(layers.Facility{}, f.Err(vector.Invalidf("facility id %q repeats feature %d", fac.ID, prev)))
					return
				}
				// The Schuldatenbank export repeats a building number for
				// distinct sites (4153-1, 2490-1): number the repeats.
				repeats[fac.ID]++
				fac.ID = fmt.Sprintf("%s.%d", fac.ID, repeats[fac.ID]+1)
				if _, again := seen[fac.ID]; again {
					yield(layers.Facility{}, f.Err(vector.Invalidf("facility id %q repeats feature %d", fac.ID, prev)))
					return
				}
			}
			seen[fac.ID] = f.Pos.Index
			if err := fac.Validate(); err != nil {
				yield(layers.Facility{}, f.Err(err))
				return
			}
			if !yield(fac, nil) {
				return
			}
		}
	}
}

func facilityFromFeature(format string, f vector.Feature, p props, file string, opts FacilityOptions) (layers.Facility, bool, error) {
	var fac layers.Facility
	pt, ok := f.Geometry.(orb.Point)
	if !ok {
		if f.Geometry == nil {
			return fac, false, f.Errorf("geometry", "null", "is missing (a facility needs a point)")
		}
		return fac, false, f.Errorf("geometry", f.Geometry.GeoJSONType(), "is not a Point")
	}
	fac.Location = pt
	key := opts.Source
	switch format {
	case "school":
		if key == "" {
			key = "school"
		}
		sid, _, err := f.Int("school_id")
		if err != nil {
			return fac, false, err
		}
		bno, _, err := f.Int("building_no")
		if err != nil {
			return fac, false, err
		}
		fac.ID = fmt.Sprintf("%s:%d-%d", key, sid, bno)
		fac.Name = p.text("name")
		m := opts.Mapping
		if m == nil {
			m = SchoolMapping()
		}
		tf := opts.TypeField
		if tf == "" {
			tf = "type_guess"
		}
		t := p.text(tf)
		c, ok := categoryOf(m, t)
		if !ok && opts.Category != "" {
			c, ok = opts.Category, true
		}
		if !ok && (t == "" || strings.EqualFold(t, "unknown")) {
			c, ok = schoolByName(fac.Name)
		}
		if !ok {
			opts.skip(f.Pos, fmt.Sprintf("school %q: type %q maps to no category", fac.Name, t))
			return fac, false, nil
		}
		fac.Category = c
	case "osm":
		if key == "" {
			key = "osm"
		}
		fac.ID = fmt.Sprintf("%s:%s/%s", key, p.text("osm_type"), p.text("osm_id"))
		fac.Name = p.text("name")
		c, ok := layers.Category(""), false
		switch {
		case opts.Category != "":
			c, ok = opts.Category, true
		case opts.OSMCategory != nil:
			c, ok = opts.OSMCategory(f.Tags())
		default:
			c, ok = osm.CategoryFor(f.Tags())
		}
		if !ok {
			opts.skip(f.Pos, fmt.Sprintf("OSM %s: tags map to no category", strings.TrimPrefix(fac.ID, key+":")))
			return fac, false, nil
		}
		fac.Category = c
	default:
		if key == "" {
			key = strings.TrimSuffix(file, filepath.Ext(file))
		}
		idf, _ := p.find(nonEmpty(opts.IDField, "id"), "fid")
		id := p.text(idf)
		if id == "" {
			id = f.ID
		}
		if id == "" {
			id = fmt.Sprint(f.Pos.Index)
		}
		fac.ID = key + ":" + id
		nf, _ := p.find(nonEmpty(opts.NameField, "name"), "bezeichnung")
		fac.Name = p.text(nf)
		c, ok, err := genericCategory(opts, func(names ...string) (string, string, bool) {
			k, found := p.find(names...)
			return k, p.text(k), found
		})
		if err != nil {
			return fac, false, f.Err(err)
		}
		if !ok {
			opts.skip(f.Pos, fmt.Sprintf("feature %q maps to no category", fac.ID))
			return fac, false, nil
		}
		fac.Category = c
	}
	if af, ok := p.find("ags", "AGS", "community_key"); ok {
		switch a := strings.TrimSpace(p.text(af)); {
		case ValidAGS(a):
			fac.AGS = a
		case a != "":
			// A name or any other text where the key belongs: columns swapped
			// or shifted, refused rather than stored without its municipality.
			return fac, false, f.Errorf(af, a, "is not an AGS (8 digits)")
		}
	}
	if ValidAGS(strings.TrimSpace(fac.Name)) {
		return fac, false, f.Errorf("name", fac.Name, "is an AGS where the facility's name belongs (columns swapped?)")
	}
	if cf, ok := p.find("capacity", "cap_beds"); ok {
		if v, ok, err := f.Float(cf, opts.DecimalComma); err != nil {
			return fac, false, err
		} else if ok {
			fac.Capacity = &v
		}
	}
	if hf, ok := p.find("opening_hours"); ok {
		v := strings.TrimSpace(p.text(hf))
		if _, err := layers.ParseOpeningHours(v); err != nil {
			return fac, false, f.Errorf(hf, v, err.Error())
		}
		fac.OpeningHours = v
	}
	fac.Source = key + ":" + file
	return fac, true, nil
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// genericCategory picks the category of a generic record: the fixed one,
// else the type column through the mapping (or as a catalogue name).
func genericCategory(opts FacilityOptions, find func(names ...string) (col, val string, ok bool)) (layers.Category, bool, error) {
	if opts.Category != "" {
		if !opts.Category.Valid() {
			return "", false, vector.Invalidf("category %q is not in the catalogue", opts.Category)
		}
		return opts.Category, true, nil
	}
	names := []string{"type_guess", "category", "type", "art"}
	if opts.TypeField != "" {
		names = []string{opts.TypeField}
	}
	_, val, ok := find(names...)
	if !ok {
		return "", false, vector.Invalidf("no category: give a fixed category or a type column (looked for %s)", strings.Join(names, ", "))
	}
	c, ok := categoryOf(opts.Mapping, val)
	return c, ok, nil
}

func facilitiesCSV(ctx context.Context, path string, opts FacilityOptions) iter.Seq2[layers.Facility, error] {
	return func(yield func(layers.Facility, error) bool) {
		file := filepath.Base(path)
		seen := map[string]int{}
		var lonCol, latCol, idCol, nameCol, key string
		hospital := false
		started := false
		reg := region(opts.VectorSource)
		for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg, DecimalComma: opts.DecimalComma}) {
			if err != nil {
				yield(layers.Facility{}, err)
				return
			}
			if !started {
				started = true
				var ok bool
				if lonCol, ok = pickColumn(row.Header, opts.LonColumn, "lon", "longitude", "lng"); !ok {
					yield(layers.Facility{}, missingColumn(row, opts.LonColumn, "lon", "longitude"))
					return
				}
				if latCol, ok = pickColumn(row.Header, opts.LatColumn, "lat", "latitude"); !ok {
					yield(layers.Facility{}, missingColumn(row, opts.LatColumn, "lat", "latitude"))
					return
				}
				hospital = row.Header.Has("hospital_name") && opts.Category == "" && opts.TypeField == ""
				idCol, _ = pickColumn(row.Header, opts.IDField, "id")
				nameCol, _ = pickColumn(row.Header, opts.NameField, "site_name", "name", "hospital_name", "bezeichnung")
				key = opts.Source
				if key == "" {
					key = strings.TrimSuffix(file, filepath.Ext(file))
					if hospital {
						key = "hospital"
					}
				}
			}
			pt, err := lonLatPoint(row, lonCol, latCol, reg)
			if err != nil {
				yield(layers.Facility{}, err)
				return
			}
			fac := layers.Facility{Location: pt, Source: key + ":" + file}
			id := row.Get(idCol)
			if id == "" {
				id = fmt.Sprint(row.Pos.Line)
			}
			fac.ID = key + ":" + id
			fac.Name = row.Get(nameCol)
			if fac.Name == "" && hospital {
				fac.Name = row.Get("hospital_name")
			}
			if hospital {
				fac.Category = layers.CatHospital
			} else {
				c, ok, err := genericCategory(opts, func(names ...string) (string, string, bool) {
					col, found := row.Header.First(names...)
					return col, row.Get(col), found
				})
				if err != nil {
					yield(layers.Facility{}, vector.NewRecordError(pkg, vector.Pos{File: file, Line: 1}, err))
					return
				}
				if !ok {
					opts.skip(row.Pos, fmt.Sprintf("record %q maps to no category", fac.ID))
					continue
				}
				fac.Category = c
			}
			if a := row.Get("ags"); ValidAGS(a) {
				fac.AGS = a
			}
			if col, ok := row.Header.First("capacity", "cap_beds"); ok {
				v, err := row.OptFloat(col)
				if err != nil {
					yield(layers.Facility{}, err)
					return
				}
				fac.Capacity = v
			}
			cols := map[string]string{"id": idCol, "name": nameCol}
			if col, ok := row.Header.First("capacity", "cap_beds"); ok {
				cols["capacity"] = col
			}
			if col, ok := row.Header.First("opening_hours"); ok {
				fac.OpeningHours = strings.TrimSpace(row.Get(col))
				cols["opening_hours"] = col
			}
			if prev, dup := seen[fac.ID]; dup {
				yield(layers.Facility{}, row.Errorf(nonEmpty(idCol, "id"), id, fmt.Sprintf("repeats the facility of line %d", prev)))
				return
			}
			seen[fac.ID] = row.Pos.Line
			if err := fac.Validate(); err != nil {
				yield(layers.Facility{}, row.Err(vector.InColumns(err, cols)))
				return
			}
			if !yield(fac, nil) {
				return
			}
		}
	}
}

// String writes the mapping in the form ParseMapping reads, keys sorted.
func (m Mapping) String() string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + string(m[k])
	}
	return strings.Join(parts, ",")
}
