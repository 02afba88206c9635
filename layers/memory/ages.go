package memory

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"reach/layers"
)

var _ layers.AgeStore = (*Store)(nil)

// ReplaceAgeCounts keeps the rows of src in place of the population-by-age
// layer; nothing changes unless every row is valid.
func (s *Store) ReplaceAgeCounts(ctx context.Context, source string, src iter.Seq2[layers.AgeCount, error]) (int, error) {
	var rows []layers.AgeCount
	for c, err := range src {
		if err != nil {
			return 0, fmt.Errorf("memory: load population by age: record %d: %w", len(rows)+1, err)
		}
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("memory: load population by age: %w", err)
		}
		if err := c.Validate(); err != nil {
			return 0, fmt.Errorf("memory: load population by age: record %d (area %s, %d %s): %w", len(rows)+1, c.Area, c.Year, c.Variant, err)
		}
		rows = append(rows, c)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	s.ages, s.agesSource = rows, source
	s.mu.Unlock()
	return len(rows), nil
}

// AgeCounts returns a copy of the population-by-age layer and its source,
// or an error wrapping layers.ErrNotFound when none is loaded.
func (s *Store) AgeCounts(context.Context) ([]layers.AgeCount, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.ages) == 0 {
		return nil, "", fmt.Errorf("memory: no population by age loaded: %w", layers.ErrNotFound)
	}
	return slices.Clone(s.ages), s.agesSource, nil
}
