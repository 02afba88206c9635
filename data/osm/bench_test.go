package osm

import (
	"context"
	"testing"
)

// BenchmarkRoadsNDS reads every road segment of the Lower Saxony main-road
// extract (1.5 MB PBF, 20,077 ways, 97,185 nodes).
//
//	go test ./data/osm -run '^$' -bench RoadsNDS -benchmem
func BenchmarkRoadsNDS(b *testing.B) {
	path := sharedData(b, "osm/testfeld_nds_main_roads.osm.pbf")
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range Roads(context.Background(), path, nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no segments")
		}
	}
}

// BenchmarkFacilitiesHoyerswerda reads the facilities of the Hoyerswerda
// extract.
func BenchmarkFacilitiesHoyerswerda(b *testing.B) {
	path := sharedData(b, "osm/hoyerswerda.osm.pbf")
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range Facilities(context.Background(), path, nil) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
