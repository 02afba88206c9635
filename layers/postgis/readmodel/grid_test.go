package readmodel

import (
	"errors"
	"math"
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

// TestCornersTable: the corner table finds what was put, through growth
// and reuse from the pool, and transforms a corner it does not hold.
func TestCornersTable(t *testing.T) {
	for round := 0; round < 3; round++ {
		c := newCorners(crs.CRS84, 10)
		want := map[int64]orb.Point{}
		for i := int32(0); i < 5000; i++ {
			e, n := 4000000+100*(i*7919%1000), 3000000+100*(i/3)
			k := cornerKey(e, n)
			p := orb.Point{float64(i), float64(round)}
			c.put(k, p)
			want[k] = p
		}
		if c.n != len(want) {
			t.Fatalf("round %d: %d corners held, want %d", round, c.n, len(want))
		}
		for k, p := range want {
			if got, ok := c.get(k); !ok || got != p {
				t.Fatalf("round %d: key %x: %v %v, want %v", round, k, got, ok, p)
			}
		}
		if _, ok := c.get(cornerKey(1, 1)); ok {
			t.Fatalf("round %d: found a corner never put", round)
		}
		e, n := int32(4560000), int32(3100000)
		got := c.at(e, n)
		ref, _ := crs.Transform(crs.LAEA, crs.CRS84, orb.Point{float64(e), float64(n)})
		if got != ref {
			t.Fatalf("at: %v, want %v", got, ref)
		}
		c.release()
	}
}

// benchGrid is a grid like that of bench/serving.sh: a pseudo-random 34 %
// of the 100 m cells of a 60 × 40 km area around Dresden, short ids, in id
// order.
func benchGrid() *Grid {
	g := &Grid{version: "1.1", agsName: []string{"", "14612000"}, resList: []int32{100}}
	type cell struct{ e, n int32 }
	var cells []cell
	for n := int32(3080000); n < 3120000; n += 100 {
		for e := int32(4540000); e < 4600000; e += 100 {
			if (int64(e)/100*7919+int64(n)/100*104729)%100 < 34 {
				cells = append(cells, cell{e, n})
			}
		}
	}
	// id order: "100mN<n/100>E<e/100>", all of the same length here.
	for _, c := range cells {
		g.east = append(g.east, c.e)
		g.north = append(g.north, c.n)
		g.resIdx = append(g.resIdx, 0)
		g.long = append(g.long, false)
		g.pop = append(g.pop, 7)
		g.u18 = append(g.u18, 0.15)
		g.o65 = append(g.o65, math.NaN())
		g.ags = append(g.ags, 1)
		g.year = append(g.year, 2011)
		sw, _ := crs.Transform(crs.LAEA, crs.CRS84, orb.Point{float64(c.e), float64(c.n)})
		g.ll = append(g.ll, sw)
	}
	g.index()
	return g
}

// BenchmarkGridItemsBBox: one page of up to 1,000 cells in a 0.1° box, as
// the uncached bbox row of bench/serving.sh asks (the page only; encoding
// is the server's).
func BenchmarkGridItemsBBox(b *testing.B) {
	g := benchGrid()
	b.ReportAllocs()
	declined := 0
	for i := 0; b.Loop(); i++ {
		lon, lat := 13.60+0.0013*float64(i%50), 50.98+0.0011*float64(i%37)
		box := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + 0.1, lat + 0.1}}
		p, ok := g.Items(layers.ItemsQuery{Limit: 1000, BBox: &box})
		if !ok {
			declined++ // a corner within gridEps of the box's edge
			continue
		}
		if len(p.Features) != 1000 {
			b.Fatalf("box %v: page of %d features", box, len(p.Features))
		}
	}
	if declined*10 > b.N {
		b.Fatalf("%d of %d pages left to PostgreSQL", declined, b.N)
	}
}

// TestGridItemsWrittenIn: a page to be written in CRS84 is the page
// without the stored squares; for any other CRS, or when not known, each
// feature has its stored square.
func TestGridItemsWrittenIn(t *testing.T) {
	g := benchGrid()
	box := orb.Bound{Min: orb.Point{13.65, 51.0}, Max: orb.Point{13.75, 51.1}}
	full, ok := g.Items(layers.ItemsQuery{Limit: 300, BBox: &box})
	if !ok || len(full.Features) != 300 {
		t.Fatalf("page of %d, served %v", len(full.Features), ok)
	}
	for _, c := range []crs.Code{0, crs.CRS84, crs.UTM33N, crs.LAEA} {
		p, ok := g.Items(layers.ItemsQuery{Limit: 300, BBox: &box, WrittenIn: c})
		if !ok || len(p.Features) != len(full.Features) || p.Next != full.Next {
			t.Fatalf("%v: page of %d (next %q), served %v", c, len(p.Features), p.Next, ok)
		}
		for k, f := range p.Features {
			w := full.Features[k]
			if f.ID != w.ID || !orb.Equal(f.Geometry, w.Geometry) || len(f.Properties) != len(w.Properties) {
				t.Fatalf("%v: feature %d: %+v, want %+v", c, k, f, w)
			}
			for j := range f.Properties {
				if f.Properties[j] != w.Properties[j] {
					t.Fatalf("%v: feature %s property %d: %v, want %v", c, f.ID, j, f.Properties[j], w.Properties[j])
				}
			}
			sq, _ := grid.ParseID(f.ID)
			switch {
			case c == crs.CRS84 && f.Stored != nil:
				t.Fatalf("%v: feature %s keeps its stored square", c, f.ID)
			case c != crs.CRS84 && (f.StoredCRS != crs.LAEA || !orb.Equal(f.Stored, sq.Polygon())):
				t.Fatalf("%v: feature %s stored %v in %v, want %v", c, f.ID, f.Stored, f.StoredCRS, sq.Polygon())
			}
		}
	}
}

// TestGridItemsStopAtFullRow: pages that stop at the row where they are
// full are the pages of all matching cells, page after page, for boxes in
// several CRSs; a grid whose ids are not in row order matches them all.
func TestGridItemsStopAtFullRow(t *testing.T) {
	g := benchGrid()
	if !g.rowOrder {
		t.Fatal("the grid of fixed-width ids is not in row order")
	}
	full := *g
	full.rowOrder = false
	boxes := []struct {
		b orb.Bound
		c crs.Code
	}{
		{orb.Bound{Min: orb.Point{13.65, 51.0}, Max: orb.Point{13.75, 51.1}}, 0},
		{orb.Bound{Min: orb.Point{13.601, 50.99}, Max: orb.Point{13.63, 51.0}}, 0},
		{orb.Bound{Min: orb.Point{4560000, 3090000}, Max: orb.Point{4565050, 3095000}}, crs.LAEA},
		{orb.Bound{Min: orb.Point{405000, 5650000}, Max: orb.Point{409000, 5654000}}, crs.UTM33N},
	}
	for _, bx := range boxes {
		for _, limit := range []int{1, 7, 100, 1000} {
			var a, b layers.Page
			pages := 0
			for {
				q := layers.ItemsQuery{Limit: limit, BBox: &bx.b, BBoxCRS: bx.c, After: a.Next}
				var okA, okB bool
				a, okA = g.Items(q)
				b, okB = full.Items(q)
				if okA != okB && okB {
					t.Fatalf("%v limit %d after %q: served %v, all cells %v", bx, limit, q.After, okA, okB)
				}
				if !okB {
					break // near an edge: PostgreSQL decides
				}
				if a.Next != b.Next || a.NumberMatched != b.NumberMatched || len(a.Features) != len(b.Features) {
					t.Fatalf("%v limit %d after %q: %d features next %q matched %d, want %d next %q matched %d", bx, limit, q.After,
						len(a.Features), a.Next, a.NumberMatched, len(b.Features), b.Next, b.NumberMatched)
				}
				for k := range a.Features {
					if a.Features[k].ID != b.Features[k].ID || !orb.Equal(a.Features[k].Geometry, b.Features[k].Geometry) {
						t.Fatalf("%v limit %d after %q: feature %d %s, want %s", bx, limit, q.After, k, a.Features[k].ID, b.Features[k].ID)
					}
				}
				pages++
				if a.Next == "" || pages > 40 {
					break
				}
			}
			if pages == 0 {
				t.Errorf("%v limit %d: no page served", bx, limit)
			}
		}
	}
	// Ids whose order is not the rows': "100mN1000E1" sorts before
	// "100mN999E1" and "100mN999E2".
	mixed := &Grid{version: "1", agsName: []string{""}, resList: []int32{100},
		east: []int32{100, 100, 200}, north: []int32{100000, 99900, 99900}, resIdx: []uint8{0, 0, 0}, long: []bool{false, false, false}}
	mixed.index()
	if mixed.rowOrder {
		t.Error("ids out of row order taken for row order")
	}
}
