// Package grid reads and writes INSPIRE grid cell identifiers of the
// population grid (Zensus) and gives each cell its geometry and centre in
// EPSG:3035 (ETRS89-LAEA, metres).
//
// Two spellings are understood:
//
//   - the short INSPIRE form of the 2011 Zensus, "1kmN3108E4561" and
//     "100mN31080E45610", where N and E count cells of the resolution
//     (kilometres or hectometres) from the origin;
//   - the long form of the 2022 Zensus, "CRS3035RES100mN2689100E4337000",
//     where N and E are metres.
//
// Both name the lower-left (south-west) corner of the cell.
package grid

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ID is a parsed cell identifier: its resolution and the EPSG:3035
// coordinates of its south-west corner, in metres.
type ID struct {
	ResolutionM int // cell edge in metres: 100, 1000, 10000 …
	North, East int // south-west corner in metres
}

// ParseID reads a cell identifier in the short or long INSPIRE form.
func ParseID(s string) (ID, error) {
	t := strings.TrimSpace(s)
	long := false
	if strings.HasPrefix(t, "CRS3035RES") {
		t = t[len("CRS3035RES"):]
		long = true
	}
	m := strings.Index(t, "m")
	if m <= 0 {
		return ID{}, fmt.Errorf("grid: %q is not an INSPIRE cell id (want e.g. 1kmN3108E4561)", s)
	}
	var res int
	switch unit := t[:m+1]; {
	case strings.HasSuffix(unit, "km"):
		v, err := strconv.Atoi(unit[:len(unit)-2])
		if err != nil || v <= 0 {
			return ID{}, fmt.Errorf("grid: %q: bad resolution %q", s, unit)
		}
		res = v * 1000
	default:
		v, err := strconv.Atoi(unit[:len(unit)-1])
		if err != nil || v <= 0 {
			return ID{}, fmt.Errorf("grid: %q: bad resolution %q", s, unit)
		}
		res = v
	}
	rest := t[m+1:]
	if len(rest) < 4 || rest[0] != 'N' {
		return ID{}, fmt.Errorf("grid: %q: want N…E… after the resolution", s)
	}
	e := strings.IndexByte(rest, 'E')
	if e < 2 || e == len(rest)-1 {
		return ID{}, fmt.Errorf("grid: %q: want N…E… after the resolution", s)
	}
	n, err1 := strconv.Atoi(rest[1:e])
	east, err2 := strconv.Atoi(rest[e+1:])
	if err1 != nil || err2 != nil || n < 0 || east < 0 {
		return ID{}, fmt.Errorf("grid: %q: northing and easting must be whole numbers", s)
	}
	if long {
		if n%res != 0 || east%res != 0 {
			return ID{}, fmt.Errorf("grid: %q: corner is not on the %d m grid", s, res)
		}
		return ID{ResolutionM: res, North: n, East: east}, nil
	}
	unit := res
	if res >= 1000 {
		unit = 1000
	} else {
		unit = res
	}
	// Short form: N and E count units of 1 km for km cells, of the cell size otherwise.
	return ID{ResolutionM: res, North: n * unit, East: east * unit}, nil
}

// String returns the short INSPIRE form ("1kmN3108E4561", "100mN31080E45610").
func (c ID) String() string {
	if c.ResolutionM >= 1000 && c.ResolutionM%1000 == 0 {
		return fmt.Sprintf("%dkmN%dE%d", c.ResolutionM/1000, c.North/1000, c.East/1000)
	}
	return fmt.Sprintf("%dmN%dE%d", c.ResolutionM, c.North/c.ResolutionM, c.East/c.ResolutionM)
}

// LongString returns the long form of the 2022 Zensus ("CRS3035RES100mN2689100E4337000").
func (c ID) LongString() string {
	return fmt.Sprintf("CRS3035RES%dmN%dE%d", c.ResolutionM, c.North, c.East)
}

// Containing returns the cell of resolution res that contains the EPSG:3035 point p.
func Containing(p orb.Point, res int) ID {
	floor := func(v float64) int {
		i := int(v) / res * res
		if float64(i) > v {
			i -= res
		}
		return i
	}
	return ID{ResolutionM: res, North: floor(p[1]), East: floor(p[0])}
}

// Center returns the cell centre in EPSG:3035.
func (c ID) Center() orb.Point {
	h := float64(c.ResolutionM) / 2
	return orb.Point{float64(c.East) + h, float64(c.North) + h}
}

// Bound returns the cell as a bound in EPSG:3035.
func (c ID) Bound() orb.Bound {
	return orb.Bound{
		Min: orb.Point{float64(c.East), float64(c.North)},
		Max: orb.Point{float64(c.East + c.ResolutionM), float64(c.North + c.ResolutionM)},
	}
}

// Polygon returns the cell as a closed counter-clockwise polygon in EPSG:3035.
func (c ID) Polygon() orb.Polygon {
	b := c.Bound()
	return orb.Polygon{orb.Ring{
		{b.Min[0], b.Min[1]}, {b.Max[0], b.Min[1]}, {b.Max[0], b.Max[1]}, {b.Min[0], b.Max[1]}, {b.Min[0], b.Min[1]},
	}}
}

// Parent returns the cell of the coarser resolution res (a multiple of the
// cell's own) that contains c.
func (c ID) Parent(res int) ID {
	return Containing(c.Center(), res)
}
