package vector

import (
	"math"
	"strconv"
	"testing"
)

// FuzzParseNumber checks the number reader on arbitrary text in both
// notations: an accepted number is finite, an accepted whole number is the
// same as the accepted float, a refusal says why, and a number written
// back in English notation reads as itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1234.5", "-3", "1e3", "1.234,5", "4.071.971", "12.5", "12,5", " 7 ", "NaN", "Inf", "1e999",
		"", ",", ".", "1..2", "0x10", "١٢", "12.0", "-0", "9223372036854775808"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		v, reason, ok := ParseFloat(s, comma)
		if !ok {
			if reason == "" {
				t.Fatalf("ParseFloat(%q, %v) refused without a reason", s, comma)
			}
		} else if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseFloat(%q, %v) = %v", s, comma, v)
		} else {
			back := strconv.FormatFloat(v, 'g', -1, 64)
			if w, _, ok := ParseFloat(back, false); !ok || w != v {
				t.Fatalf("ParseFloat(%q) = %v, but %q reads back as %v, %v", s, v, back, w, ok)
			}
		}
		n, reason, iok := ParseInt(s, comma)
		if iok && (!ok || float64(n) != v) {
			t.Fatalf("ParseInt(%q, %v) = %d but ParseFloat = %v, %v", s, comma, n, v, ok)
		}
		if !iok && reason == "" {
			t.Fatalf("ParseInt(%q, %v) refused without a reason", s, comma)
		}
	})
}
