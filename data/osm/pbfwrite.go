package osm

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// PBFWriter writes an OSM PBF file (the format of Geofabrik's extracts):
// nodes as dense nodes, then ways, in blocks of PBFBlockSize elements,
// zlib-compressed, without metadata (versions, users, timestamps), like an
// extract written with osmium's --no-metadata. It is used to generate
// state-sized test files; the readers of this package read what it writes.
// Nodes must come before ways, as in every sorted extract.
type PBFWriter struct {
	w      io.Writer
	header bool
	// pending block
	nodeIDs    []int64
	lats, lons []int64 // in 1e-7 degrees (granularity 100 nanodegrees)
	nodeKV     []int32 // dense keys_vals, also for nodes without tags (a 0 each)
	nodeTags   bool
	ways       []pbfWay
	strs       []string
	strIndex   map[string]uint32
	wroteWays  bool
	elements   int
	buf        bytes.Buffer
}

type pbfWay struct {
	id         int64
	keys, vals []uint32
	refs       []int64
}

// PBFBlockSize is the number of elements per block (osmium writes 8000).
const PBFBlockSize = 8000

// NewPBFWriter starts a PBF file on w.
func NewPBFWriter(w io.Writer) *PBFWriter {
	return &PBFWriter{w: w, strIndex: map[string]uint32{}}
}

func (p *PBFWriter) str(s string) uint32 {
	if len(p.strs) == 0 {
		p.strs = append(p.strs, "") // index 0 is the empty string (dense keys_vals delimiter)
	}
	if i, ok := p.strIndex[s]; ok {
		return i
	}
	i := uint32(len(p.strs))
	p.strs = append(p.strs, s)
	p.strIndex[s] = i
	return i
}

// Node adds a node at lon, lat (WGS84 degrees) with tags as key, value pairs.
func (p *PBFWriter) Node(id int64, lon, lat float64, tags ...string) error {
	if p.wroteWays {
		return errors.New("osm: pbf: a node after the ways")
	}
	if len(tags)%2 != 0 {
		return fmt.Errorf("osm: pbf: node %d: odd number of tag strings", id)
	}
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return fmt.Errorf("osm: pbf: node %d: [%g, %g] is not a lon/lat position", id, lon, lat)
	}
	if len(p.ways) > 0 {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.nodeIDs = append(p.nodeIDs, id)
	p.lats = append(p.lats, int64(math.Round(lat*1e7)))
	p.lons = append(p.lons, int64(math.Round(lon*1e7)))
	for _, t := range tags {
		p.nodeKV = append(p.nodeKV, int32(p.str(t)))
		p.nodeTags = true
	}
	p.nodeKV = append(p.nodeKV, 0)
	return p.added()
}

// Way adds a way through refs with tags as key, value pairs.
func (p *PBFWriter) Way(id int64, refs []int64, tags ...string) error {
	if len(tags)%2 != 0 {
		return fmt.Errorf("osm: pbf: way %d: odd number of tag strings", id)
	}
	if len(p.nodeIDs) > 0 {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.wroteWays = true
	w := pbfWay{id: id, refs: append([]int64(nil), refs...)}
	for i := 0; i < len(tags); i += 2 {
		w.keys = append(w.keys, p.str(tags[i]))
		w.vals = append(w.vals, p.str(tags[i+1]))
	}
	p.ways = append(p.ways, w)
	return p.added()
}

func (p *PBFWriter) added() error {
	p.elements++
	if p.elements >= PBFBlockSize {
		return p.flush()
	}
	return nil
}

// Close writes the last block. It does not close the underlying writer.
func (p *PBFWriter) Close() error {
	if err := p.writeHeader(); err != nil {
		return err
	}
	return p.flush()
}

// --- protobuf encoding (the few wire types the format needs) ---

func appendVarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendKey(b []byte, field, wire int) []byte { return appendVarint(b, uint64(field<<3|wire)) }

func appendBytes(b []byte, field int, v []byte) []byte {
	b = appendKey(b, field, 2)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendUint(b []byte, field int, v uint64) []byte {
	return appendVarint(appendKey(b, field, 0), v)
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// appendDeltaSint packs values as delta-coded zigzag varints.
func appendDeltaSint(b []byte, field int, vs []int64) []byte {
	var body []byte
	var prev int64
	for _, v := range vs {
		body = appendVarint(body, zigzag(v-prev))
		prev = v
	}
	return appendBytes(b, field, body)
}

func appendPackedUint(b []byte, field int, vs []uint32) []byte {
	var body []byte
	for _, v := range vs {
		body = appendVarint(body, uint64(v))
	}
	return appendBytes(b, field, body)
}

func (p *PBFWriter) writeHeader() error {
	if p.header {
		return nil
	}
	p.header = true
	var hb []byte
	hb = appendBytes(hb, 4, []byte("OsmSchema-V0.6"))
	hb = appendBytes(hb, 4, []byte("DenseNodes"))
	hb = appendBytes(hb, 16, []byte("reach"))
	return p.writeBlob("OSMHeader", hb)
}

// flush writes the pending nodes or ways as one primitive block.
func (p *PBFWriter) flush() error {
	if err := p.writeHeader(); err != nil {
		return err
	}
	if len(p.nodeIDs) == 0 && len(p.ways) == 0 {
		return nil
	}
	var group []byte
	if len(p.nodeIDs) > 0 {
		var dense []byte
		dense = appendDeltaSint(dense, 1, p.nodeIDs)
		dense = appendDeltaSint(dense, 8, p.lats)
		dense = appendDeltaSint(dense, 9, p.lons)
		if p.nodeTags {
			var kv []byte
			for _, v := range p.nodeKV {
				kv = appendVarint(kv, uint64(uint32(v)))
			}
			dense = appendBytes(dense, 10, kv)
		}
		group = appendBytes(group, 2, dense)
	}
	for _, w := range p.ways {
		var wb []byte
		wb = appendUint(wb, 1, uint64(w.id))
		if len(w.keys) > 0 {
			wb = appendPackedUint(wb, 2, w.keys)
			wb = appendPackedUint(wb, 3, w.vals)
		}
		wb = appendDeltaSint(wb, 8, w.refs)
		group = appendBytes(group, 3, wb)
	}
	var st []byte
	if len(p.strs) == 0 {
		p.str("")
	}
	for _, s := range p.strs {
		st = appendBytes(st, 1, []byte(s))
	}
	var block []byte
	block = appendBytes(block, 1, st)
	block = appendBytes(block, 2, group)
	p.nodeIDs, p.lats, p.lons, p.nodeKV, p.nodeTags = p.nodeIDs[:0], p.lats[:0], p.lons[:0], p.nodeKV[:0], false
	p.ways = p.ways[:0]
	p.strs = p.strs[:0]
	clear(p.strIndex)
	p.elements = 0
	return p.writeBlob("OSMData", block)
}

// writeBlob writes one BlobHeader and its zlib-compressed Blob.
func (p *PBFWriter) writeBlob(typ string, raw []byte) error {
	p.buf.Reset()
	zw := zlib.NewWriter(&p.buf)
	if _, err := zw.Write(raw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var blob []byte
	blob = appendUint(blob, 2, uint64(len(raw)))
	blob = appendBytes(blob, 3, p.buf.Bytes())
	var hdr []byte
	hdr = appendBytes(hdr, 1, []byte(typ))
	hdr = appendUint(hdr, 3, uint64(len(blob)))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(hdr)))
	for _, part := range [][]byte{n[:], hdr, blob} {
		if _, err := p.w.Write(part); err != nil {
			return fmt.Errorf("osm: pbf: %w", err)
		}
	}
	return nil
}
