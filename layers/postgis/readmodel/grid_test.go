package readmodel

import (
	"errors"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

// idOf is the id a model of the one cell c prints.
func idOf(c grid.ID, long bool) string {
	g := &Grid{east: []int32{int32(c.East)}, north: []int32{int32(c.North)}, resIdx: []uint8{0},
		resList: []int32{int32(c.ResolutionM)}, long: []bool{long}}
	return g.id(0)
}

// TestGridModelIDs: the model prints a cell's id as grid.ID does, in both
// forms and at every resolution.
func TestGridModelIDs(t *testing.T) {
	for _, c := range []grid.ID{{ResolutionM: 100, North: 3100000, East: 4560000}, {ResolutionM: 1000, North: 2689000, East: 4337000},
		{ResolutionM: 250, North: 3100250, East: 4560500}, {ResolutionM: 10000, North: 2690000, East: 4330000}, {ResolutionM: 100, North: 0, East: 100}} {
		if got, want := idOf(c, false), c.String(); got != want {
			t.Errorf("short id of %+v: %s, want %s", c, got, want)
		}
		if got, want := idOf(c, true), c.LongString(); got != want {
			t.Errorf("long id of %+v: %s, want %s", c, got, want)
		}
	}
}

// TestNewMunisRefuses: the municipalities' model refuses an order that is
// not the byte order of the ids and a geometry without its stored one.
func TestNewMunisRefuses(t *testing.T) {
	sq := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
	ok := layers.Feature{ID: "14612000", Geometry: sq, Stored: sq, StoredCRS: crs.UTM33N}
	if _, err := NewMunis("1.1", []layers.Feature{ok, {ID: "14511000"}}); !errors.Is(err, ErrNoModel) {
		t.Errorf("ids out of order: %v, want ErrNoModel", err)
	}
	if _, err := NewMunis("1.1", []layers.Feature{{ID: "14511000", Geometry: sq}}); !errors.Is(err, ErrNoModel) {
		t.Errorf("geometry without the stored one: %v, want ErrNoModel", err)
	}
	m, err := NewMunis("1.1", []layers.Feature{{ID: "14511000"}, ok})
	if err != nil {
		t.Fatal(err)
	}
	p, served := m.Items(layers.ItemsQuery{Limit: 1})
	if !served || len(p.Features) != 1 || p.Next != "14511000" || p.Version != "1.1" {
		t.Errorf("first page: %+v (served %v)", p, served)
	}
}
