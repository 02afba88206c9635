package ogc

import (
	"errors"
	"testing"

	"reach/layers"
)

// FuzzParseDatetime checks that the datetime parameter either reads or is
// refused with a ParamError naming it, on a collection with a time and one
// without.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2024-05-01", "2024-05-01T10:00:00Z", "2024-01-01/2024-12-31", "../2024-01-01", "2024-01-01/..",
		"/", "..", "2024-13-01", "2024-05-01T25:00:00Z", "x/y", "2024-05-01/2024-01-01", "\x00", "9999999-01-01"} {
		f.Add(s)
	}
	var colls []layers.Collection
	for _, id := range layers.CollectionIDs() {
		if c, ok := layers.CollectionInfo(id); ok {
			colls = append(colls, c)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range colls {
			_, err := ParseDatetime(s, c)
			if err == nil {
				continue
			}
			var pe ParamError
			if !errors.As(err, &pe) || pe.Name != "datetime" {
				t.Fatalf("ParseDatetime(%q) on %s: %v is no ParamError naming datetime", s, c.ID, err)
			}
		}
	})
}
