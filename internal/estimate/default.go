package estimate

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// calibrated is the model fitted by
//
//	reach calibrate ../shared/data/osm/north-bayreuth.osm.pbf ../shared/data/osm/hoyerswerda.osm.pbf \
//	    --regional ../shared/data/osm/testfeld_nds_main_roads.osm.pbf --json
//
// (see BENCHMARKS.md, "Straight-line model").
//
//go:embed calibrated.json
var calibrated []byte

// Default returns the calibrated model embedded in the binary.
func Default() (Model, error) {
	var m Model
	if err := json.Unmarshal(calibrated, &m); err != nil {
		return Model{}, fmt.Errorf("estimate: embedded model: %w", err)
	}
	if err := m.Check(); err != nil {
		return Model{}, fmt.Errorf("estimate: embedded model: %w", err)
	}
	return m, nil
}
