package analysis

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestCachedFieldWaiterOutlivesCancel: a caller waiting for a field whose computation is
// cancelled with another caller's context gets the field computed anew, not that
// cancellation; a caller whose own context ends gets its error, and nothing is cached.
func TestCachedFieldWaiterOutlivesCancel(t *testing.T) {
	e := &Engine{fields: map[fieldKey]*fieldEntry{}}
	k := fieldKey{"general_practice", Transit}
	started := make(chan struct{})
	ctxA, cancelA := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	go func() {
		_, err := e.cachedField(ctxA, k, func() (*field, error) {
			close(started)
			<-ctxA.Done()
			return nil, fmt.Errorf("computing: %w", ctxA.Err())
		})
		errA <- err
	}()
	<-started
	gotB := make(chan error, 1)
	var fB *field
	go func() {
		f, err := e.cachedField(context.Background(), k, func() (*field, error) { return newField(3, MethodTransit), nil })
		fB = f
		gotB <- err
	}()
	time.Sleep(20 * time.Millisecond) // B waits on A's computation
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: error %v, want context.Canceled", err)
	}
	if err := <-gotB; err != nil || fB == nil {
		t.Fatalf("waiting caller: field %v, error %v; want the field computed for it", fB != nil, err)
	}
	if f, err := e.cachedField(context.Background(), k, func() (*field, error) { t.Error("computed again"); return nil, nil }); err != nil || f != fB {
		t.Errorf("third caller: got %p (%v), want the cached %p", f, err, fB)
	}
}
