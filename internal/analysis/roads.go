package analysis

import (
	"context"
	"fmt"
	"iter"

	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// The road layer is large (about 2 million segments at the scale of
// Saxony) and, once the networks exist, needed only by road scenarios and
// by WriteSnapshot (its digest). Built from the roads, the engine keeps
// the segments it has read anyway; built from a snapshot, it only hashes
// them as they stream past (the fingerprint check) and reads them again
// the first time a road scenario asks, checking that they are still the
// layer the networks were made from.

// roadSource streams the road layer (a layers.Reader is one). It is all
// the engine keeps of the layers it was built from: on the snapshot path
// the road layer is read again for road scenarios (roadSegments); nothing
// else is read after Build.
type roadSource interface {
	Roads(ctx context.Context) iter.Seq2[layers.RoadSegment, error]
}

// roadSegments returns the road layer the engine's networks were built
// from. On the snapshot path the layer is read from the engine's road source
// on the first call and kept; a layer that no longer hashes to the digest
// taken at Build is an error wrapping ErrSnapshotMismatch (the networks
// would not match it).
func (e *Engine) roadSegments(ctx context.Context) ([]layers.RoadSegment, error) {
	if e.roadsSum == nil {
		return e.roads, nil
	}
	e.roadsMu.Lock()
	defer e.roadsMu.Unlock()
	if e.roads != nil || e.roadsSum.N == 0 {
		return e.roads, nil
	}
	roads := make([]layers.RoadSegment, 0, min(e.roadsSum.N, 1<<26))
	ph := snapshot.NewPartHasher()
	for seg, err := range e.roadSrc.Roads(ctx) {
		if err != nil {
			return nil, fmt.Errorf("analysis: roads: %w", err)
		}
		roads = append(roads, seg)
		ph.Record().Road(&roads[len(roads)-1])
	}
	if d := ph.Digest(); d != *e.roadsSum {
		return nil, fmt.Errorf("analysis: roads: %w: the road layer changed since the engine was built (%d segments then, %d now; sha256 %x… then, %x… now); rebuild the engine",
			ErrSnapshotMismatch, e.roadsSum.N, d.N, e.roadsSum.Sum[:6], d.Sum[:6])
	}
	e.roads = roads
	return roads, nil
}

// roadLayerDigest returns the digest of the road layer the networks were
// built from.
func (e *Engine) roadLayerDigest() snapshot.Digest {
	if e.roadsSum != nil {
		return *e.roadsSum
	}
	return snapshot.RoadsDigest(e.roads)
}
