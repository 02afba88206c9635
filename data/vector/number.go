package vector

import (
	"math"
	"strconv"
	"strings"
)

// ParseFloat reads a decimal number. Surrounding spaces are ignored.
//
// With decimalComma false the number is in English notation ("1234.5",
// "-3", "1e3"); a comma is an error. With decimalComma true it is in German
// notation: the comma is the decimal separator and dots may only group
// thousands ("1.234,5", "1234,5", "4.071.971"); a dot that does not group
// thousands ("12.5") is an error, because it cannot be told apart from a
// thousands separator. NaN and infinities are errors. When ok is false,
// reason says why as a predicate ("is not a number"), fit for a FieldError.
func ParseFloat(s string, decimalComma bool) (float64, string, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, "is empty", false
	}
	if decimalComma {
		var ok bool
		t, ok = germanToPlain(t)
		if !ok {
			return 0, "is not a number in German notation (1.234,5)", false
		}
	} else if strings.Contains(t, ",") {
		return 0, "is not a number (decimal comma? the reader expects a decimal point)", false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, "is not a number", false
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, "is not a number", false
	}
	return v, "", true
}

// germanToPlain turns "1.234,5" into "1234.5"; ok is false when the dots do
// not group thousands.
func germanToPlain(t string) (string, bool) {
	intPart, frac, hasComma := strings.Cut(t, ",")
	if hasComma && (frac == "" || strings.ContainsAny(frac, ".,")) {
		return "", false
	}
	if strings.Contains(intPart, ".") {
		sign := ""
		if intPart != "" && (intPart[0] == '-' || intPart[0] == '+') {
			sign, intPart = intPart[:1], intPart[1:]
		}
		groups := strings.Split(intPart, ".")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return "", false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", false
			}
		}
		intPart = sign + strings.Join(groups, "")
	}
	if hasComma {
		return intPart + "." + frac, true
	}
	return intPart, true
}

// ParseInt reads a whole number in the given notation (see ParseFloat);
// "12.0" is accepted, "12.5" is not.
func ParseInt(s string, decimalComma bool) (int64, string, bool) {
	v, reason, ok := ParseFloat(s, decimalComma)
	if !ok {
		return 0, reason, false
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, "is not a whole number", false
	}
	return int64(v), "", true
}
