package crs

import (
	"math"

	"github.com/paulmach/orb"
)

// --- DHDN / 3-degree Gauss-Krüger (EPSG:31468, EPSG:31469) ---
//
// The Gauss-Krüger zones are a Transverse Mercator on the Bessel 1841
// ellipsoid with scale 1 on the central meridian (12°E for zone 4, 15°E for
// zone 5) and a false easting of zone × 1,000,000 + 500,000 m.
//
// DHDN and ETRS89 differ by a datum shift of about 100 m in Saxony. It is
// applied as the 7-parameter Helmert transformation (position vector
// convention) of EPSG's "DHDN to WGS 84 (3)", the parameter set for the
// states of former East Germany (Saxony among them) that PROJ offers for
// these zones: tX 612.4 m, tY 77.0 m, tZ 440.2 m, rX −0.054″, rY 0.057″,
// rZ −2.797″, scale +2.55 ppm; heights are taken as 0 on either ellipsoid.
// Its stated accuracy is 2 m; in Saxony it agrees with PROJ's preferred
// transformation through the BeTA2007 grid to within 0.3 m (measured with
// cs2cs 9.1.1 at six points from the Vogtland to Görlitz, see the tests).

// Bessel 1841 ellipsoid (DHDN).
const (
	besselA = 6377397.155
	besselF = 1 / 299.1528128
)

// dhdnToETRS89 holds the Helmert parameters DHDN → ETRS89: translations in
// metres, rotations in radians, scale as a fraction.
var dhdnToETRS89 = func() (h struct{ tx, ty, tz, rx, ry, rz, s float64 }) {
	const arcsec = math.Pi / (180 * 3600)
	h.tx, h.ty, h.tz = 612.4, 77.0, 440.2
	h.rx, h.ry, h.rz = -0.054*arcsec, 0.057*arcsec, -2.797*arcsec
	h.s = 2.55e-6
	return h
}()

// gkTM is the Gauss-Krüger projection on Bessel 1841; the zone's false
// easting is added by gkForward and gkInverse.
var gkTM = newTMerc(besselA, besselF, 1, 0)

// gkForward projects an ETRS89 point (lon, lat) to the Gauss-Krüger zone
// whose central meridian is lon0 (12 or 15).
func gkForward(ll orb.Point, lon0 float64) orb.Point {
	x, y, z := toECEF(ll, semiMajor, ecc2)
	h := dhdnToETRS89
	// inverse of the position-vector Helmert: X = Rᵀ (X' − T) / (1 + s)
	x, y, z = x-h.tx, y-h.ty, z-h.tz
	k := 1 / (1 + h.s)
	x, y, z = k*(x+h.rz*y-h.ry*z), k*(-h.rz*x+y+h.rx*z), k*(h.ry*x-h.rx*y+z)
	p := gkTM.forward(fromECEF(x, y, z, besselA, besselF*(2-besselF)), lon0)
	p[0] += gkFalseEasting(lon0)
	return p
}

// gkInverse converts a Gauss-Krüger point of the zone with central
// meridian lon0 to ETRS89 (lon, lat).
func gkInverse(p orb.Point, lon0 float64) orb.Point {
	q := orb.Point{p[0] - gkFalseEasting(lon0), p[1]}
	x, y, z := toECEF(gkTM.inverse(q, lon0), besselA, besselF*(2-besselF))
	h := dhdnToETRS89
	k := 1 + h.s
	x, y, z = h.tx+k*(x-h.rz*y+h.ry*z), h.ty+k*(h.rz*x+y-h.rx*z), h.tz+k*(-h.ry*x+h.rx*y+z)
	return fromECEF(x, y, z, semiMajor, ecc2)
}

// gkFalseEasting is zone × 1e6 + 500,000 m for the zone of central meridian lon0.
func gkFalseEasting(lon0 float64) float64 { return lon0/3*1e6 + 500000 }

// toECEF returns the earth-centred coordinates of the point ll (degrees,
// height 0) on the ellipsoid of semi-major axis a and squared eccentricity e2.
func toECEF(ll orb.Point, a, e2 float64) (x, y, z float64) {
	phi, lam := ll[1]*math.Pi/180, ll[0]*math.Pi/180
	sp, cp := math.Sincos(phi)
	n := a / math.Sqrt(1-e2*sp*sp)
	return n * cp * math.Cos(lam), n * cp * math.Sin(lam), n * (1 - e2) * sp
}

// fromECEF returns longitude and latitude (degrees) of earth-centred
// coordinates on the ellipsoid (a, e2); the height is dropped.
func fromECEF(x, y, z, a, e2 float64) orb.Point {
	p := math.Hypot(x, y)
	phi := math.Atan2(z, p*(1-e2))
	for i := 0; i < 8; i++ {
		sp := math.Sin(phi)
		n := a / math.Sqrt(1-e2*sp*sp)
		h := p/math.Cos(phi) - n
		phi = math.Atan2(z, p*(1-e2*n/(n+h)))
	}
	return orb.Point{math.Atan2(y, x) * 180 / math.Pi, phi * 180 / math.Pi}
}
