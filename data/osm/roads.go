package osm

import (
	"context"
	"fmt"
	"iter"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"

	"reach/geo/crs"
	"reach/layers"
)

// maxSegmentsPerWay bounds the segment index in SegmentID.
const maxSegmentsPerWay = 4096

// SegmentID returns the id of the index-th segment (from 0, in node order)
// of way wayID: wayID·4096 + index. It is unique for index in [0, 4096).
func SegmentID(wayID int64, index int) int64 {
	return wayID*maxSegmentsPerWay + int64(index)
}

// SplitSegmentID is the inverse of SegmentID.
func SplitSegmentID(id int64) (wayID int64, index int) {
	w := id / maxSegmentsPerWay
	i := id % maxSegmentsPerWay
	if i < 0 {
		w--
		i += maxSegmentsPerWay
	}
	return w, int(i)
}

// RoadStats summarises a read of road segments. Counts are complete once
// the stream has ended without error.
type RoadStats struct {
	WaysRead     int64 // all ways in the file
	RoutableWays int64 // ways that ProfileFor accepts
	// WaysWithoutSegments counts routable ways of which no two consecutive
	// nodes were present in the file.
	WaysWithoutSegments int64
	Segments            int64
	LengthM             float64 // total geodesic length of the segments
	// MissingNodes counts distinct nodes that routable ways reference but
	// the file lacks; MissingNodeRefs counts the references to them.
	MissingNodes    int64
	MissingNodeRefs int64
	// ByHighway holds ways, segments and length per highway class
	// ("ferry" included).
	ByHighway map[string]ClassStats
}

// ClassStats are the counts of one highway class.
type ClassStats struct {
	Ways     int64   // routable ways of the class
	Segments int64   // segments emitted for them
	LengthM  float64 // geodesic length of those segments, metres
}

// String gives a one-line summary for logs.
func (s RoadStats) String() string {
	return fmt.Sprintf("%d ways read, %d routable, %d segments, %.1f km, %d missing nodes (%d references), %d ways without segments",
		s.WaysRead, s.RoutableWays, s.Segments, s.LengthM/1000, s.MissingNodes, s.MissingNodeRefs, s.WaysWithoutSegments)
}

// Roads streams the road segments of the OSM file at path (PBF or XML, see
// the package documentation): every routable way split at network nodes,
// geometry in EPSG:25833, in the file's way order and node order. If stats
// is not nil it is reset and filled as the stream runs. The stream ends with
// the first error (prefixed "osm:", naming the file and the element) or when
// ctx is cancelled; it reads the file three times and may be ranged over
// more than once.
func Roads(ctx context.Context, path string, stats *RoadStats) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		if stats == nil {
			stats = new(RoadStats)
		}
		*stats = RoadStats{ByHighway: map[string]ClassStats{}}
		if err := readRoads(ctx, path, stats, yield); err != nil {
			yield(layers.RoadSegment{}, err)
		}
	}
}

// stopped is returned through eachObject when the consumer of a stream
// stops early; the stream then ends without an error.
type stopped struct{}

func (stopped) Error() string { return "osm: stream stopped by consumer" }

func readRoads(ctx context.Context, path string, st *RoadStats, yield func(layers.RoadSegment, error) bool) error {
	// Pass 1: node references of routable ways.
	var refs []int64
	var buf []int64
	err := eachObject(ctx, path, scanKinds{ways: true}, func(o osm.Object) error {
		w, ok := o.(*osm.Way)
		if !ok {
			return nil
		}
		st.WaysRead++
		if !isRoadCandidate(w.Tags) {
			return nil
		}
		if _, ok := ProfileFor(tagMap(w.Tags)); !ok {
			return nil
		}
		buf = dedupRefs(buf[:0], w.Nodes)
		refs = append(refs, buf...)
		return nil
	})
	if err != nil {
		return err
	}
	ns := newNodeSet(refs)
	refs = nil

	// Pass 2: coordinates.
	err = eachObject(ctx, path, scanKinds{nodes: true}, func(o osm.Object) error {
		if n, ok := o.(*osm.Node); ok {
			ns.set(n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.MissingNodes = ns.missing()

	// Pass 3: segments.
	var segs []layers.RoadSegment
	err = eachObject(ctx, path, scanKinds{ways: true}, func(o osm.Object) error {
		w, ok := o.(*osm.Way)
		if !ok || !isRoadCandidate(w.Tags) {
			return nil
		}
		tags := tagMap(w.Tags)
		p, ok := ProfileFor(tags)
		if !ok {
			return nil
		}
		st.RoutableWays++
		buf = dedupRefs(buf[:0], w.Nodes)
		segs, err = splitWay(segs[:0], path, int64(w.ID), buf, ns, st)
		if err != nil {
			return err
		}
		cs := st.ByHighway[p.Highway]
		cs.Ways++
		if len(segs) == 0 {
			st.WaysWithoutSegments++
			st.ByHighway[p.Highway] = cs
			return nil
		}
		wayLen := 0.0
		for _, s := range segs {
			wayLen += s.LengthM
		}
		for i := range segs {
			s := &segs[i]
			s.Highway = p.Highway
			s.Name = tags["name"]
			s.Ref = tags["ref"]
			s.Car, s.Bicycle, s.Foot = p.Car, p.Bicycle, p.Foot
			s.Oneway = p.Oneway
			if p.Highway == "ferry" {
				setFerryTiming(s, p, wayLen)
			}
			cs.Segments++
			cs.LengthM += s.LengthM
			st.Segments++
			st.LengthM += s.LengthM
		}
		st.ByHighway[p.Highway] = cs
		for _, s := range segs {
			if err := s.Validate(); err != nil {
				return fmt.Errorf("osm: %s: way %d: %w", path, w.ID, err)
			}
			if !yield(s, nil) {
				return stopped{}
			}
		}
		return nil
	})
	if _, ok := err.(stopped); ok {
		return nil
	}
	return err
}

// setFerryTiming gives a ferry segment its share of the way's duration (by
// length), or the fallback speed, and the matching speed for open modes.
func setFerryTiming(s *layers.RoadSegment, p Profile, wayLen float64) {
	if p.FerryDurationS > 0 && wayLen > 0 {
		s.DurationS = p.FerryDurationS * s.LengthM / wayLen
	} else {
		s.DurationS = s.LengthM / (FerrySpeedKmh / 3.6)
	}
	if s.DurationS <= 0 {
		return
	}
	speed := s.LengthM / s.DurationS * 3.6
	for _, a := range []*layers.Access{&s.Car, &s.Bicycle, &s.Foot} {
		if a.Forward || a.Backward {
			a.SpeedKmh = speed
		}
	}
}

// splitWay cuts a way's node list at network nodes and at missing nodes and
// appends the segments (geometry, nodes, length, ids) to dst.
func splitWay(dst []layers.RoadSegment, path string, wayID int64, refs []int64, ns *nodeSet, st *RoadStats) ([]layers.RoadSegment, error) {
	var ll orb.LineString // lon/lat of the current segment
	var from int64
	index := 0
	emit := func(to int64) error {
		if index >= maxSegmentsPerWay {
			return fmt.Errorf("osm: %s: way %d: more than %d segments", path, wayID, maxSegmentsPerWay)
		}
		g := make(orb.LineString, len(ll))
		for i, p := range ll {
			q, err := crs.FromLonLat(crs.UTM33N, p)
			if err != nil {
				return fmt.Errorf("osm: %s: way %d: node %d: %w", path, wayID, from, err)
			}
			g[i] = q
		}
		dst = append(dst, layers.RoadSegment{
			ID:       SegmentID(wayID, index),
			WayID:    wayID,
			FromNode: from,
			ToNode:   to,
			Geometry: g,
			LengthM:  GeodesicLength(ll),
		})
		index++
		return nil
	}
	last := len(refs) - 1
	for k, ref := range refs {
		i, _ := ns.index(ref)
		lon, lat, ok := ns.coord(i)
		if !ok {
			st.MissingNodeRefs++
			if len(ll) >= 2 {
				if err := emit(refs[k-1]); err != nil {
					return dst, err
				}
			}
			ll = ll[:0]
			continue
		}
		if len(ll) == 0 {
			from = ref
		}
		ll = append(ll, orb.Point{lon, lat})
		if len(ll) >= 2 && (k == last || ns.uses[i] >= 2) {
			if err := emit(ref); err != nil {
				return dst, err
			}
			ll = append(ll[:0], orb.Point{lon, lat})
			from = ref
		}
	}
	return dst, nil
}

// eachObject runs one pass over the file, calling fn for every element and
// checking ctx every 4096 elements.
func eachObject(ctx context.Context, path string, kinds scanKinds, fn func(osm.Object) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("osm: %s: %w", path, err)
	}
	p, err := openPass(ctx, path, kinds)
	if err != nil {
		return err
	}
	defer p.close()
	var last osm.Object
	count := 0
	for p.Scan() {
		o := p.Object()
		last = o
		count++
		if count%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("osm: %s: %w", path, err)
			}
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := p.Err(); err != nil {
		name := ""
		if last != nil {
			name = elementName(last)
		}
		return scanErr(path, name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("osm: %s: %w", path, err)
	}
	return nil
}
