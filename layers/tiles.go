package layers

import (
	"context"
	"errors"
)

// ErrTileUnsupported says that a TileSource does not encode the tile asked
// for (a collection or property it has no tile query for); the caller
// builds the tile from Items instead.
var ErrTileUnsupported = errors.New("layers: tile not encoded by the store")

// TileQuery asks for one Mapbox vector tile (specification 2.1) of a
// collection in WebMercatorQuad.
type TileQuery struct {
	Collection string
	Z, X, Y    uint32 // tile matrix, column, row
	// Filters maps a filterable property name to the exact value wanted, as
	// in ItemsQuery.
	Filters map[string]string
	// Properties are the properties each feature carries, besides "id" (the
	// feature id as text; the MVT feature id is the id where it is a
	// non-negative integer). Null values are left out.
	Properties []string
	// Extent is the tile's size in tile units, Buffer the margin kept
	// around it in the same units.
	Extent, Buffer int
	// MaxFeatures bounds the features in the tile: the first MaxFeatures by
	// feature id are kept and Tile.Truncated is set.
	MaxFeatures int
}

// Tile is one encoded vector tile: one layer named after the collection.
type Tile struct {
	Data      []byte
	Version   string // the collection version it was read from ("" unknown)
	Truncated bool   // more than MaxFeatures features fell in the tile
}

// TileSource is implemented by stores that encode vector tiles themselves
// (PostGIS: one ST_AsMVT query per tile), so that a tile at low zoom is not
// assembled from pages of Items.
type TileSource interface {
	// Tile encodes the tile, or returns an error wrapping
	// ErrTileUnsupported when the store has no tile query for it.
	Tile(ctx context.Context, q TileQuery) (Tile, error)
}
