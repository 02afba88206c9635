package transit

import (
	"math/rand/v2"
	"testing"
)

func TestDepartsWithin(t *testing.T) {
	tt, id := drawn(t, `
		a: A 7:00 B 7:10 C 7:20
		a: A 8:00 B 8:10 C 8:20
		b: D 9:00 B 9:05`)
	cases := []struct {
		stop     string
		from, to string
		want     bool
	}{
		{"A", "7:00", "7:01", true},  // from is inclusive
		{"A", "6:00", "7:00", false}, // to is exclusive
		{"A", "7:01", "8:00", false},
		{"A", "7:01", "8:01", true},
		{"B", "7:05", "7:11", true},
		{"B", "9:00", "9:06", false},  // route b ends at B
		{"C", "6:00", "23:00", false}, // the last stop of every trip: arrivals only
		{"D", "9:00", "9:01", true},
	}
	for _, c := range cases {
		if got := tt.DepartsWithin(id[c.stop], hm(t, c.from), hm(t, c.to)); got != c.want {
			t.Errorf("DepartsWithin(%s, %s, %s) = %v, want %v", c.stop, c.from, c.to, got, c.want)
		}
	}
}

// TestDepartsWithinAgainstDepartures compares DepartsWithin with a plain scan of Departures.
func TestDepartsWithinAgainstDepartures(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for round := 0; round < 10; round++ {
		tt := randomTimetable(rng, 30, 20)
		for q := 0; q < 200; q++ {
			s := StopID(rng.IntN(len(tt.Stops)))
			from := Time(5*3600 + rng.IntN(6*3600))
			to := from + Time(rng.IntN(3600))
			want := false
			for _, d := range tt.Departures(s) {
				if d >= from && d < to {
					want = true
				}
			}
			if got := tt.DepartsWithin(s, from, to); got != want {
				t.Fatalf("round %d: DepartsWithin(%d, %s, %s) = %v, plain scan %v", round, s, from, to, got, want)
			}
		}
	}
}
