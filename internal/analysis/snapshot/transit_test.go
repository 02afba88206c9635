package snapshot

import (
	"encoding/binary"
	"errors"
	"testing"

	"reach/layers"
)

// TestDecodeTransitRejects checks that a damaged timetable block is refused, never
// half-decoded: truncated, a record count larger than the block can hold, an index out of
// range.
func TestDecodeTransitRejects(t *testing.T) {
	f := &layers.TransitFeed{Name: "x",
		Stops:         []layers.TransitStop{{ID: "a"}, {ID: "b"}},
		Routes:        []layers.TransitRoute{{ID: "r"}},
		Services:      []layers.TransitService{{ID: "s", Added: []int{20230111}}},
		Trips:         []layers.TransitTrip{{ID: "t"}},
		StopTimeStart: []uint32{0, 2},
		StopIdx:       []uint32{0, 1},
		Arr:           []int32{100, 200},
		Dep:           []int32{100, 200},
	}
	block := AppendTransit(nil, f)
	if g, err := DecodeTransit(block); err != nil || g.Name != "x" || len(g.StopIdx) != 2 {
		t.Fatalf("intact block: %v, %+v", err, g)
	}
	for n := 0; n < len(block); n += max(1, len(block)/40) {
		if _, err := DecodeTransit(block[:n]); !errors.Is(err, ErrInvalid) {
			t.Errorf("truncated to %d of %d bytes: error %v, want ErrInvalid", n, len(block), err)
		}
	}
	// The agency count sits after the name (2 + 1 bytes).
	huge := append([]byte(nil), block...)
	binary.LittleEndian.PutUint32(huge[3:], 1<<30)
	if _, err := DecodeTransit(huge); !errors.Is(err, ErrInvalid) {
		t.Errorf("agency count 2^30: error %v, want ErrInvalid", err)
	}
	// The last stop time's stop index points past the stops.
	bad := append([]byte(nil), block...)
	binary.LittleEndian.PutUint32(bad[len(bad)-12:], 7)
	if _, err := DecodeTransit(bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("stop index 7 of 2 stops: error %v, want ErrInvalid", err)
	}
}
