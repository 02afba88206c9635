package snapshotio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
)

// writeSample writes a magic outside any section, then two sections: a
// header of fields and a column of n values that spans several chunks.
func writeSample(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Write([]byte("MAGIC123"))
	w.Begin()
	w.U8(7)
	w.U32(0xdeadbeef)
	w.U64(1 << 40)
	w.F64(math.Pi)
	w.Write(AppendStr(nil, "car"))
	w.End()
	w.Begin()
	w.Column(n, 8, func(b []byte, lo int) {
		for i := range len(b) / 8 {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(lo+i)*3)
		}
	})
	words := make([]uint32, 1000)
	for i := range words {
		words[i] = uint32(i * i)
	}
	w.Words(words)
	w.End()
	if w.Err() != nil {
		t.Fatal(w.Err())
	}
	if w.N() != int64(buf.Len()) {
		t.Fatalf("N() = %d, wrote %d bytes", w.N(), buf.Len())
	}
	return buf.Bytes()
}

func readSample(b []byte, n int) error {
	r := NewReader(bytes.NewReader(b))
	magic := make([]byte, 8)
	if err := r.Full(magic); err != nil {
		return err
	}
	r.Begin()
	v8, err := r.U8()
	if err != nil {
		return err
	}
	v32, _ := r.U32()
	v64, _ := r.U64()
	f, _ := r.F64()
	var sl [2]byte
	if err := r.Full(sl[:]); err != nil {
		return err
	}
	name, err := r.Bytes(uint64(binary.LittleEndian.Uint16(sl[:])))
	if err != nil {
		return err
	}
	if v8 != 7 || v32 != 0xdeadbeef || v64 != 1<<40 || f != math.Pi || string(name) != "car" {
		return errors.New("header fields differ")
	}
	if err := r.End(); err != nil {
		return err
	}
	r.Begin()
	col, err := ReadColumn(r, nil, uint64(n), 8, 1<<10, func(dst []uint64, b []byte) {
		for i := range dst {
			dst[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
	})
	if err != nil {
		return err
	}
	for i, v := range col {
		if v != uint64(i)*3 {
			return errors.New("column differs")
		}
	}
	words := make([]uint32, 1000)
	if err := r.Words(words); err != nil {
		return err
	}
	for i, v := range words {
		if v != uint32(i*i) {
			return errors.New("words differ")
		}
	}
	return r.End()
}

func TestRoundTrip(t *testing.T) {
	n := 3*Chunk/8 + 17 // several chunks and a short last one
	b := writeSample(t, n)
	if err := readSample(b, n); err != nil {
		t.Fatal(err)
	}
	// The first section's checksum is the CRC-32C of its bytes alone.
	head := b[8 : 8+1+4+8+8+5]
	if got, want := binary.LittleEndian.Uint32(b[8+len(head):]), crc32.Checksum(head, crc32.MakeTable(crc32.Castagnoli)); got != want || Checksum(head) != want {
		t.Errorf("stored checksum %08x, CRC-32C of the section %08x", got, want)
	}
}

func TestDamage(t *testing.T) {
	n := Chunk/8 + 5
	b := writeSample(t, n)
	// A flipped byte in either section is a checksum mismatch; in the
	// magic (outside every section) it is not noticed here.
	for _, at := range []int{9, 40, len(b) / 2, len(b) - 5} {
		bad := bytes.Clone(b)
		bad[at] ^= 0x10
		err := readSample(bad, n)
		if !errors.Is(err, ErrChecksum) && (err == nil || !strings.Contains(err.Error(), "differ")) {
			t.Errorf("byte %d flipped: error %v, want a checksum mismatch", at, err)
		}
	}
	// A cut anywhere is an unexpected end naming the offset.
	for _, cut := range []int{0, 5, 12, 40, len(b) / 2, len(b) - 1} {
		err := readSample(b[:cut], n)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "at byte ") {
			t.Errorf("cut at %d: error %v, want io.ErrUnexpectedEOF with the offset", cut, err)
		}
	}
}

// TestBytesBounded: a damaged length cannot make Bytes allocate far
// beyond what the input holds.
func TestBytesBounded(t *testing.T) {
	r := NewReader(bytes.NewReader(make([]byte, 100)))
	var before, after testingMemStats
	before.read()
	_, err := r.Bytes(1 << 40)
	after.read()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if grew := after.total - before.total; grew > 64<<20 {
		t.Errorf("allocated %d bytes for an input of 100", grew)
	}
}

func TestFields(t *testing.T) {
	b := AppendStr(nil, "bicycle")
	b = binary.LittleEndian.AppendUint32(b, 42)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(2.5))
	d := &Fields{B: b}
	if s, v, f := d.Str(), d.U32(), d.F64(); s != "bicycle" || v != 42 || f != 2.5 || d.Err != nil || len(d.B) != 0 {
		t.Errorf("got %q %d %v err %v, %d left", s, v, f, d.Err, len(d.B))
	}
	if d.U8() != 0 || d.Err == nil {
		t.Error("reading past the end: no error")
	}
	if d.U64() != 0 || d.Str() != "" {
		t.Error("after an error fields are not zero")
	}
}

// testingMemStats reads the total bytes allocated so far.
type testingMemStats struct{ total uint64 }

func (m *testingMemStats) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}
