package analysis

// The timetable in the engine snapshot: an engine whose timetable is versioned among its data
// versions (layers.StoreInfo.Versions["transit"], so that the snapshot's fingerprint covers
// it) writes it into its snapshot, and a Build given Options.LoadTransit takes it from a
// matching snapshot instead of loading it.

import (
	"context"
	"fmt"

	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// TransitVersion is the key of the timetable's data version in layers.StoreInfo.Versions.
const TransitVersion = "transit"

// snapshotTransit returns the timetable to write into the engine's snapshot: nil without one,
// or when no data version names it (a snapshot could not tell it from another timetable).
func (e *Engine) snapshotTransit() *layers.TransitFeed {
	if e.opts.Transit == nil || e.info.Versions[TransitVersion] == "" {
		return nil
	}
	return e.opts.Transit
}

// transitFromSnapshot is the last step of Build for a timetable not given in Options.Transit:
// from the snapshot p when it carries one (its fingerprint, checked by the network step, covers
// the timetable's data version), else from Options.LoadTransit.
func (e *Engine) transitFromSnapshot(ctx context.Context, p *snapshot.Pending) error {
	if e.opts.Transit != nil || e.opts.LoadTransit == nil {
		return nil
	}
	if p != nil && e.info.Versions[TransitVersion] != "" {
		data, err := p.Data(ctx)
		if err != nil {
			return fmt.Errorf("analysis: build: timetable from the snapshot: %w", err)
		}
		if data.Transit != nil {
			e.opts.Transit = data.Transit
			e.stats.TransitFromSnapshot = true
			return nil
		}
	}
	feed, err := e.opts.LoadTransit(ctx)
	if err != nil {
		return fmt.Errorf("analysis: build: timetable: %w", err)
	}
	e.opts.Transit = feed
	return nil
}
