package transit_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

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

// BenchmarkRangeSpeedup120 interleaves the range search of BenchmarkRange120 with its baseline,
// one plain run per minute, so that both see the same load, and reports the median time of each
// and their ratio (the speed-up of the range form, ≥ 20 wanted): wall time, and on Linux also the
// CPU time of the thread, which the waits of a busy machine do not inflate.
func BenchmarkRangeSpeedup120(b *testing.B) {
	tt := dresdenTimetable(b)
	access := benchSource(b, tt)
	r, _ := tt.NewRouter(5)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ranges, plains, rangesCPU, plainsCPU []float64
	for b.Loop() {
		c0, cpu := threadCPU()
		t0 := time.Now()
		r.Range(access, 7*3600, 9*3600, 60, func(transit.Time, []transit.Time) {})
		t1 := time.Now()
		c1, _ := threadCPU()
		for dep := transit.Time(9 * 3600); dep >= 7*3600; dep -= 60 {
			r.EarliestArrival(access, dep)
		}
		t2 := time.Now()
		c2, _ := threadCPU()
		ranges = append(ranges, t1.Sub(t0).Seconds())
		plains = append(plains, t2.Sub(t1).Seconds())
		if cpu {
			rangesCPU = append(rangesCPU, (c1 - c0).Seconds())
			plainsCPU = append(plainsCPU, (c2 - c1).Seconds())
		}
	}
	median := func(v []float64) float64 {
		slices.Sort(v)
		return v[len(v)/2]
	}
	rm, pm := median(ranges), median(plains)
	b.ReportMetric(rm*1e3, "range-ms")
	b.ReportMetric(pm*1e3, "perminute-ms")
	b.ReportMetric(pm/rm, "speedup")
	if len(rangesCPU) > 0 {
		rc, pc := median(rangesCPU), median(plainsCPU)
		b.ReportMetric(rc*1e3, "range-cpu-ms")
		b.ReportMetric(pc*1e3, "perminute-cpu-ms")
		b.ReportMetric(pc/rc, "cpu-speedup")
	}
}
