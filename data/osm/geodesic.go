package osm

import (
	"math"

	"github.com/paulmach/orb"
)

// GRS80 ellipsoid of ETRS89 (WGS84 differs by 1e-10 in the flattening).
const (
	grsA = 6378137.0
	grsF = 1 / 298.257222101
	grsB = grsA * (1 - grsF)
)

// GeodesicLength returns the length in metres of a line given in CRS84
// (lon, lat in degrees): the sum of the ellipsoidal distances between
// consecutive vertices on GRS80. It returns 0 for fewer than two points.
func GeodesicLength(ls orb.LineString) float64 {
	total := 0.0
	for i := 1; i < len(ls); i++ {
		total += geodesicDistance(ls[i-1], ls[i])
	}
	return total
}

// geodesicDistance is Vincenty's inverse formula on GRS80 (accurate to well
// under a millimetre for the short distances between way vertices). For the
// nearly antipodal points where it does not converge it falls back to a
// spherical great-circle distance; road vertices never get there.
func geodesicDistance(p, q orb.Point) float64 {
	if p == q {
		return 0
	}
	const rad = math.Pi / 180
	L := (q[0] - p[0]) * rad
	U1 := math.Atan((1 - grsF) * math.Tan(p[1]*rad))
	U2 := math.Atan((1 - grsF) * math.Tan(q[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		t1 := cosU2 * sinL
		t2 := cosU1*sinU2 - sinU1*cosU2*cosL
		sinSigma := math.Sqrt(t1*t1 + t2*t2)
		if sinSigma == 0 {
			return 0
		}
		cosSigma := sinU1*sinU2 + cosU1*cosU2*cosL
		sigma := math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha := 1 - sinAlpha*sinAlpha
		cos2SigmaM := 0.0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := grsF / 16 * cos2Alpha * (4 + grsF*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*grsF*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			u2 := cos2Alpha * (grsA*grsA - grsB*grsB) / (grsB * grsB)
			A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
			B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
			dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
				B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
			return grsB * A * (sigma - dSigma)
		}
	}
	// Spherical fallback with the mean radius.
	la1, la2 := p[1]*rad, q[1]*rad
	h := math.Pow(math.Sin((la2-la1)/2), 2) + math.Cos(la1)*math.Cos(la2)*math.Pow(math.Sin(L/2), 2)
	return 2 * 6371008.8 * math.Asin(math.Min(1, math.Sqrt(h)))
}
