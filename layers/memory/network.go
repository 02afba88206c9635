package memory

import (
	"context"
	"fmt"
	"iter"

	"reach/layers"
)

var _ layers.NetworkLoader = (*Store)(nil)

// ReplaceNetwork replaces roads, graph tables and the facilities of one
// source together: the streams are read and checked in full on a scratch
// store first, so that nothing changes unless all of them are good.
func (s *Store) ReplaceNetwork(ctx context.Context, n layers.NetworkImport) (int, error) {
	roads, err := collectAll(n.Roads)
	if err != nil {
		return 0, fmt.Errorf("memory: load network: roads: %w", err)
	}
	facs, err := collectAll(n.Facilities)
	if err != nil {
		return 0, fmt.Errorf("memory: load network: facilities: %w", err)
	}
	graphs := map[layers.Mode][]layers.GraphEdge{}
	for m, src := range n.Graphs {
		es, err := collectAll(src)
		if err != nil {
			return 0, fmt.Errorf("memory: load network: graph %s: %w", m, err)
		}
		graphs[m] = es
	}
	scratch := New()
	apply := func(st *Store) (int, error) {
		k, err := st.ReplaceRoads(ctx, layers.Seq(roads))
		if err != nil {
			return 0, err
		}
		for _, m := range layers.Modes() {
			if es, ok := graphs[m]; ok {
				if _, err := st.ReplaceGraph(ctx, m, layers.Seq(es)); err != nil {
					return 0, fmt.Errorf("memory: load network: graph %s: %w", m, err)
				}
			}
		}
		if _, err := st.ReplaceFacilities(ctx, n.FacilitySource, layers.Seq(facs)); err != nil {
			return 0, fmt.Errorf("memory: load network: facilities: %w", err)
		}
		return k, nil
	}
	if _, err := apply(scratch); err != nil {
		return 0, err
	}
	return apply(s)
}

func collectAll[T any](src iter.Seq2[T, error]) ([]T, error) {
	var out []T
	if src == nil {
		return out, nil
	}
	for v, err := range src {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
