package ogcapi

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestRenderGate: at most n builds at once, every waiter let in as slots
// free, a waiter whose context ends leaves with its error, and a release
// called twice frees one slot.
func TestRenderGate(t *testing.T) {
	ctx := context.Background()
	g := newRenderGate(2)
	r1, err := g.enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := g.enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Full: a third waits until its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := g.enter(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("enter on a full gate: %v, want the deadline", err)
	}
	// With r2 held, one slot is left: the waiters go in one at a time,
	// even though r1 is released twice.
	var active, most atomic.Int32
	done := make(chan struct{}, 3)
	for range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			rel, err := g.enter(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			n := active.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			active.Add(-1)
			rel()
		}()
	}
	r1()
	r1() // a second call frees nothing more
	for range 3 {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("waiters not let in")
		}
	}
	if m := most.Load(); m != 1 {
		t.Fatalf("%d waiters built at once beside the held slot, want 1", m)
	}
	r2()
	// A nil gate lets everything through.
	var none *renderGate
	rel, err := none.enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rel()
}
