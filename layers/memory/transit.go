package memory

import (
	"context"
	"fmt"

	"reach/layers"
)

var _ layers.TransitStore = (*Store)(nil)

// ReplaceTransit keeps the timetable in place of the previous one. The feed is checked and then
// held as given: the caller must not change it afterwards.
func (s *Store) ReplaceTransit(ctx context.Context, feed *layers.TransitFeed) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: load transit: %w", err)
	}
	if err := feed.Check(); err != nil {
		return fmt.Errorf("memory: load transit: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	s.transit = feed
	s.mu.Unlock()
	return nil
}

// Transit returns the timetable, or an error wrapping layers.ErrNotFound when none is loaded.
func (s *Store) Transit(context.Context) (*layers.TransitFeed, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.transit == nil {
		return nil, fmt.Errorf("memory: no timetable loaded: %w", layers.ErrNotFound)
	}
	return s.transit, nil
}
