package analysis

import (
	"errors"
	"testing"
)

// TestMemo: a value is computed once, a failure is not kept.
func TestMemo(t *testing.T) {
	r, _ := demoReader(t)
	e := buildEngine(t, r)
	type key struct{ n int }
	calls := 0
	for range 3 {
		v, err := e.Memo(key{1}, func() (any, error) { calls++; return calls, nil })
		if err != nil || v.(int) != 1 {
			t.Fatalf("memo: %v %v", v, err)
		}
	}
	if calls != 1 {
		t.Errorf("computed %d times, want once", calls)
	}
	boom := errors.New("boom")
	if _, err := e.Memo(key{2}, func() (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("failure: %v", err)
	}
	v, err := e.Memo(key{2}, func() (any, error) { return 7, nil })
	if err != nil || v.(int) != 7 {
		t.Errorf("after a failure: %v %v, want a fresh computation", v, err)
	}
	e.ForgetIf(func(k any) bool { return k == key{1} })
	if v, _ := e.Memo(key{1}, func() (any, error) { return 9, nil }); v.(int) != 9 {
		t.Errorf("after ForgetIf: %v", v)
	}
	if v, _ := e.Memo(key{2}, func() (any, error) { return 8, nil }); v.(int) != 7 {
		t.Errorf("ForgetIf dropped another key: %v", v)
	}
	cells := e.PopulatedCells()
	if len(cells) != len(e.cells) || cells[0].ID != e.cells[0].id || cells[0].Residents != e.cells[0].pop {
		t.Errorf("populated cells %d of %d, first %+v", len(cells), len(e.cells), cells[0])
	}
}
