package ogcapi

import "context"

// renderGate bounds the feature pages and tiles being built at once (the
// ones not in the cache). Building one is CPU work, in this process or in
// PostgreSQL's; more of them at once than there are CPUs to run them only
// share the CPUs, so that each takes as many times longer as there are
// others, and a large tile among small ones ends up many times slower than
// its own work. Through the gate they go first come, first served: a
// request waits for the ones before it, then builds at full speed, and
// its latency is that wait plus its own work whatever its size. Cached
// answers do not pass the gate. A nil *renderGate lets everything through.
type renderGate struct {
	slots chan struct{}
}

// newRenderGate returns a gate of n slots, or nil for n <= 0.
func newRenderGate(n int) *renderGate {
	if n <= 0 {
		return nil
	}
	return &renderGate{slots: make(chan struct{}, n)}
}

// enter waits for a slot, in the order of arrival (the waiters of a full
// channel are served first in, first out), or until ctx ends. The caller
// calls the returned release once, when the body is built and before it is
// written to the client (a slow reader keeps no slot).
func (g *renderGate) enter(ctx context.Context) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	released := false
	return func() {
		if !released {
			released = true
			<-g.slots
		}
	}, nil
}
