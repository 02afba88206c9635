package readmodel

import (
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"
)

// gridMVT writes one layer of a grid tile in the protocol buffers of the
// vector tile specification 2.1 directly: the thousands of square cells
// of an overview tile would otherwise each become a GeoJSON feature with a
// map of properties, geometries and tag slices for orb's encoder (about 80
// allocations a cell). Keys are "id" and the tile's properties; values are
// shared among features where equal (except the ids, which are unique).
type gridMVT struct {
	features []byte // the layer's feature fields, encoded
	values   []byte // the layer's value fields, encoded
	nValues  uint32
	feat     []byte   // the feature being written
	tags     []uint32 // its tags
	geom     []uint32 // its geometry commands
	x, y     int64    // the geometry cursor (tile units), per feature
	uints    map[uint64]uint32
	doubles  map[uint64]uint32
	strings  map[string]uint32
	bools    [2]uint32 // index + 1 of false and true; 0 for none yet
}

// newGridMVT returns an encoder with room for about n features.
func newGridMVT(n int) *gridMVT {
	return &gridMVT{uints: map[uint64]uint32{}, doubles: map[uint64]uint32{}, strings: map[string]uint32{},
		features: make([]byte, 0, 40*n), values: make([]byte, 0, 32*n)}
}

// Protocol buffer field numbers and wire types of the specification.
const (
	pbVarint = 0
	pbFixed  = 1
	pbBytes  = 2

	tileLayers    = 3
	layerName     = 1
	layerFeatures = 2
	layerKeys     = 3
	layerValues   = 4
	layerExtent   = 5
	layerVersion  = 15
	featureTags   = 2
	featureType   = 3
	featureGeom   = 4
	valueString   = 1
	valueDouble   = 3
	valueUint     = 5
	valueBool     = 7
	geomPolygon   = 3
)

func pbTag(b []byte, field, wire int) []byte { return binary.AppendUvarint(b, uint64(field<<3|wire)) }

func pbBytesField(b []byte, field int, data []byte) []byte {
	b = pbTag(b, field, pbBytes)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func pbPacked(b []byte, field int, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += uvarintLen(uint64(v))
	}
	b = pbTag(b, field, pbBytes)
	b = binary.AppendUvarint(b, uint64(n))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// value appends one value message and returns its index.
func (e *gridMVT) value(field, wire int, payload []byte) uint32 {
	var msg [32]byte
	m := pbTag(msg[:0], field, wire)
	m = append(m, payload...)
	if len(m) > len(msg) {
		m = append([]byte(nil), m...)
	}
	e.values = pbBytesField(e.values, layerValues, m)
	e.nValues++
	return e.nValues - 1
}

// stringValue returns the index of a string value, shared with equal ones.
func (e *gridMVT) stringValue(s string) uint32 {
	if i, ok := e.strings[s]; ok {
		return i
	}
	i := e.uniqueValue([]byte(s))
	e.strings[s] = i
	return i
}

// uniqueValue appends a string value no other feature shares (an id),
// without looking it up, and returns its index.
func (e *gridMVT) uniqueValue(s []byte) uint32 {
	n := 1 + uvarintLen(uint64(len(s))) + len(s)
	e.values = pbTag(e.values, layerValues, pbBytes)
	e.values = binary.AppendUvarint(e.values, uint64(n))
	e.values = pbTag(e.values, valueString, pbBytes)
	e.values = binary.AppendUvarint(e.values, uint64(len(s)))
	e.values = append(e.values, s...)
	e.nValues++
	return e.nValues - 1
}

func (e *gridMVT) uintValue(v uint64) uint32 {
	if i, ok := e.uints[v]; ok {
		return i
	}
	var b [binary.MaxVarintLen64]byte
	i := e.value(valueUint, pbVarint, binary.AppendUvarint(b[:0], v))
	e.uints[v] = i
	return i
}

func (e *gridMVT) doubleValue(v float64) uint32 {
	bits := math.Float64bits(v)
	if i, ok := e.doubles[bits]; ok {
		return i
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], bits)
	i := e.value(valueDouble, pbFixed, b[:])
	e.doubles[bits] = i
	return i
}

func (e *gridMVT) boolValue(v bool) uint32 {
	k := 0
	if v {
		k = 1
	}
	if e.bools[k] == 0 {
		e.bools[k] = e.value(valueBool, pbVarint, []byte{byte(k)}) + 1
	}
	return e.bools[k] - 1
}

// tag adds the property key with value index v to the feature being written.
func (e *gridMVT) tag(key, v uint32) { e.tags = append(e.tags, key, v) }

// ring adds a closed ring (tile units, whole numbers) to the feature's
// geometry: MoveTo its first point, LineTo the others but the closing one,
// ClosePath.
func (e *gridMVT) ring(r orb.Ring) {
	n := len(r) - 1
	e.geom = append(e.geom, 1<<3|1)
	e.point(r[0])
	e.geom = append(e.geom, uint32(n-1)<<3|2)
	for _, p := range r[1:n] {
		e.point(p)
	}
	e.geom = append(e.geom, 1<<3|7)
}

func (e *gridMVT) point(p orb.Point) {
	x, y := int64(p[0]), int64(p[1])
	dx, dy := x-e.x, y-e.y
	e.x, e.y = x, y
	e.geom = append(e.geom, uint32((dx<<1)^(dx>>63)), uint32((dy<<1)^(dy>>63)))
}

// polygons adds the rings of g (an orb.Polygon or orb.MultiPolygon).
func (e *gridMVT) polygons(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			e.ring(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				e.ring(r)
			}
		}
	}
}

// endFeature writes the feature of the tags and geometry added since the
// last one (a polygon, no id) and starts the next.
func (e *gridMVT) endFeature() {
	f := pbPacked(e.feat[:0], featureTags, e.tags)
	f = pbTag(f, featureType, pbVarint)
	f = append(f, geomPolygon)
	f = pbPacked(f, featureGeom, e.geom)
	e.features = pbBytesField(e.features, layerFeatures, f)
	e.feat, e.tags, e.geom, e.x, e.y = f, e.tags[:0], e.geom[:0], 0, 0
}

// tile returns the encoded tile of one layer named name with keys.
func (e *gridMVT) tile(name string, keys []string, extent uint32) []byte {
	layer := make([]byte, 0, len(e.features)+len(e.values)+64)
	layer = pbTag(layer, layerVersion, pbVarint)
	layer = append(layer, 2)
	layer = pbBytesField(layer, layerName, []byte(name))
	layer = append(layer, e.features...)
	for _, k := range keys {
		layer = pbBytesField(layer, layerKeys, []byte(k))
	}
	layer = append(layer, e.values...)
	layer = pbTag(layer, layerExtent, pbVarint)
	layer = binary.AppendUvarint(layer, uint64(extent))
	return pbBytesField(make([]byte, 0, len(layer)+8), tileLayers, layer)
}
