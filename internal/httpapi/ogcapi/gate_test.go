package ogcapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRenderGate: at most n builds at once, the waiting ones let in in the
// order they came, a waiter whose context ends leaves with its error, and a
// release called twice frees one slot.
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
	// Waiters come in one after the other and are let in in that order.
	order := make(chan int, 3)
	for i := range 3 {
		go func() {
			rel, err := g.enter(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			order <- i
			time.Sleep(5 * time.Millisecond)
			rel()
		}()
		time.Sleep(10 * time.Millisecond) // queued before the next one
	}
	r1()
	r1() // a second call frees nothing more
	for want := range 3 {
		select {
		case got := <-order:
			if got != want {
				t.Fatalf("waiter %d let in as number %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("waiters not let in")
		}
		if len(g.slots) > 2 {
			t.Fatalf("%d builds at once", len(g.slots))
		}
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
