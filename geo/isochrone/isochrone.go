// Package isochrone turns a travel-time field into polygons: the area
// reachable within a threshold, as valid polygons with holes.
//
// The method is contouring on a regular raster ("grid field"): a Grid (or
// Sample, its one-call form) rasterises reached points — network nodes and
// points every half raster step along reached edges, each with its travel
// time — giving every raster sample the minimum over nearby reached points
// of the point's time plus a straight access leg at a given speed, and only
// within a bounded access distance; samples farther than that from every
// reached point stay unreachable (+Inf). Contour then runs marching squares
// over the raster for one threshold. Because unreachable samples are never
// given a time, water, the far side of a river without a bridge or the
// surroundings of a road without access stay outside the polygons as holes
// or gaps.
//
// The raster step adapts to the extent (SampleOptions.MaxSamples, StepFor):
// it is the smallest whole multiple of the base step whose raster over the
// reached extent has at most MaxSamples samples, and the default access leg
// grows by the same factor. Small areas (a walk, a short drive) keep the base
// step; a large drive gets a coarser raster, so that the work stays bounded.
// Any hole whose inscribed disc has a radius of more than the access leg plus
// step/√2 is kept at any step (some sample lies within step/√2 of the disc's
// centre, and it is farther than the leg from every reached point).
//
// Coordinates are planar and metric (for reach: EPSG:25833, x = easting,
// y = northing); the package does not transform them. Output rings follow
// the RFC 7946 winding: exterior rings counter-clockwise, holes clockwise,
// every ring closed. Rings never cross or touch one another and are simple,
// so the polygons are valid in the OGC simple-features sense.
//
// All functions are pure and safe for concurrent use; a Raster is not
// modified by Contour. A Grid is not safe for concurrent use (fill one per
// goroutine and combine them with Merge).
package isochrone

import (
	"errors"
	"math"

	"github.com/paulmach/orb"
)

// Reached is one point of the travel-time field: a place reached at Seconds.
type Reached struct {
	P       orb.Point // planar metric coordinates
	Seconds float64
	// MaxLegM bounds the straight access leg from this point in metres;
	// 0 means the SampleOptions default, a negative value means the point
	// gives time only to the raster sample nearest to it.
	MaxLegM float64
}

// SampleOptions configures Sample.
type SampleOptions struct {
	// StepM is the spacing of the raster in metres (e.g. 100).
	StepM float64
	// MaxLegM is the default bound of the straight access leg (metres); a
	// raster sample farther than this from every reached point is
	// unreachable. Typically 1–3 × StepM or the snapping radius.
	MaxLegM float64
	// AccessSpeedMS is the speed of the access leg in metres per second
	// (walking: about 1.25 m/s).
	AccessSpeedMS float64
	// MaxSeconds drops reached points slower than this (0: keep all); use
	// the largest threshold to keep the raster small.
	MaxSeconds float64
	// MaxSamples, when positive, coarsens the raster for large extents: the
	// step becomes the smallest whole multiple k·StepM whose raster has at
	// most MaxSamples samples, and MaxLegM (the default leg, not a point's
	// own MaxLegM) becomes k·MaxLegM. Zero keeps StepM whatever the extent
	// (up to 2²⁸ samples). See StepFor.
	MaxSamples int
}

// Raster is a regular grid of travel times in seconds. Sample (ix, iy)
// lies at Origin + (ix·Step, iy·Step); Values is row-major from the south
// (index iy·NX + ix). +Inf (or NaN) marks an unreachable sample.
type Raster struct {
	Origin orb.Point
	Step   float64
	NX, NY int
	Values []float64
}

// ErrEmpty is returned by Sample when no point is reached within MaxSeconds.
var ErrEmpty = errors.New("isochrone: no reached point")

// At returns the value of sample (ix, iy), or +Inf outside the raster.
func (r *Raster) At(ix, iy int) float64 {
	if ix < 0 || iy < 0 || ix >= r.NX || iy >= r.NY {
		return math.Inf(1)
	}
	v := r.Values[iy*r.NX+ix]
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	return v
}

// Point returns the coordinates of sample (ix, iy).
func (r *Raster) Point(ix, iy int) orb.Point {
	return orb.Point{r.Origin[0] + float64(ix)*r.Step, r.Origin[1] + float64(iy)*r.Step}
}

// ValueAt returns the time at p by looking up the nearest sample; +Inf
// outside the raster.
func (r *Raster) ValueAt(p orb.Point) float64 {
	ix := int(math.Round((p[0] - r.Origin[0]) / r.Step))
	iy := int(math.Round((p[1] - r.Origin[1]) / r.Step))
	return r.At(ix, iy)
}
