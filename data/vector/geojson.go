package vector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"reach/geo/crs"
)

// Read streams the features of a GeoJSON (.geojson, .json) or GeoPackage
// (.gpkg) file, chosen by the extension.
func Read(ctx context.Context, path string, opts Options) iter.Seq2[Feature, error] {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".gpkg":
		return ReadGeoPackage(ctx, path, opts)
	case ".geojson", ".json":
		return ReadGeoJSON(ctx, path, opts)
	}
	return func(yield func(Feature, error) bool) {
		yield(Feature{}, NewRecordError(pkgOr(opts.Pkg), FilePos(filepath.Base(path)),
			Invalidf("unknown vector format %q (want .geojson, .json or .gpkg)", filepath.Ext(path))))
	}
}

// ReadGeoJSON streams the features of the GeoJSON file at path.
func ReadGeoJSON(ctx context.Context, path string, opts Options) iter.Seq2[Feature, error] {
	return FromFile(path, pkgOr(opts.Pkg), func(r io.Reader, name string) iter.Seq2[Feature, error] {
		return DecodeGeoJSON(ctx, r, name, opts)
	})
}

// rawFeature is one member of "features" before its parts are decoded.
type rawFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// legacyCRS is the "crs" member of GeoJSON 2008.
type legacyCRS struct {
	Type       string `json:"type"`
	Properties struct {
		Name string          `json:"name"`
		Code json.RawMessage `json:"code"`
	} `json:"properties"`
}

// DecodeGeoJSON streams the features of GeoJSON read from r: a
// FeatureCollection is decoded one feature at a time, so its size is not
// bounded by memory; a single Feature object gives one feature. name is used
// in errors. A legacy "crs" member must come before "features" unless
// Options.CRS is set.
func DecodeGeoJSON(ctx context.Context, r io.Reader, name string, opts Options) iter.Seq2[Feature, error] {
	pkg := pkgOr(opts.Pkg)
	return func(yield func(Feature, error) bool) {
		filePos := FilePos(name)
		fail := func(err error) { yield(Feature{}, NewRecordError(pkg, filePos, err)) }
		// JSON is UTF-8; a Latin-1 export is decoded, never stored with U+FFFD.
		dec := json.NewDecoder(bufio.NewReaderSize(NewTextReader(r), 64<<10))
		dec.UseNumber()
		if err := expectDelim(dec, '{'); err != nil {
			fail(err)
			return
		}
		var (
			typ          string
			fileCRS      crs.Code
			featuresRead bool
			single       = map[string]json.RawMessage{}
		)
		source := func() crs.Code {
			switch {
			case opts.CRS != 0:
				return opts.CRS
			case fileCRS != 0:
				return fileCRS
			}
			return crs.CRS84
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				fail(jsonErr(dec, err))
				return
			}
			key, _ := tok.(string)
			switch key {
			case "type":
				if err := dec.Decode(&typ); err != nil {
					fail(Invalidf("member \"type\" is not a string"))
					return
				}
				if typ != "FeatureCollection" && typ != "Feature" {
					fail(&FieldError{Field: "type", Value: typ, Reason: "is not FeatureCollection or Feature"})
					return
				}
			case "crs":
				var lc legacyCRS
				if err := dec.Decode(&lc); err != nil {
					fail(Invalidf("member \"crs\": %v", err))
					return
				}
				c, err := parseLegacyCRS(lc)
				if err != nil {
					fail(err)
					return
				}
				if featuresRead && opts.CRS == 0 && c != crs.CRS84 {
					fail(Invalidf("member \"crs\" (%v) comes after \"features\"; move it first or name the CRS in the options", c))
					return
				}
				fileCRS = c
			case "features":
				if typ == "Feature" {
					fail(Invalidf("a Feature must not have \"features\""))
					return
				}
				if err := expectDelim(dec, '['); err != nil {
					fail(err)
					return
				}
				src := source()
				for i := 0; dec.More(); i++ {
					if i%256 == 0 {
						if err := ctx.Err(); err != nil {
							yield(Feature{}, fmt.Errorf("%s: %s: %w", pkg, name, err))
							return
						}
					}
					pos := Pos{File: name, Index: i}
					var raw rawFeature
					if err := dec.Decode(&raw); err != nil {
						yield(Feature{}, NewRecordError(pkg, pos, jsonErr(dec, err)))
						return
					}
					f, err := buildFeature(raw, pos, src, opts)
					if !yield(f, err) || err != nil {
						return
					}
				}
				if err := expectDelim(dec, ']'); err != nil {
					fail(err)
					return
				}
				featuresRead = true
			default:
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					fail(jsonErr(dec, err))
					return
				}
				switch key {
				case "id", "geometry", "properties":
					single[key] = raw
				}
			}
		}
		if err := expectDelim(dec, '}'); err != nil {
			fail(err)
			return
		}
		switch typ {
		case "Feature":
			raw := rawFeature{Type: typ, ID: single["id"], Geometry: single["geometry"], Properties: single["properties"]}
			f, err := buildFeature(raw, Pos{File: name, Index: 0}, source(), opts)
			yield(f, err)
		case "FeatureCollection":
			if !featuresRead {
				fail(Invalidf("FeatureCollection without \"features\""))
			}
		default:
			fail(Invalidf("member \"type\" is missing"))
		}
	}
}

// ParseFeature decodes one GeoJSON Feature object, for example a request
// body. Its position is feature 0 of name.
func ParseFeature(data []byte, name string, opts Options) (Feature, error) {
	var out Feature
	n := 0
	for f, err := range DecodeGeoJSON(context.Background(), bytes.NewReader(data), name, opts) {
		if err != nil {
			return Feature{}, err
		}
		out = f
		n++
	}
	if n != 1 {
		return Feature{}, NewRecordError(pkgOr(opts.Pkg), FilePos(name), Invalidf("want one Feature, got %d features", n))
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonErr(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return Invalidf("malformed GeoJSON at byte %d: want %q, found %v", dec.InputOffset(), string(want), tok)
	}
	return nil
}

func jsonErr(dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return Invalidf("malformed GeoJSON: unexpected end of file")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return Invalidf("malformed GeoJSON at byte %d: %v", se.Offset, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return Invalidf("malformed GeoJSON at byte %d: %q is a %s, want %v", te.Offset, te.Field, te.Value, te.Type)
	}
	return Invalidf("malformed GeoJSON near byte %d: %v", dec.InputOffset(), err)
}

// parseLegacyCRS reads the GeoJSON 2008 "crs" member. EPSG:4326 is taken in
// longitude, latitude order (CRS84), as GeoJSON files are written.
func parseLegacyCRS(lc legacyCRS) (crs.Code, error) {
	var s string
	switch strings.ToLower(lc.Type) {
	case "name":
		s = lc.Properties.Name
	case "epsg":
		s = "EPSG:" + strings.Trim(string(lc.Properties.Code), `"`)
	default:
		return 0, &FieldError{Field: "crs.type", Value: lc.Type, Reason: "is not a supported kind of crs member (want \"name\")"}
	}
	c, err := crs.Parse(s)
	if err != nil {
		return 0, &FieldError{Field: "crs", Value: s, Reason: "is not a supported CRS (supported: " + crs.ReadableNames + ")"}
	}
	if c == crs.EPSG4326 {
		c = crs.CRS84
	}
	return c, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// buildFeature decodes the parts of a raw feature, checks its positions and
// transforms its geometry to the target CRS.
func buildFeature(raw rawFeature, pos Pos, src crs.Code, opts Options) (Feature, error) {
	pkg := pkgOr(opts.Pkg)
	f := Feature{Pos: pos, SourceCRS: src, pkg: opts.Pkg}
	if raw.Type != "Feature" {
		return Feature{}, FieldErr(pkg, pos, "type", raw.Type, "is not \"Feature\"")
	}
	if !isNull(raw.ID) {
		id, err := decodeID(raw.ID)
		if err != nil {
			return Feature{}, FieldErr(pkg, pos, "id", string(raw.ID), "is not a string or number")
		}
		f.ID = id
	}
	f.Properties = map[string]any{}
	if !isNull(raw.Properties) {
		d := json.NewDecoder(bytes.NewReader(raw.Properties))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			return Feature{}, FieldErr(pkg, pos, "properties", clip(string(raw.Properties)), "is not a JSON object")
		}
		for k, v := range m {
			f.Properties[k] = normalise(v)
		}
	}
	// A geometry that fails leaves the feature with its id and properties
	// next to the error (FeatureOfMembers reports both).
	if !isNull(raw.Geometry) {
		g, err := geojson.UnmarshalGeometry(raw.Geometry)
		if err != nil {
			return f, FieldErr(pkg, pos, "geometry", clip(string(raw.Geometry)), "is not a GeoJSON geometry: "+err.Error())
		}
		geom := g.Geometry()
		if geom == nil {
			return f, FieldErr(pkg, pos, "geometry", clip(string(raw.Geometry)), "is not a GeoJSON geometry")
		}
		out, err := checkAndProject(geom, src, opts)
		if err != nil {
			return f, NewRecordError(pkg, pos, err)
		}
		f.Geometry = out
	}
	return f, nil
}

// FeatureOfMembers builds the Feature of one GeoJSON Feature object whose
// members were split already (a request body decoded once into its
// members): "type" must be "Feature", a legacy "crs" member names the
// source CRS unless the options do, positions are checked and projected as
// by ParseFeature. When only the geometry fails, the feature returned next
// to the error still carries its id and properties (Geometry nil), so that
// a caller can report the errors of both at once. Other members are left
// to the caller.
func FeatureOfMembers(members map[string]json.RawMessage, name string, opts Options) (Feature, error) {
	pkg := pkgOr(opts.Pkg)
	pos := Pos{File: name, Index: 0}
	var typ string
	if json.Unmarshal(members["type"], &typ) != nil {
		typ = clip(string(members["type"]))
	}
	src := opts.CRS
	if raw, ok := members["crs"]; ok && src == 0 && !isNull(raw) {
		var lc legacyCRS
		if err := json.Unmarshal(raw, &lc); err != nil {
			return Feature{}, NewRecordError(pkg, pos, Invalidf("member \"crs\": %v", err))
		}
		c, err := parseLegacyCRS(lc)
		if err != nil {
			return Feature{}, NewRecordError(pkg, pos, err)
		}
		src = c
	}
	if src == 0 {
		src = crs.CRS84
	}
	raw := rawFeature{Type: typ, ID: members["id"], Geometry: members["geometry"], Properties: members["properties"]}
	return buildFeature(raw, pos, src, opts)
}

// checkAndProject checks every position of g (in CRS src) and returns g in
// the target CRS.
func checkAndProject(g orb.Geometry, src crs.Code, opts Options) (orb.Geometry, error) {
	if !src.Valid() {
		return nil, &FieldError{Field: "crs", Value: src.String(), Reason: "is not a supported CRS"}
	}
	if src == crs.EPSG4326 {
		// Callers that say EPSG:4326 for a file mean lon/lat order.
		src = crs.CRS84
	}
	err := eachPoint(g, func(p orb.Point) error { return checkPoint(p, src, opts.Region) })
	if err != nil {
		return nil, err
	}
	return crs.Project(g, src, opts.target())
}

func checkPoint(p orb.Point, src crs.Code, region orb.Bound) error {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return &FieldError{Field: "geometry", Value: pointText(p), Reason: "is not a finite position"}
	}
	if src == crs.CRS84 {
		if crs.CheckLonLat(p) != nil {
			reason := "is not a longitude, latitude pair in CRS84"
			if math.Abs(p[0]) > 1000 || math.Abs(p[1]) > 1000 {
				reason += " (projected coordinates? name the CRS in the file or the options)"
			}
			return &FieldError{Field: "geometry", Value: pointText(p), Reason: reason}
		}
	}
	if region.IsZero() || region.IsEmpty() {
		return nil
	}
	ll, err := crs.ToLonLat(src, p)
	if err == nil && region.Contains(ll) {
		return nil
	}
	sw, err2 := crs.ToLonLat(src, orb.Point{p[1], p[0]})
	if err2 == nil && region.Contains(sw) {
		return &FieldError{Field: "geometry", Value: pointText(p), Reason: fmt.Sprintf("has swapped axes (y, x instead of x, y in %v)", src)}
	}
	return &FieldError{Field: "geometry", Value: pointText(p), Reason: fmt.Sprintf("lies outside the expected region lon %g–%g, lat %g–%g (wrong CRS? it was read as %v)",
		region.Min[0], region.Max[0], region.Min[1], region.Max[1], src)}
}

func pointText(p orb.Point) string {
	return "[" + strconv.FormatFloat(p[0], 'f', -1, 64) + ", " + strconv.FormatFloat(p[1], 'f', -1, 64) + "]"
}

// eachPoint calls fn for every position of g until it returns an error.
func eachPoint(g orb.Geometry, fn func(orb.Point) error) error {
	switch x := g.(type) {
	case nil:
		return nil
	case orb.Point:
		return fn(x)
	case orb.MultiPoint:
		return eachOf(x, fn)
	case orb.LineString:
		return eachOf(x, fn)
	case orb.Ring:
		return eachOf(x, fn)
	case orb.MultiLineString:
		for _, l := range x {
			if err := eachOf(l, fn); err != nil {
				return err
			}
		}
	case orb.Polygon:
		for _, r := range x {
			if err := eachOf(r, fn); err != nil {
				return err
			}
		}
	case orb.MultiPolygon:
		for _, p := range x {
			if err := eachPoint(p, fn); err != nil {
				return err
			}
		}
	case orb.Collection:
		for _, c := range x {
			if err := eachPoint(c, fn); err != nil {
				return err
			}
		}
	case orb.Bound:
		if err := fn(x.Min); err != nil {
			return err
		}
		return fn(x.Max)
	}
	return nil
}

func eachOf(ps []orb.Point, fn func(orb.Point) error) error {
	for _, p := range ps {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func decodeID(raw json.RawMessage) (string, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return Text(normalise(x)), nil
	}
	return "", errors.New("not a string or number")
}

// normalise turns decoded JSON into the documented property value types.
func normalise(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return s
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
		return x
	}
	return v
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// CheckPosition checks one position in CRS src: finite, a valid
// longitude/latitude for CRS84, and, when region (CRS84) is not empty,
// inside region, with swapped axes named as such. The error is a
// *FieldError for the field "geometry".
func CheckPosition(p orb.Point, src crs.Code, region orb.Bound) error {
	if src == crs.EPSG4326 {
		src = crs.CRS84
	}
	return checkPoint(p, src, region)
}
