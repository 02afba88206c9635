// Package geometry is the pgx codec of PostGIS's geometry type: geometries
// cross the connection in binary as go-geom EWKB values carrying their SRID,
// are checked against the SRID their layer declares when read, and are
// converted to and from orb once, here. Nothing outside layers/postgis sees
// go-geom.
package geometry

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"reach/layers"
)

// Geometries cross pgx as go-geom values in EWKB, which carries the SRID:
// geometryCodec is registered for PostGIS's geometry type on every
// connection, so that a geometry column is sent and received in binary
// (geometry_send/geometry_recv are EWKB) with no ST_AsBinary or
// ST_GeomFromEWKB around it. Each geometry read is checked against the
// SRID its layer declares and converted to orb once, here at the edge
// (FromStore); each written is converted from orb with the layer's SRID
// (ToStore). Nothing outside layers/postgis sees go-geom.

// Register registers geometryCodec for the geometry type on c.
// Before the PostGIS extension exists (a fresh database before Migrate)
// there is nothing to register; Migrate resets the pool afterwards.
func Register(ctx context.Context, c *pgx.Conn) error {
	var oid *uint32
	if err := c.QueryRow(ctx, `SELECT to_regtype('geometry')::oid`).Scan(&oid); err != nil {
		return fmt.Errorf("postgis: look up the geometry type: %w", err)
	}
	if oid == nil {
		return nil
	}
	c.TypeMap().RegisterType(&pgtype.Type{Name: "geometry", OID: *oid, Codec: geometryCodec{}})
	return nil
}

// geometryCodec encodes geom.T (and EWKB bytes) and decodes into *geom.T.
type geometryCodec struct{}

func (geometryCodec) FormatSupported(format int16) bool {
	return format == pgtype.BinaryFormatCode || format == pgtype.TextFormatCode
}

func (geometryCodec) PreferredFormat() int16 { return pgtype.BinaryFormatCode }

func (geometryCodec) PlanEncode(_ *pgtype.Map, _ uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(geom.T); !ok {
		return nil
	}
	if format == pgtype.TextFormatCode {
		return encodeGeometry{text: true}
	}
	return encodeGeometry{}
}

// encodeGeometry writes a geom.T as little-endian EWKB (hex in text
// format).
type encodeGeometry struct{ text bool }

func (p encodeGeometry) Encode(value any, buf []byte) ([]byte, error) {
	b, err := ewkb.Marshal(value.(geom.T), binary.LittleEndian)
	if err != nil {
		return nil, fmt.Errorf("postgis: encode geometry as EWKB: %w", err)
	}
	if p.text {
		return hex.AppendEncode(buf, b), nil
	}
	return append(buf, b...), nil
}

func (geometryCodec) PlanScan(_ *pgtype.Map, _ uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*geom.T); !ok {
		return nil
	}
	return scanGeometry{text: format == pgtype.TextFormatCode}
}

// scanGeometry reads EWKB (hex in text format) into a *geom.T; SQL NULL
// gives nil.
type scanGeometry struct{ text bool }

func (p scanGeometry) Scan(src []byte, dst any) error {
	t := dst.(*geom.T)
	if src == nil {
		*t = nil
		return nil
	}
	if p.text {
		b, err := hex.DecodeString(string(src))
		if err != nil {
			return fmt.Errorf("postgis: geometry in text format: %w", err)
		}
		src = b
	}
	g, err := ewkb.Unmarshal(src)
	if err != nil {
		return fmt.Errorf("postgis: decode EWKB: %w", err)
	}
	*t = g
	return nil
}

// DecodeDatabaseSQLValue gives database/sql the EWKB bytes.
func (geometryCodec) DecodeDatabaseSQLValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (driver.Value, error) {
	if src == nil {
		return nil, nil
	}
	if format == pgtype.TextFormatCode {
		return hex.DecodeString(string(src))
	}
	return append([]byte(nil), src...), nil
}

func (geometryCodec) DecodeValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (any, error) {
	var g geom.T
	err := scanGeometry{text: format == pgtype.TextFormatCode}.Scan(src, &g)
	if err != nil || g == nil {
		return nil, err
	}
	return g, nil
}

// ErrSRID is wrapped by the error of a geometry read whose SRID is not
// the one its layer declares.
var ErrSRID = errors.New("geometry in another CRS than its layer declares")

// FromStore checks g (as read; nil for SQL NULL) against the SRID its layer
// declares and converts it to orb. A mismatch is an error naming the layer,
// the record and both SRIDs.
func FromStore(g geom.T, layer, record string, srid int) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	if g.SRID() != srid {
		return nil, fmt.Errorf("postgis: layer %s, record %s: %w: SRID %d, the layer declares EPSG:%d", layer, record, ErrSRID, g.SRID(), srid)
	}
	o, err := toOrb(g)
	if err != nil {
		return nil, fmt.Errorf("postgis: layer %s, record %s: %w", layer, record, err)
	}
	return o, nil
}

// toOrb converts a go-geom geometry to orb (x and y of each coordinate).
func toOrb(g geom.T) (orb.Geometry, error) {
	switch g := g.(type) {
	case *geom.Point:
		if g.Empty() {
			return nil, fmt.Errorf("empty point: %w", layers.ErrInvalid)
		}
		return orb.Point{g.X(), g.Y()}, nil
	case *geom.LineString:
		return orbLine(g.FlatCoords(), g.Stride()), nil
	case *geom.Polygon:
		return orbPolygon(g.FlatCoords(), g.Stride(), 0, g.Ends()), nil
	case *geom.MultiPoint:
		return orb.MultiPoint(orbLine(g.FlatCoords(), g.Stride())), nil
	case *geom.MultiLineString:
		out := make(orb.MultiLineString, 0, g.NumLineStrings())
		start := 0
		for _, end := range g.Ends() {
			out = append(out, orbLine(g.FlatCoords()[start:end], g.Stride()))
			start = end
		}
		return out, nil
	case *geom.MultiPolygon:
		out := make(orb.MultiPolygon, 0, g.NumPolygons())
		start := 0
		for _, ends := range g.Endss() {
			out = append(out, orbPolygon(g.FlatCoords(), g.Stride(), start, ends))
			if len(ends) > 0 {
				start = ends[len(ends)-1]
			}
		}
		return out, nil
	case *geom.GeometryCollection:
		out := make(orb.Collection, 0, g.NumGeoms())
		for _, part := range g.Geoms() {
			o, err := toOrb(part)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		return out, nil
	}
	return nil, fmt.Errorf("geometry of type %T: %w", g, layers.ErrInvalid)
}

// orbLine returns the points of flat. With stride 2 (x, y) it is a view
// of flat itself, which has the memory layout of []orb.Point: a geometry
// is decoded once and not copied.
func orbLine(flat []float64, stride int) orb.LineString {
	if len(flat) == 0 {
		return orb.LineString{}
	}
	if stride == 2 {
		return unsafe.Slice((*orb.Point)(unsafe.Pointer(&flat[0])), len(flat)/2)
	}
	out := make(orb.LineString, len(flat)/stride)
	for i := range out {
		out[i] = orb.Point{flat[i*stride], flat[i*stride+1]}
	}
	return out
}

// orbPolygon makes the rings of flat[start:ends[0]], flat[ends[0]:ends[1]], ….
func orbPolygon(flat []float64, stride, start int, ends []int) orb.Polygon {
	out := make(orb.Polygon, 0, len(ends))
	for _, end := range ends {
		out = append(out, orb.Ring(orbLine(flat[start:end], stride)))
		start = end
	}
	return out
}

// ToStore converts g to a go-geom geometry with srid for writing, or
// returns nil (SQL NULL) when g is nil.
func ToStore(g orb.Geometry, srid int) (any, error) {
	if g == nil {
		return nil, nil
	}
	t, err := fromOrb(g)
	if err != nil {
		return nil, err
	}
	return geom.SetSRID(t, srid)
}

func fromOrb(g orb.Geometry) (geom.T, error) {
	switch g := g.(type) {
	case orb.Point:
		return geom.NewPointFlat(geom.XY, []float64{g[0], g[1]}), nil
	case orb.LineString:
		return geom.NewLineStringFlat(geom.XY, flatOf(g)), nil
	case orb.Ring:
		return geom.NewPolygonFlat(geom.XY, flatOf(g), []int{2 * len(g)}), nil
	case orb.Polygon:
		flat, ends := flatRings(nil, nil, g)
		return geom.NewPolygonFlat(geom.XY, flat, ends), nil
	case orb.MultiPoint:
		return geom.NewMultiPointFlat(geom.XY, flatOf(g)), nil
	case orb.MultiLineString:
		var flat []float64
		ends := make([]int, 0, len(g))
		for _, l := range g {
			flat = append(flat, flatOf(l)...)
			ends = append(ends, len(flat))
		}
		return geom.NewMultiLineStringFlat(geom.XY, flat, ends), nil
	case orb.MultiPolygon:
		var flat []float64
		endss := make([][]int, 0, len(g))
		for _, p := range g {
			var ends []int
			flat, ends = flatRings(flat, nil, p)
			endss = append(endss, ends)
		}
		return geom.NewMultiPolygonFlat(geom.XY, flat, endss), nil
	case orb.Collection:
		out := geom.NewGeometryCollection()
		for _, part := range g {
			t, err := fromOrb(part)
			if err != nil {
				return nil, err
			}
			if err := out.Push(t); err != nil {
				return nil, err
			}
		}
		return out, nil
	case orb.Bound:
		return fromOrb(g.ToPolygon())
	}
	return nil, fmt.Errorf("postgis: geometry of type %T: %w", g, layers.ErrInvalid)
}

func flatOf[P ~[]orb.Point](pts P) []float64 {
	out := make([]float64, 0, 2*len(pts))
	for _, p := range pts {
		out = append(out, p[0], p[1])
	}
	return out
}

// flatRings appends the rings of p to flat and their ends to ends.
func flatRings(flat []float64, ends []int, p orb.Polygon) ([]float64, []int) {
	for _, r := range p {
		flat = append(flat, flatOf(r)...)
		ends = append(ends, len(flat))
	}
	return flat, ends
}
