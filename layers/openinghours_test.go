package layers

import (
	"testing"
	"time"
)

func TestOpeningHours(t *testing.T) {
	// 2023-01-09 is a Monday.
	at := func(day int, hm string) time.Time {
		tm, err := time.Parse("15:04", hm)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2023, 1, 9+day, tm.Hour(), tm.Minute(), 0, 0, time.UTC)
	}
	tests := []struct {
		name, hours string
		open        []time.Time
		closed      []time.Time
	}{
		{"unknown", "", []time.Time{at(0, "03:00"), at(6, "23:59")}, nil},
		{"always", "24/7", []time.Time{at(0, "00:00"), at(6, "23:59")}, nil},
		{"surgery", "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00",
			[]time.Time{at(0, "08:00"), at(2, "11:59"), at(4, "17:59"), at(5, "09:30")},
			[]time.Time{at(0, "07:59"), at(0, "12:00"), at(2, "13:00"), at(4, "18:00"), at(5, "12:00"), at(6, "10:00")}},
		{"list of days", "Mo,We,Fr 07:30-13:00; Tu,Th 13:00-19:00",
			[]time.Time{at(0, "07:30"), at(1, "18:00"), at(4, "12:59")},
			[]time.Time{at(1, "08:00"), at(2, "14:00"), at(5, "10:00")}},
		{"every day", "08:00-20:00", []time.Time{at(3, "08:00"), at(6, "19:59")}, []time.Time{at(6, "20:00")}},
		{"past midnight", "Fr-Sa 22:00-02:00", []time.Time{at(4, "23:00"), at(5, "01:59"), at(6, "01:00")}, []time.Time{at(5, "02:00"), at(0, "01:00"), at(4, "21:59")}},
		{"later rule replaces", "Mo-Fr 08:00-18:00; We off", []time.Time{at(1, "09:00")}, []time.Time{at(2, "09:00")}},
		{"wrapping day range", "Sa-Mo 10:00-12:00", []time.Time{at(5, "10:00"), at(6, "11:00"), at(0, "11:59")}, []time.Time{at(1, "11:00")}},
		{"holidays skipped", "Mo-Fr 08:00-18:00; PH off", []time.Time{at(0, "09:00")}, []time.Time{at(5, "09:00")}},
		{"until midnight", "Mo 18:00-24:00", []time.Time{at(0, "23:59")}, []time.Time{at(1, "00:00")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseOpeningHours(tt.hours)
			if err != nil {
				t.Fatal(err)
			}
			if h.Known() != (tt.hours != "") {
				t.Errorf("Known() = %v", h.Known())
			}
			for _, o := range tt.open {
				if !h.OpenAt(o) {
					t.Errorf("%s %s: closed, want open", o.Weekday(), o.Format("15:04"))
				}
			}
			for _, c := range tt.closed {
				if h.OpenAt(c) {
					t.Errorf("%s %s: open, want closed", c.Weekday(), c.Format("15:04"))
				}
			}
		})
	}
	for _, bad := range []string{"Mo-Fx 08:00-12:00", "Mo-Fr", "Mo-Fr 8-12", "Mo-Fr 08:00-25:00", "Mo-Fr 08:00", "Jan-Mar 08:00-12:00", "Mo-Fr 08:00-08:00", "sunrise-sunset"} {
		if _, err := ParseOpeningHours(bad); err == nil {
			t.Errorf("%q: got no error", bad)
		}
	}
}
