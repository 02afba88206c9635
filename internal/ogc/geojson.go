package ogc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

// Decimals returns the number of decimals written for coordinates in CRS c:
// 7 for degrees (about 1 cm on the ground), 2 for metres.
func Decimals(c crs.Code) int {
	if c == crs.CRS84 || c == crs.EPSG4326 {
		return 7
	}
	return 2
}

// Member is an extra top-level member of a FeatureCollection (such as the
// "method" of an isochrone answer). Value is encoded with encoding/json.
type Member struct {
	Name  string
	Value any
}

// CollectionHeader is what a FeatureCollection says about itself before its
// features.
type CollectionHeader struct {
	TimeStamp time.Time // zero: omitted
	// NumberMatched is the number of features matching the query without
	// paging; negative: omitted (unknown).
	NumberMatched int
	// NumberReturned is the number of features that follow; negative: omitted.
	NumberReturned int
	Links          []Link
	Members        []Member
}

// FeatureWriter streams a GeoJSON FeatureCollection: Begin, then Write per
// feature, then End. Features are encoded one at a time into a small reused
// buffer, so memory does not grow with the page size. Geometries arrive in
// CRS84 and are written in the writer's CRS and its axis order, rounded to
// Decimals. A FeatureWriter is not safe for concurrent use.
type FeatureWriter struct {
	w interface {
		io.Writer
		io.StringWriter
	}
	flush func() error
	crs   crs.Code
	buf   []byte
	count int
	began bool
}

// NewFeatureWriter returns a writer of features in CRS c to w.
// A *bytes.Buffer is written directly, other writers through a buffer.
func NewFeatureWriter(w io.Writer, c crs.Code) *FeatureWriter {
	if b, ok := w.(*bytes.Buffer); ok {
		return &FeatureWriter{w: b, flush: func() error { return nil }, crs: c}
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	return &FeatureWriter{w: bw, flush: bw.Flush, crs: c}
}

// Begin writes the head of the collection.
func (fw *FeatureWriter) Begin(h CollectionHeader) error {
	b := fw.buf[:0]
	b = append(b, `{"type":"FeatureCollection"`...)
	if !h.TimeStamp.IsZero() {
		b = append(b, `,"timeStamp":`...)
		b = appendString(b, Timestamp(h.TimeStamp))
	}
	if h.NumberMatched >= 0 {
		b = append(b, `,"numberMatched":`...)
		b = strconv.AppendInt(b, int64(h.NumberMatched), 10)
	}
	if h.NumberReturned >= 0 {
		b = append(b, `,"numberReturned":`...)
		b = strconv.AppendInt(b, int64(h.NumberReturned), 10)
	}
	for _, m := range h.Members {
		v, err := MarshalJSON(m.Value)
		if err != nil {
			return fmt.Errorf("ogc: member %q: %w", m.Name, err)
		}
		b = append(b, ',')
		b = appendString(b, m.Name)
		b = append(b, ':')
		b = append(b, v...)
	}
	if h.Links != nil {
		v, err := MarshalJSON(h.Links)
		if err != nil {
			return fmt.Errorf("ogc: links: %w", err)
		}
		b = append(b, `,"links":`...)
		b = append(b, v...)
	}
	b = append(b, `,"features":[`...)
	fw.buf = b
	fw.began = true
	_, err := fw.w.Write(b)
	return err
}

// Write writes one feature.
func (fw *FeatureWriter) Write(f layers.Feature) error {
	if !fw.began {
		return fmt.Errorf("ogc: Write before Begin")
	}
	b := fw.buf[:0]
	if fw.count > 0 {
		b = append(b, ',')
	}
	var err error
	b, err = AppendFeature(b, f, fw.crs, nil)
	if err != nil {
		return err
	}
	fw.buf = b
	fw.count++
	_, err = fw.w.Write(b)
	return err
}

// End closes the collection and flushes.
func (fw *FeatureWriter) End() error {
	if _, err := fw.w.WriteString("]}\n"); err != nil {
		return err
	}
	return fw.flush()
}

// AppendFeature appends the GeoJSON encoding of f (geometry in CRS84,
// written in CRS c) to b, with links when not nil.
func AppendFeature(b []byte, f layers.Feature, c crs.Code, links []Link) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendString(b, f.ID)
	b = append(b, `,"geometry":`...)
	var err error
	if c != crs.CRS84 && f.Geometry != nil && f.Stored != nil && f.StoredCRS.Valid() {
		// One transformation from the stored CRS (none when it is c).
		b, err = AppendGeometryFrom(b, f.Stored, f.StoredCRS, c)
	} else {
		b, err = AppendGeometry(b, f.Geometry, c)
	}
	if err != nil {
		return b, fmt.Errorf("ogc: feature %q: %w", f.ID, err)
	}
	b = append(b, `,"properties":{`...)
	for i, p := range f.Properties {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.Name)
		b = append(b, ':')
		b, err = appendValue(b, p.Value)
		if err != nil {
			return b, fmt.Errorf("ogc: feature %q property %q: %w", f.ID, p.Name, err)
		}
	}
	b = append(b, '}')
	if links != nil {
		v, err := MarshalJSON(links)
		if err != nil {
			return b, err
		}
		b = append(b, `,"links":`...)
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// AppendGeometry appends the GeoJSON geometry of g (given in CRS84) written
// in CRS c, with coordinates rounded to Decimals(c); nil gives null.
func AppendGeometry(b []byte, g orb.Geometry, c crs.Code) ([]byte, error) {
	if g == nil {
		return append(b, "null"...), nil
	}
	if c != crs.CRS84 {
		var err error
		g, err = crs.Project(g, crs.CRS84, c)
		if err != nil {
			return b, err
		}
	}
	return appendGeom(b, g, Decimals(c))
}

// AppendGeometryFrom appends the GeoJSON geometry of g, given in CRS from,
// written in CRS c (transformed once, not at all when from is c), with
// coordinates rounded to Decimals(c); nil gives null.
func AppendGeometryFrom(b []byte, g orb.Geometry, from, c crs.Code) ([]byte, error) {
	if g == nil {
		return append(b, "null"...), nil
	}
	if from != c {
		var err error
		g, err = crs.Project(g, from, c)
		if err != nil {
			return b, err
		}
	}
	return appendGeom(b, g, Decimals(c))
}

// appendGeom writes g as it is (already in the output CRS) with d decimals.
func appendGeom(b []byte, g orb.Geometry, d int) ([]byte, error) {
	switch v := g.(type) {
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendPoint(b, v, d)
	case orb.MultiPoint:
		b = append(b, `{"type":"MultiPoint","coordinates":`...)
		b = appendPoints(b, v, d)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendPoints(b, v, d)
	case orb.MultiLineString:
		b = append(b, `{"type":"MultiLineString","coordinates":[`...)
		for i, l := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, l, d)
		}
		b = append(b, ']')
	case orb.Ring:
		b = append(b, `{"type":"Polygon","coordinates":[`...)
		b = appendPoints(b, v, d)
		b = append(b, ']')
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendPolygon(b, v, d)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPolygon(b, p, d)
		}
		b = append(b, ']')
	case orb.Collection:
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, sub := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendGeom(b, sub, d); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	case orb.Bound:
		return appendGeom(b, v.ToPolygon(), d)
	default:
		return b, fmt.Errorf("unsupported geometry type %T", g)
	}
	return append(b, '}'), nil
}

func appendPolygon(b []byte, p orb.Polygon, d int) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoints(b, r, d)
	}
	return append(b, ']')
}

func appendPoints(b []byte, ps []orb.Point, d int) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoint(b, p, d)
	}
	return append(b, ']')
}

func appendPoint(b []byte, p orb.Point, d int) []byte {
	b = append(b, '[')
	b = appendCoord(b, p[0], d)
	b = append(b, ',')
	b = appendCoord(b, p[1], d)
	return append(b, ']')
}

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// RoundCoord rounds v to d decimals (0 ≤ d ≤ 8).
func RoundCoord(v float64, d int) float64 {
	p := pow10[d]
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

func appendCoord(b []byte, v float64, d int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	n := math.Round(v * pow10[d])
	if math.Abs(n) >= 1e15 {
		return strconv.AppendFloat(b, RoundCoord(v, d), 'f', -1, 64)
	}
	// The shortest decimal of n/10^d is n written with d decimals, trailing
	// zeros dropped: any other decimal is at least 10^-d away, far beyond
	// the float's precision below 10^15 / 10^d.
	i := int64(n)
	if i < 0 {
		b = append(b, '-')
		i = -i
	}
	if i == 0 {
		return append(b, '0')
	}
	var whole, frac int64
	switch d { // constant divisors: no division instruction
	case 7:
		whole, frac = i/1e7, i%1e7
	case 2:
		whole, frac = i/100, i%100
	default:
		div := int64(pow10[d])
		whole, frac = i/div, i%div
	}
	if whole < 100 {
		if whole >= 10 {
			b = append(b, digitPairs[2*whole], digitPairs[2*whole+1])
		} else {
			b = append(b, byte('0'+whole))
		}
	} else {
		b = strconv.AppendInt(b, whole, 10)
	}
	if frac == 0 {
		return b
	}
	// d digits, two at a time where d is 7 or 2, then the trailing zeros off.
	var digits [8]byte
	switch d {
	case 7:
		digits[0] = byte('0' + frac/1e6)
		r := frac % 1e6
		p, q, s := r/1e4, r/100%100, r%100
		digits[1], digits[2] = digitPairs[2*p], digitPairs[2*p+1]
		digits[3], digits[4] = digitPairs[2*q], digitPairs[2*q+1]
		digits[5], digits[6] = digitPairs[2*s], digitPairs[2*s+1]
	case 2:
		digits[0], digits[1] = digitPairs[2*frac], digitPairs[2*frac+1]
	default:
		for j := d - 1; j >= 0; j-- {
			digits[j] = byte('0' + frac%10)
			frac /= 10
		}
	}
	k := d
	for digits[k-1] == '0' {
		k--
	}
	b = append(b, '.')
	return append(b, digits[:k]...)
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		return appendFloat(b, x), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	case map[string]float64:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendFloat(b, x[k])
		}
		return append(b, '}'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// MarshalJSON encodes v as encoding/json does, without escaping &, < and >
// (links carry query strings) and without a trailing newline.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the bytes appendString copies as they are: printable
// ASCII but for the quote, the backslash and the HTML-sensitive <, >, &.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaping as encoding/json does
// (HTML-safe) and replacing invalid UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && jsonSafe[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
