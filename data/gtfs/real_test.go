package gtfs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"reach/internal/realdata"
	"reach/layers"
)

func TestDresdenFeed(t *testing.T) {
	dir := realdata.Dir(t)
	start := time.Now()
	feed, err := ReadFile(context.Background(), filepath.Join(dir, "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read in %v", time.Since(start))
	if got, want := len(feed.Stops), 5129; got != want {
		t.Errorf("stops: got %d, want %d", got, want)
	}
	if got, want := len(feed.Trips), 15320; got != want {
		t.Errorf("trips: got %d, want %d", got, want)
	}
	if got, want := len(feed.Arr), 309795; got != want {
		t.Errorf("stop times: got %d, want %d", got, want)
	}
	day, _ := layers.ParseTransitDate("2023-01-11")
	tt, err := feed.Timetable(day, layers.DefaultWalk())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("timetable: %d patterns, %d trips, %d stop times, %d transfers", tt.NumPatterns(), tt.NumTrips(), tt.NumStopTimes(), tt.NumTransfers())
	if tt.NumTrips() != 15320 {
		t.Errorf("trips on 2023-01-11: got %d, want 15320", tt.NumTrips())
	}
	other, _ := layers.ParseTransitDate("2023-01-13")
	tt2, err := feed.Timetable(other, layers.DefaultWalk())
	if err != nil {
		t.Fatal(err)
	}
	if tt2.NumTrips() != 0 {
		t.Errorf("trips on 2023-01-13: got %d, want 0 (the feed runs on the 11th only)", tt2.NumTrips())
	}
}
