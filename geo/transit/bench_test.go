package transit_test

import (
	"testing"

	"reach/geo/transit"
)

// benchSource is Dresden Hauptbahnhof of the regional feed, a busy stop.
func benchSource(b *testing.B, tt *transit.Timetable) []transit.Access {
	b.Helper()
	for i, s := range tt.Stops {
		if s.Name == "Dresden Hauptbahnhof" {
			return []transit.Access{{Stop: transit.StopID(i)}}
		}
	}
	b.Fatal("no stop named Dresden Hauptbahnhof")
	return nil
}

// BenchmarkOneToAll is the earliest arrival at every stop for one departure (07:00, up to 5
// transfers).
func BenchmarkOneToAll(b *testing.B) {
	tt := dresdenTimetable(b)
	access := benchSource(b, tt)
	r, _ := tt.NewRouter(5)
	b.ReportAllocs()
	for b.Loop() {
		r.EarliestArrival(access, 7*3600)
	}
}

// BenchmarkRange120 is range RAPTOR over 07:00–09:00, every minute (121 departures).
func BenchmarkRange120(b *testing.B) {
	tt := dresdenTimetable(b)
	access := benchSource(b, tt)
	r, _ := tt.NewRouter(5)
	b.ReportAllocs()
	for b.Loop() {
		r.Range(access, 7*3600, 9*3600, 60, func(transit.Time, []transit.Time) {})
	}
}

// BenchmarkPerMinute120 is the baseline of BenchmarkRange120: one plain search per minute.
func BenchmarkPerMinute120(b *testing.B) {
	tt := dresdenTimetable(b)
	access := benchSource(b, tt)
	r, _ := tt.NewRouter(5)
	b.ReportAllocs()
	for b.Loop() {
		for dep := transit.Time(9 * 3600); dep >= 7*3600; dep -= 60 {
			r.EarliestArrival(access, dep)
		}
	}
}
