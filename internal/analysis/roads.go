package analysis

import (
	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// The road layer is large (about 2 million segments at the scale of
// Saxony). The engine keeps the segments its networks were built from, on
// both paths of Build (read for the networks, or read and hashed while a
// snapshot is decoded), so that a road scenario starts from exactly that
// layer and the engine needs no reader after Build.

// RoadSegments returns the road layer the networks were built from
// (shared: do not modify).
func (e *Engine) RoadSegments() []layers.RoadSegment { return e.roads }

// roadLayerDigest returns the digest of the road layer the networks were
// built from.
func (e *Engine) roadLayerDigest() snapshot.Digest {
	if e.roadsSum != nil {
		return *e.roadsSum
	}
	return snapshot.RoadsDigest(e.roads)
}
