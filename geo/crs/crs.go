// Package crs knows the coordinate reference systems reach works in and
// transforms points between them exactly, in pure Go:
//
//   - CRS84: WGS84/ETRS89 longitude, latitude in degrees (lon/lat axis order)
//   - EPSG:4326: the same datum with latitude, longitude axis order (as OGC
//     API Features requires when a client asks for it by that URI)
//   - EPSG:25833: ETRS89 / UTM zone 33N, metres (easting, northing)
//   - EPSG:25832: ETRS89 / UTM zone 32N, metres (easting, northing), the CRS
//     of the federal BKG products (VG250); read, not served
//   - EPSG:31468, EPSG:31469: DHDN / 3-degree Gauss-Krüger zones 4 and 5
//     (Bessel 1841, the legacy CRS of older Saxon data), metres (easting
//     with the zone prefix, northing); read, not served. The datum shift
//     DHDN → ETRS89 is a 7-parameter Helmert transformation (see gk.go)
//   - EPSG:3035: ETRS89-LAEA Europe, metres (easting, northing)
//   - EPSG:3857: WGS84 / Pseudo-Mercator, metres
//
// ETRS89 and WGS84 are treated as one datum; they differ by well under a metre
// in Saxony, far below the resolution of the data served.
//
// orb.Point values are always [x, y] in the axis order of their CRS, with the
// one exception of EPSG4326 where [0] is latitude. Functions are pure and safe
// for concurrent use.
package crs

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Code identifies a CRS by its EPSG code; CRS84 has the code 84.
type Code int

// Supported reference systems.
const (
	CRS84       Code = 84
	EPSG4326    Code = 4326
	UTM33N      Code = 25833
	UTM32N      Code = 25832
	GK4         Code = 31468 // DHDN / 3-degree Gauss-Krüger zone 4 (central meridian 12°E)
	GK5         Code = 31469 // DHDN / 3-degree Gauss-Krüger zone 5 (central meridian 15°E)
	LAEA        Code = 3035
	WebMercator Code = 3857
)

// ReadableNames lists every CRS that input files may be in, for messages.
const ReadableNames = "CRS84, EPSG:4326, EPSG:25833, EPSG:25832, EPSG:31468, EPSG:31469, EPSG:3035, EPSG:3857"

// ErrUnsupported is returned for a CRS that this package cannot transform.
var ErrUnsupported = errors.New("crs: unsupported reference system")

// Supported lists the supported codes in a stable order.
func Supported() []Code { return []Code{CRS84, EPSG4326, UTM33N, LAEA, WebMercator} }

// URI returns the OGC URI of the CRS, as used in OGC API Features.
func (c Code) URI() string {
	if c == CRS84 {
		return "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	}
	return "http://www.opengis.net/def/crs/EPSG/0/" + strconv.Itoa(int(c))
}

// String returns "CRS84" or "EPSG:n".
func (c Code) String() string {
	if c == CRS84 {
		return "CRS84"
	}
	return "EPSG:" + strconv.Itoa(int(c))
}

// Valid reports whether c is one of the supported systems.
func (c Code) Valid() bool {
	switch c {
	case CRS84, EPSG4326, UTM33N, UTM32N, GK4, GK5, LAEA, WebMercator:
		return true
	}
	return false
}

// Parse reads a CRS name in any of the usual spellings: "EPSG:25833",
// "epsg:25833", "25833", "urn:ogc:def:crs:EPSG::25833",
// "http://www.opengis.net/def/crs/EPSG/0/25833", "CRS84",
// "urn:ogc:def:crs:OGC:1.3:CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84".
// "EPSG:4326" as a URN or URI means latitude-first order; the short
// "EPSG:4326" spelling found in GeoJSON files is treated the same way, so
// callers reading legacy GeoJSON should map it to CRS84 themselves.
func Parse(s string) (Code, error) {
	t := strings.TrimSpace(s)
	l := strings.ToLower(t)
	switch {
	case l == "crs84" || strings.HasSuffix(l, "/ogc/1.3/crs84") || strings.HasSuffix(l, ":ogc:1.3:crs84") || l == "ogc:crs84" || strings.HasSuffix(l, ":ogc::crs84"):
		return CRS84, nil
	}
	num := ""
	switch {
	case strings.HasPrefix(l, "epsg:"):
		num = l[len("epsg:"):]
	case strings.HasPrefix(l, "urn:ogc:def:crs:epsg:"):
		num = l[len("urn:ogc:def:crs:epsg:"):]
		num = strings.TrimPrefix(num[strings.LastIndex(num, ":")+1:], ":")
	case strings.HasPrefix(l, "http://www.opengis.net/def/crs/epsg/"), strings.HasPrefix(l, "https://www.opengis.net/def/crs/epsg/"):
		num = l[strings.LastIndex(l, "/")+1:]
	default:
		num = l
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("crs: cannot read %q as a reference system: %w", s, ErrUnsupported)
	}
	c := Code(n)
	if !c.Valid() {
		return 0, fmt.Errorf("crs: %q: %w (supported: %s)", s, ErrUnsupported, ReadableNames)
	}
	return c, nil
}

// GRS80 ellipsoid (ETRS89); WGS84 differs in the flattening by 1e-10.
const (
	semiMajor  = 6378137.0
	flattening = 1 / 298.257222101
)

var (
	ecc2 = flattening * (2 - flattening)
	ecc  = math.Sqrt(ecc2)
)

// Transform converts one point from one CRS to another.
func Transform(from, to Code, p orb.Point) (orb.Point, error) {
	if from == to {
		return p, nil
	}
	if from == LAEA && to == CRS84 { // the grid's corners, served
		return laeaInverse(p), nil
	}
	ll, err := ToLonLat(from, p)
	if err != nil {
		return orb.Point{}, err
	}
	return FromLonLat(to, ll)
}

// ToLonLat converts a point in CRS from to CRS84 (lon, lat in degrees).
func ToLonLat(from Code, p orb.Point) (orb.Point, error) {
	switch from {
	case CRS84:
		return p, nil
	case EPSG4326:
		return orb.Point{p[1], p[0]}, nil
	case UTM33N:
		return utmInverse(p, 15), nil
	case UTM32N:
		return utmInverse(p, 9), nil
	case GK4:
		return gkInverse(p, 12), nil
	case GK5:
		return gkInverse(p, 15), nil
	case LAEA:
		return laeaInverse(p), nil
	case WebMercator:
		lon := p[0] / semiMajor * 180 / math.Pi
		lat := (2*math.Atan(math.Exp(p[1]/semiMajor)) - math.Pi/2) * 180 / math.Pi
		return orb.Point{lon, lat}, nil
	}
	return orb.Point{}, fmt.Errorf("crs: %v: %w", from, ErrUnsupported)
}

// FromLonLat converts a CRS84 point (lon, lat in degrees) to CRS to.
func FromLonLat(to Code, ll orb.Point) (orb.Point, error) {
	switch to {
	case CRS84:
		return ll, nil
	case EPSG4326:
		return orb.Point{ll[1], ll[0]}, nil
	case UTM33N:
		return utmForward(ll, 15), nil
	case UTM32N:
		return utmForward(ll, 9), nil
	case GK4:
		return gkForward(ll, 12), nil
	case GK5:
		return gkForward(ll, 15), nil
	case LAEA:
		return laeaForward(ll), nil
	case WebMercator:
		lat := math.Max(math.Min(ll[1], 85.06), -85.06)
		x := semiMajor * ll[0] * math.Pi / 180
		y := semiMajor * math.Log(math.Tan(math.Pi/4+lat*math.Pi/360))
		return orb.Point{x, y}, nil
	}
	return orb.Point{}, fmt.Errorf("crs: %v: %w", to, ErrUnsupported)
}

// Project returns a copy of g with every point transformed from one CRS to
// another. Geometry types that orb knows are kept; nil stays nil.
func Project(g orb.Geometry, from, to Code) (orb.Geometry, error) {
	if g == nil || from == to {
		return g, nil
	}
	if !from.Valid() || !to.Valid() {
		return nil, fmt.Errorf("crs: %v to %v: %w", from, to, ErrUnsupported)
	}
	f := func(p orb.Point) orb.Point {
		q, _ := Transform(from, to, p)
		return q
	}
	return mapGeometry(g, f), nil
}

// MustProject is Project for code paths where both codes are known constants.
// It panics on an unsupported code, which is a programming error.
func MustProject(g orb.Geometry, from, to Code) orb.Geometry {
	out, err := Project(g, from, to)
	if err != nil {
		panic(err)
	}
	return out
}

func mapPoints(ps []orb.Point, f func(orb.Point) orb.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = f(p)
	}
	return out
}

func mapRings(rs []orb.Ring, f func(orb.Point) orb.Point) []orb.Ring {
	out := make([]orb.Ring, len(rs))
	for i, r := range rs {
		out[i] = orb.Ring(mapPoints(r, f))
	}
	return out
}

func mapGeometry(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch v := g.(type) {
	case orb.Point:
		return f(v)
	case orb.MultiPoint:
		return orb.MultiPoint(mapPoints(v, f))
	case orb.LineString:
		return orb.LineString(mapPoints(v, f))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(v))
		for i, l := range v {
			out[i] = orb.LineString(mapPoints(l, f))
		}
		return out
	case orb.Ring:
		return orb.Ring(mapPoints(v, f))
	case orb.Polygon:
		return orb.Polygon(mapRings(v, f))
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(v))
		for i, p := range v {
			out[i] = orb.Polygon(mapRings(p, f))
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(v))
		for i, c := range v {
			out[i] = mapGeometry(c, f)
		}
		return out
	case orb.Bound:
		return orb.MultiPoint{f(v.Min), f(v.Max)}.Bound()
	}
	return g
}

// BoundToLonLat transforms a bounding box to CRS84 by transforming its
// densified outline, so that the result contains the whole box.
func BoundToLonLat(from Code, b orb.Bound) (orb.Bound, error) {
	return transformBound(b, func(p orb.Point) (orb.Point, error) { return ToLonLat(from, p) })
}

// BoundFromLonLat transforms a CRS84 bounding box to CRS to, containing the whole box.
func BoundFromLonLat(to Code, b orb.Bound) (orb.Bound, error) {
	return transformBound(b, func(p orb.Point) (orb.Point, error) { return FromLonLat(to, p) })
}

func transformBound(b orb.Bound, f func(orb.Point) (orb.Point, error)) (orb.Bound, error) {
	const steps = 16
	var out orb.Bound
	first := true
	for i := 0; i <= steps; i++ {
		t := float64(i) / steps
		for _, p := range []orb.Point{
			{b.Min[0] + t*(b.Max[0]-b.Min[0]), b.Min[1]},
			{b.Min[0] + t*(b.Max[0]-b.Min[0]), b.Max[1]},
			{b.Min[0], b.Min[1] + t*(b.Max[1]-b.Min[1])},
			{b.Max[0], b.Min[1] + t*(b.Max[1]-b.Min[1])},
		} {
			q, err := f(p)
			if err != nil {
				return orb.Bound{}, err
			}
			if first {
				out = orb.Bound{Min: q, Max: q}
				first = false
			} else {
				out = out.Extend(q)
			}
		}
	}
	return out, nil
}

// CheckLonLat returns an error when p is not a valid CRS84 position.
func CheckLonLat(p orb.Point) error {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		return fmt.Errorf("crs: [%g, %g] is not a longitude, latitude pair", p[0], p[1])
	}
	return nil
}

// SaxonyLonLat is a generous CRS84 box around the Free State of Saxony
// (its outline spans lon 11.87–15.04, lat 50.17–51.68), used to catch
// swapped axes and wrong CRS declarations in input files.
var SaxonyLonLat = orb.Bound{Min: orb.Point{11.0, 49.5}, Max: orb.Point{16.0, 52.5}}

// --- Transverse Mercator (Krüger series to n⁴, Karney 2011) ---

// tmerc is a Transverse Mercator projection on one ellipsoid: semi-major
// axis a, eccentricity e, scale k0 on the central meridian, false easting fe.
type tmerc struct {
	a, e        float64 // rectifying radius A (not the semi-major axis) and eccentricity
	alpha, beta [4]float64
	delta       [4]float64
	k0, fe, fn  float64
}

func newTMerc(semiMajor, flattening, k0, fe float64) tmerc {
	var t tmerc
	n := flattening / (2 - flattening)
	n2, n3, n4 := n*n, n*n*n, n*n*n*n
	t.a = semiMajor / (1 + n) * (1 + n2/4 + n4/64)
	t.e = math.Sqrt(flattening * (2 - flattening))
	t.alpha = [4]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180,
		13*n2/48 - 3*n3/5 + 557*n4/1440,
		61*n3/240 - 103*n4/140,
		49561 * n4 / 161280,
	}
	t.beta = [4]float64{
		n/2 - 2*n2/3 + 37*n3/96 - n4/360,
		n2/48 + n3/15 - 437*n4/1440,
		17*n3/480 - 37*n4/840,
		4397 * n4 / 161280,
	}
	t.delta = [4]float64{
		2*n - 2*n2/3 - 2*n3 + 116*n4/45,
		7*n2/3 - 8*n3/5 - 227*n4/45,
		56*n3/15 - 136*n4/35,
		4279 * n4 / 630,
	}
	t.k0, t.fe, t.fn = k0, fe, 0
	return t
}

// tm is UTM on GRS80 (false easting 500 km, scale 0.9996).
var tm = newTMerc(semiMajor, flattening, 0.9996, 500000)

func utmForward(ll orb.Point, lon0 float64) orb.Point { return tm.forward(ll, lon0) }

func utmInverse(p orb.Point, lon0 float64) orb.Point { return tm.inverse(p, lon0) }

// forward projects geographic ll (degrees, on the projection's ellipsoid)
// with central meridian lon0.
func (t *tmerc) forward(ll orb.Point, lon0 float64) orb.Point {
	phi := ll[1] * math.Pi / 180
	lam := (ll[0] - lon0) * math.Pi / 180
	sp := math.Sin(phi)
	tau := math.Sinh(math.Atanh(sp) - t.e*math.Atanh(t.e*sp))
	xi1 := math.Atan2(tau, math.Cos(lam))
	eta1 := math.Atanh(math.Sin(lam) / math.Sqrt(1+tau*tau))
	xi, eta := xi1, eta1
	for j := 0; j < 4; j++ {
		k := float64(2 * (j + 1))
		xi += t.alpha[j] * math.Sin(k*xi1) * math.Cosh(k*eta1)
		eta += t.alpha[j] * math.Cos(k*xi1) * math.Sinh(k*eta1)
	}
	return orb.Point{t.fe + t.k0*t.a*eta, t.fn + t.k0*t.a*xi}
}

// inverse is the inverse of forward.
func (t *tmerc) inverse(p orb.Point, lon0 float64) orb.Point {
	xi := (p[1] - t.fn) / (t.k0 * t.a)
	eta := (p[0] - t.fe) / (t.k0 * t.a)
	xi1, eta1 := xi, eta
	for j := 0; j < 4; j++ {
		k := float64(2 * (j + 1))
		xi1 -= t.beta[j] * math.Sin(k*xi) * math.Cosh(k*eta)
		eta1 -= t.beta[j] * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	chi := math.Asin(math.Sin(xi1) / math.Cosh(eta1))
	phi := chi
	for j := 0; j < 4; j++ {
		phi += t.delta[j] * math.Sin(float64(2*(j+1))*chi)
	}
	lam := math.Atan2(math.Sinh(eta1), math.Cos(xi1))
	return orb.Point{lon0 + lam*180/math.Pi, phi * 180 / math.Pi}
}

// --- Lambert azimuthal equal-area, ellipsoidal (Snyder 1987, EPSG:3035) ---

func laeaQ(sinPhi float64) float64 {
	return (1 - ecc2) * (sinPhi/(1-ecc2*sinPhi*sinPhi) - 1/(2*ecc)*math.Log((1-ecc*sinPhi)/(1+ecc*sinPhi)))
}

var laea = func() (l struct{ lon0, qp, rq, d, sinB1, cosB1, fe, fn float64 }) {
	lat0 := 52 * math.Pi / 180
	l.lon0 = 10
	l.fe, l.fn = 4321000, 3210000
	l.qp = laeaQ(1)
	l.rq = semiMajor * math.Sqrt(l.qp/2)
	q1 := laeaQ(math.Sin(lat0))
	b1 := math.Asin(q1 / l.qp)
	l.sinB1, l.cosB1 = math.Sin(b1), math.Cos(b1)
	m1 := math.Cos(lat0) / math.Sqrt(1-ecc2*math.Sin(lat0)*math.Sin(lat0))
	l.d = semiMajor * m1 / (l.rq * l.cosB1)
	return l
}()

func laeaForward(ll orb.Point) orb.Point {
	phi := ll[1] * math.Pi / 180
	dl := (ll[0] - laea.lon0) * math.Pi / 180
	beta := math.Asin(laeaQ(math.Sin(phi)) / laea.qp)
	sb, cb := math.Sin(beta), math.Cos(beta)
	b := laea.rq * math.Sqrt(2/(1+laea.sinB1*sb+laea.cosB1*cb*math.Cos(dl)))
	x := laea.fe + b*laea.d*cb*math.Sin(dl)
	y := laea.fn + (b/laea.d)*(laea.cosB1*sb-laea.sinB1*cb*math.Cos(dl))
	return orb.Point{x, y}
}

// laeaInverse is the inverse of laeaForward without iteration: the
// authalic latitude β from closed forms (one asin, one atan2, two square
// roots; the sine and cosine of the angular distance c from those of c/2),
// then the geodetic latitude φ = β + Σ authalic[k]·sin(2(k+1)β), summed by
// Clenshaw from sin 2β and cos 2β. The series converges like e^(2k); its
// coefficients are computed once from the exact inversion (authalicSeries),
// and the sum agrees with laeaInverseNewton to about 1e-15 rad.
func laeaInverse(p orb.Point) orb.Point {
	x := (p[0] - laea.fe) / laea.d
	y := (p[1] - laea.fn) * laea.d
	// ρ = 2·rq·sin(c/2); t = sin(c/2).
	t2 := (x*x + y*y) / (4 * laea.rq * laea.rq)
	if t2 > 1 {
		return orb.Point{math.NaN(), math.NaN()}
	}
	cc := 1 - 2*t2                 // cos c
	k := math.Sqrt(1-t2) / laea.rq // sin c / ρ
	sinB := cc*laea.sinB1 + y*k*laea.cosB1
	sinB = math.Max(-1, math.Min(1, sinB))
	lam := math.Atan2(x*k, laea.cosB1*cc-y*laea.sinB1*k)
	beta := math.Asin(sinB)
	cosB := math.Sqrt(1 - sinB*sinB)
	s2, c2 := 2*sinB*cosB, 1-2*sinB*sinB
	// Clenshaw: Σ a_k sin(2kβ) = b_1·sin 2β with b_k = a_k + 2cos 2β·b_{k+1} − b_{k+2}.
	var b1, b2 float64
	for j := len(authalic) - 1; j >= 0; j-- {
		b1, b2 = authalic[j]+2*c2*b1-b2, b1
	}
	phi := beta + b1*s2
	return orb.Point{laea.lon0 + lam*180/math.Pi, phi * 180 / math.Pi}
}

// authalic holds the coefficients of φ − β = Σ authalic[k]·sin(2(k+1)β),
// the geodetic latitude φ from the authalic latitude β on GRS80.
var authalic = authalicSeries()

// authalicSeries computes the sine series of φ(β) − β by the discrete sine
// transform of its values at the midpoints of n intervals of [0, π/2]
// (exact for the first n−1 terms of an odd, π-periodic function, up to the
// aliasing of terms beyond n, which are below 1e-30 here). Eight terms are
// kept: term k is of the order of e^(2k) ≈ 0.0067^k, so the eighth is
// already below the precision of a float64.
func authalicSeries() [8]float64 {
	const n = 64
	var f [n]float64
	for j := range f {
		beta := (float64(j) + 0.5) * math.Pi / 2 / n
		f[j] = latFromAuthalic(beta) - beta
	}
	var a [8]float64
	for k := range a {
		var s float64
		for j := range f {
			s += f[j] * math.Sin(float64(2*(k+1))*(float64(j)+0.5)*math.Pi/2/n)
		}
		a[k] = 2 * s / n
	}
	return a
}

// latFromAuthalic returns the geodetic latitude (radians) of the authalic
// latitude beta by Newton iteration on q(φ) (Snyder eq. 3-16).
func latFromAuthalic(beta float64) float64 {
	q := laea.qp * math.Sin(beta)
	phi := math.Asin(q / 2)
	for i := 0; i < 12; i++ {
		sp := math.Sin(phi)
		w := 1 - ecc2*sp*sp
		dphi := w * w / (2 * math.Cos(phi)) * (q/(1-ecc2) - sp/w + 1/(2*ecc)*math.Log((1-ecc*sp)/(1+ecc*sp)))
		phi += dphi
		if math.Abs(dphi) < 1e-15 {
			break
		}
	}
	return phi
}

// laeaInverseNewton is the inverse of laeaForward by Snyder's formulas
// (eqs. 24-28, 3-16), the latitude by Newton iteration: the reference of
// laeaInverse in the tests.
func laeaInverseNewton(p orb.Point) orb.Point {
	x := p[0] - laea.fe
	y := p[1] - laea.fn
	rho := math.Hypot(x/laea.d, laea.d*y)
	if rho < 1e-9 {
		return orb.Point{laea.lon0, 52}
	}
	c := 2 * math.Asin(rho/(2*laea.rq))
	sc, cc := math.Sin(c), math.Cos(c)
	betaP := math.Asin(cc*laea.sinB1 + laea.d*y*sc*laea.cosB1/rho)
	lam := math.Atan2(x*sc, laea.d*rho*laea.cosB1*cc-laea.d*laea.d*y*laea.sinB1*sc)
	return orb.Point{laea.lon0 + lam*180/math.Pi, latFromAuthalic(betaP) * 180 / math.Pi}
}

// LAEABox tells on which side of the edges of a CRS84 box the CRS84
// image of a point of EPSG:3035 lies, without transforming it: latitude
// is compared through the sine of the authalic latitude and longitude
// through the tangent of the longitude from the projection's meridian,
// both from the closed forms of laeaInverse (two square roots, no
// trigonometry). Points within the margin of an edge are left undecided.
type LAEABox struct {
	sbIn0, sbIn1, sbOut0, sbOut1 float64 // sin β at lat0±margin, lat1∓margin
	tIn0, tIn1, tOut0, tOut1     float64 // tan(lon − lon0) at lon0±margin, lon1∓margin
}

// Sides of a box beyond which a point lies (LAEABox.Classify).
const (
	BeyondWest uint8 = 1 << iota
	BeyondEast
	BeyondSouth
	BeyondNorth
)

// NewLAEABox prepares the tests against box (CRS84, lon/lat in degrees)
// with margin (degrees). ok is false where the box reaches 90° or more in
// longitude from the projection's meridian (10° E) or beyond the poles.
func NewLAEABox(box orb.Bound, margin float64) (LAEABox, bool) {
	lon0, lat0, lon1, lat1 := box.Min[0], box.Min[1], box.Max[0], box.Max[1]
	if lon0-margin <= laea.lon0-89 || lon1+margin >= laea.lon0+89 || lat0-margin <= -90 || lat1+margin >= 90 {
		return LAEABox{}, false
	}
	sb := func(lat float64) float64 { return laeaQ(math.Sin(lat*math.Pi/180)) / laea.qp }
	tl := func(lon float64) float64 { return math.Tan((lon - laea.lon0) * math.Pi / 180) }
	return LAEABox{
		sbIn0: sb(lat0 + margin), sbIn1: sb(lat1 - margin), sbOut0: sb(lat0 - margin), sbOut1: sb(lat1 + margin),
		tIn0: tl(lon0 + margin), tIn1: tl(lon1 - margin), tOut0: tl(lon0 - margin), tOut1: tl(lon1 + margin),
	}, true
}

// Classify returns for the EPSG:3035 point (x, y) whether its image lies
// inside the box by more than the margin, and the sides beyond which it
// lies by more than the margin; neither for a point near an edge, or too
// far from the projection's centre to tell.
func (b *LAEABox) Classify(x, y float64) (inside bool, beyond uint8) {
	x = (x - laea.fe) / laea.d
	y = (y - laea.fn) * laea.d
	t2 := (x*x + y*y) / (4 * laea.rq * laea.rq)
	if t2 > 0.5 { // c beyond 90°: the denominator of λ may change sign
		return false, 0
	}
	cc := 1 - 2*t2
	k := math.Sqrt(1-t2) / laea.rq
	sinB := cc*laea.sinB1 + y*k*laea.cosB1
	num, den := x*k, laea.cosB1*cc-y*laea.sinB1*k // λ = atan2(num, den)
	if den <= 0 {
		return false, 0
	}
	inside = sinB > b.sbIn0 && sinB < b.sbIn1 && num > den*b.tIn0 && num < den*b.tIn1
	if sinB < b.sbOut0 {
		beyond |= BeyondSouth
	}
	if sinB > b.sbOut1 {
		beyond |= BeyondNorth
	}
	if num < den*b.tOut0 {
		beyond |= BeyondWest
	}
	if num > den*b.tOut1 {
		beyond |= BeyondEast
	}
	return inside, beyond
}
