package transit

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	raptor "reach/geo/transit"
	"reach/layers"
)

// fakeReader serves fixed layers to analysis.Build: no roads, no projects.
type fakeReader struct {
	munis []layers.Municipality
	cells []layers.Cell
	facs  []layers.Facility
}

func (r *fakeReader) Municipalities(context.Context) ([]layers.Municipality, error) {
	return append([]layers.Municipality(nil), r.munis...), nil
}
func (r *fakeReader) Memberships(context.Context) ([]layers.Membership, error) { return nil, nil }
func (r *fakeReader) Cells(context.Context) ([]layers.Cell, error) {
	return append([]layers.Cell(nil), r.cells...), nil
}
func (r *fakeReader) CentralPlaces(context.Context) ([]layers.CentralPlace, error) { return nil, nil }
func (r *fakeReader) Facilities(context.Context) ([]layers.Facility, error) {
	return append([]layers.Facility(nil), r.facs...), nil
}
func (r *fakeReader) Roads(context.Context) iter.Seq2[layers.RoadSegment, error] {
	return func(func(layers.RoadSegment, error) bool) {}
}
func (r *fakeReader) Projects(context.Context) ([]layers.Project, error) { return nil, nil }
func (r *fakeReader) Project(context.Context, string) (layers.Project, error) {
	return layers.Project{}, layers.ErrNotFound
}

var _ layers.Reader = (*fakeReader)(nil)

// cellAt returns the id of the 100 m INSPIRE cell containing p (EPSG:25833).
func cellAt(tb testing.TB, p orb.Point) string {
	tb.Helper()
	q, err := crs.Transform(crs.UTM33N, crs.LAEA, p)
	if err != nil {
		tb.Fatal(err)
	}
	return grid.Containing(q, 100).String()
}

// raptorTime is h:m as seconds after midnight.
func raptorTime(h, m int) raptor.Time { return raptor.Time(h*3600 + m*60) }

// raptorSeconds converts a duration to whole seconds.
func raptorSeconds(d time.Duration) raptor.Time { return raptor.Time(d / time.Second) }
