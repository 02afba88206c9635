package osm

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// scanner is what osmpbf.Scanner and osmxml.Scanner have in common.
type scanner interface {
	Scan() bool
	Object() osm.Object
	Err() error
	Close() error
}

// scanKinds selects the element types one pass needs.
type scanKinds struct{ nodes, ways bool }

// pass is one open read of a file.
type pass struct {
	scanner
	file *os.File
	gz   io.Closer
}

func (p *pass) close() {
	p.scanner.Close()
	if p.gz != nil {
		p.gz.Close()
	}
	p.file.Close()
}

// openPass opens path and starts a scanner over it. The format is taken from
// the content: PBF files start with a BlobHeader length and "OSMHeader",
// XML files with '<' (gzip and bzip2 compression are recognised by their
// magic bytes).
func openPass(ctx context.Context, path string, kinds scanKinds) (*pass, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("osm: %w", err)
	}
	p := &pass{file: f}
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(16)
	var r io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("osm: %s: gzip: %w", path, err)
		}
		p.gz = zr
		r = zr
	case bytes.HasPrefix(head, []byte("BZh")):
		r = bzip2.NewReader(br)
	}
	if p.gz != nil || bytes.HasPrefix(head, []byte("BZh")) {
		br2 := bufio.NewReaderSize(r, 1<<16)
		head, _ = br2.Peek(16)
		r = br2
	}
	if isPBF(head) {
		s := osmpbf.New(ctx, r, min(runtime.GOMAXPROCS(0), 4))
		s.SkipNodes = !kinds.nodes
		s.SkipWays = !kinds.ways
		s.SkipRelations = true
		p.scanner = s
		return p, nil
	}
	if t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf"); len(t) == 0 || t[0] != '<' {
		if len(head) == 0 {
			f.Close()
			return nil, fmt.Errorf("osm: %s: empty file", path)
		}
		f.Close()
		return nil, fmt.Errorf("osm: %s: neither OSM PBF nor OSM XML (starts with %q)", path, head)
	}
	p.scanner = osmxml.New(ctx, r)
	return p, nil
}

// isPBF recognises the first BlobHeader of a PBF file: a 4-byte big-endian
// length followed by field 1 (type) = "OSMHeader".
func isPBF(head []byte) bool {
	return len(head) >= 15 && head[4] == 0x0a && head[5] == 9 && string(head[6:15]) == "OSMHeader"
}

// scanErr wraps a scanner error, naming the file and the last element seen.
func scanErr(path string, last string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("osm: %s: %w", path, err)
	}
	if last == "" {
		return fmt.Errorf("osm: %s: read: %w", path, err)
	}
	return fmt.Errorf("osm: %s: read after %s: %w", path, last, err)
}

// elementName is "node 123" or "way 456" for error messages.
func elementName(o osm.Object) string {
	switch e := o.(type) {
	case *osm.Node:
		return fmt.Sprintf("node %d", e.ID)
	case *osm.Way:
		return fmt.Sprintf("way %d", e.ID)
	case *osm.Relation:
		return fmt.Sprintf("relation %d", e.ID)
	}
	return ""
}

// nodeSet maps the node ids a read needs to a use count and a coordinate.
// ids is sorted and unique; lookups are binary searches. Coordinates are
// kept as 1e-7° integers, OSM's own resolution.
type nodeSet struct {
	ids  []int64
	uses []uint8 // saturating at 255
	lon  []int32
	lat  []int32 // missingLat until the node is read
}

const missingLat = math.MinInt32

// newNodeSet builds the set from a list of references with repetitions;
// refs is sorted in place.
func newNodeSet(refs []int64) *nodeSet {
	slices.Sort(refs)
	ns := &nodeSet{}
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j] == refs[i] {
			j++
		}
		ns.ids = append(ns.ids, refs[i])
		ns.uses = append(ns.uses, uint8(min(j-i, 255)))
		i = j
	}
	ns.lon = make([]int32, len(ns.ids))
	ns.lat = make([]int32, len(ns.ids))
	for i := range ns.lat {
		ns.lat[i] = missingLat
	}
	return ns
}

func (ns *nodeSet) index(id int64) (int, bool) {
	return slices.BinarySearch(ns.ids, id)
}

// set stores the coordinate of a node if the set holds it.
func (ns *nodeSet) set(n *osm.Node) {
	if i, ok := ns.index(int64(n.ID)); ok {
		ns.lon[i] = int32(math.Round(n.Lon * 1e7))
		ns.lat[i] = int32(math.Round(n.Lat * 1e7))
	}
}

// coord returns the lon/lat of node i and whether it was read.
func (ns *nodeSet) coord(i int) (lon, lat float64, ok bool) {
	if ns.lat[i] == missingLat {
		return 0, 0, false
	}
	return float64(ns.lon[i]) / 1e7, float64(ns.lat[i]) / 1e7, true
}

// missing counts the nodes of the set that were not read.
func (ns *nodeSet) missing() int64 {
	n := int64(0)
	for _, v := range ns.lat {
		if v == missingLat {
			n++
		}
	}
	return n
}

// hasAnyKey reports whether tags hold one of keys, without building a map.
func hasAnyKey(tags osm.Tags, keys ...string) bool {
	for _, t := range tags {
		for _, k := range keys {
			if t.Key == k {
				return true
			}
		}
	}
	return false
}

// tagMap builds a map of the tags; later duplicates win, as in TagMap.
func tagMap(tags osm.Tags) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// dedupRefs drops consecutive repetitions of a node in a way's node list
// (an editing artefact), appending to dst.
func dedupRefs(dst []int64, nodes osm.WayNodes) []int64 {
	for i, n := range nodes {
		if i > 0 && nodes[i-1].ID == n.ID {
			continue
		}
		dst = append(dst, int64(n.ID))
	}
	return dst
}

// isRoadCandidate is the cheap pre-filter before a way's tags are mapped.
func isRoadCandidate(tags osm.Tags) bool {
	for _, t := range tags {
		if t.Key == "highway" || (t.Key == "route" && strings.EqualFold(t.Value, "ferry")) {
			return true
		}
	}
	return false
}
