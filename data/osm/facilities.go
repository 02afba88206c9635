package osm

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"

	"reach/geo/crs"
	"reach/layers"
)

// FacilitySource is the Source of every facility read from OSM.
const FacilitySource = "osm"

// FacilityStats summarises a read of facilities. Counts are complete once
// the stream has ended without error.
type FacilityStats struct {
	NodesRead  int64 // all nodes in the file
	WaysRead   int64 // all ways in the file
	FromNodes  int64 // facilities emitted from nodes
	FromWays   int64 // facilities emitted from ways
	ByCategory map[layers.Category]int64
	// WaysWithoutNodes counts facility ways none of whose nodes are in the
	// file (they are skipped); MissingNodeRefs counts the absent references
	// of facility ways.
	WaysWithoutNodes int64
	MissingNodeRefs  int64
}

// String gives a one-line summary for logs.
func (s FacilityStats) String() string {
	return fmt.Sprintf("%d facilities (%d from nodes, %d from ways), %d facility ways without nodes, %d missing node references",
		s.FromNodes+s.FromWays, s.FromNodes, s.FromWays, s.WaysWithoutNodes, s.MissingNodeRefs)
}

// facilityKeys are the tag keys CategoryFor looks at first; elements
// without any of them are skipped before their tags are mapped.
var facilityKeys = []string{"amenity", "healthcare", "leisure"}

// facilityWay is a way kept from the first pass.
type facilityWay struct {
	id    int64
	cat   layers.Category
	name  string
	hours string
	refs  []int64
}

// openingHours returns the opening_hours tag when ParseOpeningHours reads it, else "" (unknown):
// OSM values outside the supported subset leave the facility open at all times rather than
// refuse the extract.
func openingHours(tags map[string]string) string {
	v := strings.TrimSpace(tags["opening_hours"])
	if _, err := layers.ParseOpeningHours(v); err != nil {
		return ""
	}
	return v
}

// Facilities streams the facilities of the OSM file at path: first the
// nodes, then the ways whose tags CategoryFor maps to a category, in file
// order. A way stands for the average of its distinct vertices (the closing
// vertex of a closed way counted once), computed in EPSG:25833; absent nodes
// are left out of the average. Ids are "osm:node/<id>" and "osm:way/<id>",
// Source is "osm", Location is in EPSG:25833, Name is the name tag.
// Relations (multipolygon sites) are not read. If stats is not nil it is
// reset and filled as the stream runs. Errors are prefixed "osm:" and name
// the file and element; the stream ends at the first one or when ctx is
// cancelled.
func Facilities(ctx context.Context, path string, stats *FacilityStats) iter.Seq2[layers.Facility, error] {
	return func(yield func(layers.Facility, error) bool) {
		if stats == nil {
			stats = new(FacilityStats)
		}
		*stats = FacilityStats{ByCategory: map[layers.Category]int64{}}
		if err := readFacilities(ctx, path, stats, yield); err != nil {
			yield(layers.Facility{}, err)
		}
	}
}

func readFacilities(ctx context.Context, path string, st *FacilityStats, yield func(layers.Facility, error) bool) error {
	// Pass 1: facility ways.
	var ways []facilityWay
	var refs []int64
	err := eachObject(ctx, path, scanKinds{ways: true}, func(o osm.Object) error {
		w, ok := o.(*osm.Way)
		if !ok {
			return nil
		}
		st.WaysRead++
		if !hasAnyKey(w.Tags, facilityKeys...) {
			return nil
		}
		tags := tagMap(w.Tags)
		cat, ok := CategoryFor(tags)
		if !ok {
			return nil
		}
		fw := facilityWay{id: int64(w.ID), cat: cat, name: tags["name"], hours: openingHours(tags), refs: dedupRefs(nil, w.Nodes)}
		if n := len(fw.refs); n > 1 && fw.refs[0] == fw.refs[n-1] {
			fw.refs = fw.refs[:n-1]
		}
		ways = append(ways, fw)
		refs = append(refs, fw.refs...)
		return nil
	})
	if err != nil {
		return err
	}
	ns := newNodeSet(refs)

	// Pass 2: nodes, emitting facility nodes and keeping way vertices.
	err = eachObject(ctx, path, scanKinds{nodes: true}, func(o osm.Object) error {
		n, ok := o.(*osm.Node)
		if !ok {
			return nil
		}
		st.NodesRead++
		ns.set(n)
		if len(n.Tags) == 0 || !hasAnyKey(n.Tags, facilityKeys...) {
			return nil
		}
		tags := tagMap(n.Tags)
		cat, ok := CategoryFor(tags)
		if !ok {
			return nil
		}
		p, err := crs.FromLonLat(crs.UTM33N, orb.Point{n.Lon, n.Lat})
		if err != nil {
			return fmt.Errorf("osm: %s: node %d: %w", path, n.ID, err)
		}
		st.FromNodes++
		st.ByCategory[cat]++
		f := layers.Facility{
			ID:           "osm:node/" + strconv.FormatInt(int64(n.ID), 10),
			Category:     cat,
			Name:         tags["name"],
			Location:     p,
			Source:       FacilitySource,
			OpeningHours: openingHours(tags),
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("osm: %s: node %d: %w", path, n.ID, err)
		}
		if !yield(f, nil) {
			return stopped{}
		}
		return nil
	})
	if _, ok := err.(stopped); ok {
		return nil
	}
	if err != nil {
		return err
	}

	// Ways, reduced to the vertex average.
	for i, fw := range ways {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("osm: %s: %w", path, err)
			}
		}
		var sx, sy float64
		n := 0
		for _, ref := range fw.refs {
			k, _ := ns.index(ref)
			lon, lat, ok := ns.coord(k)
			if !ok {
				st.MissingNodeRefs++
				continue
			}
			p, err := crs.FromLonLat(crs.UTM33N, orb.Point{lon, lat})
			if err != nil {
				return fmt.Errorf("osm: %s: way %d: node %d: %w", path, fw.id, ref, err)
			}
			sx += p[0]
			sy += p[1]
			n++
		}
		if n == 0 {
			st.WaysWithoutNodes++
			continue
		}
		st.FromWays++
		st.ByCategory[fw.cat]++
		f := layers.Facility{
			ID:           "osm:way/" + strconv.FormatInt(fw.id, 10),
			Category:     fw.cat,
			Name:         fw.name,
			Location:     orb.Point{sx / float64(n), sy / float64(n)},
			Source:       FacilitySource,
			OpeningHours: fw.hours,
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("osm: %s: way %d: %w", path, fw.id, err)
		}
		if !yield(f, nil) {
			return nil
		}
	}
	return nil
}
