package vector

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/geo/crs"
)

// Options tune the feature readers. The zero value reads CRS84 unless the
// file names its CRS and returns EPSG:25833 geometries.
type Options struct {
	// Pkg is the package name that prefixes errors; "" means "vector".
	Pkg string
	// CRS overrides the CRS of the coordinates in the source; 0 means: as
	// the file says, else CRS84.
	CRS crs.Code
	// Target is the CRS of the returned geometries; 0 means EPSG:25833.
	Target crs.Code
	// Region, when not the zero Bound, is a CRS84 box (for Saxon data
	// crs.SaxonyLonLat) that every position must lie in once transformed to
	// longitude, latitude. Positions that fall in it only with x and y
	// swapped are reported as swapped axes.
	Region orb.Bound
	// Layer names the GeoPackage table to read; "" means the only feature
	// table (an error when there are several).
	Layer string
}

func (o Options) target() crs.Code {
	if o.Target == 0 {
		return crs.UTM33N
	}
	return o.Target
}

// Feature is one feature of a vector source.
type Feature struct {
	Pos Pos
	// ID is the feature id as text ("" when the source has none); numeric
	// ids are written without exponent.
	ID string
	// Geometry is in the Target CRS of the options; nil when the feature
	// has none.
	Geometry orb.Geometry
	// Properties holds the attributes. Values are nil, bool, int64 (whole
	// numbers that fit), float64, string, []any or map[string]any.
	Properties map[string]any
	// SourceCRS is the CRS the coordinates were read in.
	SourceCRS crs.Code
	pkg       string
}

// Errorf returns a *RecordError at this feature for field and value.
func (f Feature) Errorf(field, value, reason string) error {
	return FieldErr(pkgOr(f.pkg), f.Pos, field, value, reason)
}

// Err returns err as a *RecordError at this feature.
func (f Feature) Err(err error) error { return NewRecordError(pkgOr(f.pkg), f.Pos, err) }

// Has reports whether the property exists (even when null).
func (f Feature) Has(name string) bool {
	_, ok := f.Properties[name]
	return ok
}

// String returns the property as text: strings as they are, numbers in
// their shortest form, booleans as "true"/"false"; "" for null, missing or
// nested values. ok is false when the property is missing or null.
func (f Feature) String(name string) (string, bool) {
	v, ok := f.Properties[name]
	if !ok || v == nil {
		return "", false
	}
	return Text(v), true
}

// Text formats a property value as String does.
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// Float returns a numeric property. A numeric string is read in English
// notation, or German when decimalComma is set. ok is false when the
// property is missing or null; err is a *RecordError when it is present but
// not a number.
func (f Feature) Float(name string, decimalComma bool) (v float64, ok bool, err error) {
	raw, present := f.Properties[name]
	if !present || raw == nil {
		return 0, false, nil
	}
	switch x := raw.(type) {
	case int64:
		return float64(x), true, nil
	case float64:
		return x, true, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, false, nil
		}
		v, reason, good := ParseFloat(x, decimalComma)
		if !good {
			return 0, true, f.Errorf(name, x, reason)
		}
		return v, true, nil
	}
	return 0, true, f.Errorf(name, Text(raw), "is not a number")
}

// Int returns a whole-number property (see Float).
func (f Feature) Int(name string) (int64, bool, error) {
	v, ok, err := f.Float(name, false)
	if !ok || err != nil {
		return 0, ok, err
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		s, _ := f.String(name)
		return 0, true, f.Errorf(name, s, "is not a whole number")
	}
	return int64(v), true, nil
}

// Tags returns the string-valued properties as a map, as OSM tags.
func (f Feature) Tags() map[string]string {
	out := make(map[string]string, len(f.Properties))
	for k, v := range f.Properties {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
