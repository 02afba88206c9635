package tables

import (
	"testing"

	"reach/geo/access"
)

// FuzzParseAgeGroup checks that every label read is a band lo ≤ hi of
// non-negative years (hi at most access.OpenAge).
func FuzzParseAgeGroup(f *testing.F) {
	for _, s := range []string{"unter 3 Jahre", "3 bis unter 6 Jahre", "75 Jahre und mehr", "18-24", "65+", "5 Jahre",
		"  10   bis unter 15 jahren ", "99999999999999999999+", "7 – 3", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, ok := ParseAgeGroup(s)
		if ok && (lo < 0 || hi < lo || hi > access.OpenAge) {
			t.Fatalf("ParseAgeGroup(%q) = %d..%d", s, lo, hi)
		}
	})
}

// FuzzParseMapping checks that a mapping read is written back in a form
// that reads as the same mapping.
func FuzzParseMapping(f *testing.F) {
	for _, s := range []string{"Krankenhaus=hospital", "a=hospital,b=general_practice", "x=y", "=", ",", "a=hospital;b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMapping(s)
		if err != nil {
			return
		}
		back, err := ParseMapping(m.String())
		if err != nil {
			t.Fatalf("ParseMapping(%q) = %v, but its String %q is refused: %v", s, m, m.String(), err)
		}
		if back.String() != m.String() {
			t.Fatalf("ParseMapping(%q): %q reads back as %q", s, m.String(), back.String())
		}
	})
}
