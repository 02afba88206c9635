package memory

import (
	"testing"

	"reach/layers"
	"reach/layers/layertest"
)

// TestContract runs the contract suite that the PostGIS store passes too.
func TestContract(t *testing.T) {
	layertest.Run(t, func(t *testing.T) layers.Store { return New() })
}
