package postgis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reach/internal/pgtest"
	"reach/layers"
)

// testTransitTravelTimes: transit_travel_times keeps the method of every cell (transit,
// unreachable, no_stop) and refuses, naming the record and the field, a method that does not
// fit the median, leaving the rows before unchanged.
func testTransitTravelTimes(t *testing.T, db string) {
	url := pgtest.Schema(t, db)
	ctx := context.Background()
	s := migratedStore(t, url)
	dep := time.Date(2023, 1, 11, 7, 0, 0, 0, time.UTC)
	med := 1500.0
	recs := []layers.TransitTimeRecord{
		{CellID: "1kmN3106E4574", AGS: "14612000", Population: 300, Known: true, Departure: dep, WindowMinutes: 60, Median: &med, P10: &med, P90: &med, Method: layers.MethodTransit},
		{CellID: "1kmN3106E4575", AGS: "14612000", Population: 20, Known: true, Departure: dep, WindowMinutes: 60, Method: layers.MethodUnreachable},
		{CellID: "1kmN3140E4486", AGS: "14713000", Population: 4000, Known: true, Departure: dep, WindowMinutes: 60, Method: layers.MethodNoStop},
	}
	n, err := s.ReplaceTransitTravelTimes(ctx, layers.CatHospital, time.Now(), layers.Seq(recs))
	if err != nil || n != 3 {
		t.Fatalf("ReplaceTransitTravelTimes: %d, %v", n, err)
	}
	read := func() map[string]string {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT inspire_id, method FROM transit_travel_times WHERE category = 'hospital'`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for rows.Next() {
			var id, m string
			if err := rows.Scan(&id, &m); err != nil {
				t.Fatal(err)
			}
			out[id] = m
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := map[string]string{"1kmN3106E4574": "transit", "1kmN3106E4575": "unreachable", "1kmN3140E4486": "no_stop"}
	got := read()
	for id, m := range want {
		if got[id] != m {
			t.Errorf("cell %s: method %q, want %q (all: %v)", id, got[id], m, got)
		}
	}
	bad := append([]layers.TransitTimeRecord(nil), recs...)
	bad[2].Median = &med // a time with method no_stop
	_, err = s.ReplaceTransitTravelTimes(ctx, layers.CatHospital, time.Now(), layers.Seq(bad))
	var fes layers.FieldErrors
	if err == nil || !errors.As(err, &fes) || !strings.Contains(err.Error(), "1kmN3140E4486") || !strings.Contains(err.Error(), "method") {
		t.Errorf("a no_stop cell with a time: err = %v, want the record and the field named", err)
	}
	if after := read(); len(after) != 3 || after["1kmN3140E4486"] != "no_stop" {
		t.Errorf("after a refused load: %v, want the rows before", after)
	}
}
