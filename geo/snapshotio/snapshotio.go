// Package snapshotio is the binary plumbing that every snapshot file of
// reach shares (graph, contraction hierarchy, network, engine): fields
// written and read little endian through a running CRC-32C (Castagnoli),
// sections closed by the checksum of their bytes, columns encoded and
// decoded in chunks of about a megabyte, and reads that never allocate far
// beyond what the input actually holds, so that a damaged length cannot
// claim memory. Each format keeps its own layout and its own error; this
// package knows no format.
package snapshotio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"unsafe"
)

// Chunk is the size of the buffer columns are encoded into and decoded
// from.
const Chunk = 1 << 20

// castagnoli is the CRC-32C table of every checksum.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var le = binary.LittleEndian

// ErrChecksum is wrapped by the error of a section whose stored checksum
// is not that of its bytes.
var ErrChecksum = errors.New("checksum mismatch")

// littleEndian reports whether the machine stores integers little endian,
// so that u32 arrays can be written and read as they lie in memory.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// Checksum returns the CRC-32C of b, as a section of b alone would store it.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Writer writes to an io.Writer, keeping the byte count, the first error
// (after which every write is skipped) and a running checksum of the
// current section. It does not buffer.
type Writer struct {
	w   io.Writer
	buf []byte // chunk buffer of Column, allocated on first use
	crc uint32
	n   int64
	err error
}

// NewWriter returns a Writer on w with a section begun.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes b and adds it to the section's checksum. It implements
// io.Writer, so that a nested format can write into a section.
func (w *Writer) Write(b []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.crc = crc32.Update(w.crc, castagnoli, b)
	k, err := w.w.Write(b)
	w.n += int64(k)
	w.err = err
	return k, err
}

// Begin starts a section: the checksum covers what is written from here
// to End.
func (w *Writer) Begin() { w.crc = 0 }

// End writes the u32 checksum of the section (not itself part of any
// section).
func (w *Writer) End() { w.Write(le.AppendUint32(nil, w.crc)) }

// Sum returns the checksum of the section so far.
func (w *Writer) Sum() uint32 { return w.crc }

// U8, U32, U64 and F64 write one little-endian field.
func (w *Writer) U8(v uint8)   { w.Write([]byte{v}) }
func (w *Writer) U32(v uint32) { w.Write(le.AppendUint32(nil, v)) }
func (w *Writer) U64(v uint64) { w.Write(le.AppendUint64(nil, v)) }
func (w *Writer) F64(v float64) {
	w.Write(le.AppendUint64(nil, math.Float64bits(v)))
}

// Column writes n values of size bytes each through the chunk buffer;
// enc fills b with the values from lo on (len(b)/size of them).
func (w *Writer) Column(n, size int, enc func(b []byte, lo int)) {
	if w.buf == nil {
		w.buf = make([]byte, Chunk)
	}
	per := len(w.buf) / size
	for lo := 0; lo < n && w.err == nil; lo += per {
		k := min(n-lo, per)
		b := w.buf[:k*size]
		enc(b, lo)
		w.Write(b)
	}
}

// Words writes s as little-endian u32 values (on little-endian machines
// straight from memory).
func (w *Writer) Words(s []uint32) {
	if littleEndian {
		w.Write(u32Bytes(s))
		return
	}
	w.Column(len(s), 4, func(b []byte, lo int) {
		for i := range len(b) / 4 {
			le.PutUint32(b[4*i:], s[lo+i])
		}
	})
}

// N returns the bytes written so far.
func (w *Writer) N() int64 { return w.n }

// Err returns the first error of a write, or nil.
func (w *Writer) Err() error { return w.err }

// Reader reads from an io.Reader, keeping the offset and a running
// checksum of the current section. It does not buffer beyond what it is
// asked for, so a format may hand it on to a nested format.
type Reader struct {
	r   io.Reader
	buf []byte // chunk buffer of ReadColumn
	crc uint32
	off int64
}

// NewReader returns a Reader on r with a section begun.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Read reads into p and adds what it read to the section's checksum. It
// implements io.Reader, so that a nested format can read a section.
func (r *Reader) Read(p []byte) (int, error) {
	k, err := r.r.Read(p)
	r.crc = crc32.Update(r.crc, castagnoli, p[:k])
	r.off += int64(k)
	return k, err
}

// Full reads exactly len(b) bytes into b. An input that ends first gives
// an error wrapping io.ErrUnexpectedEOF with the offset where it ended.
func (r *Reader) Full(b []byte) error {
	k, err := io.ReadFull(r.r, b)
	r.crc = crc32.Update(r.crc, castagnoli, b[:k])
	r.off += int64(k)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("at byte %d: %w", r.off, err)
	}
	return nil
}

// Begin starts a section: End checks the bytes read from here on.
func (r *Reader) Begin() { r.crc = 0 }

// Sum returns the checksum of the section so far.
func (r *Reader) Sum() uint32 { return r.crc }

// End reads the section's stored checksum and compares it with that of
// the bytes read since Begin; a difference wraps ErrChecksum.
func (r *Reader) End() error {
	want := r.crc
	var b [4]byte
	if err := r.Full(b[:]); err != nil {
		return err
	}
	if got := le.Uint32(b[:]); got != want {
		return fmt.Errorf("%w: stored %08x, computed %08x", ErrChecksum, got, want)
	}
	return nil
}

// U8, U32, U64 and F64 read one little-endian field.
func (r *Reader) U8() (uint8, error) {
	var b [1]byte
	err := r.Full(b[:])
	return b[0], err
}

func (r *Reader) U32() (uint32, error) {
	var b [4]byte
	err := r.Full(b[:])
	return le.Uint32(b[:]), err
}

func (r *Reader) U64() (uint64, error) {
	var b [8]byte
	err := r.Full(b[:])
	return le.Uint64(b[:]), err
}

func (r *Reader) F64() (float64, error) {
	v, err := r.U64()
	return math.Float64frombits(v), err
}

// Bytes reads exactly n bytes, growing the buffer as the data arrive, so
// that a damaged length cannot make it allocate more than the input holds
// plus one chunk.
func (r *Reader) Bytes(n uint64) ([]byte, error) {
	const chunk = 1 << 24
	buf := make([]byte, 0, min(n, chunk))
	for uint64(len(buf)) < n {
		k := int(min(n-uint64(len(buf)), chunk))
		buf = slices.Grow(buf, k)
		if err := r.Full(buf[len(buf) : len(buf)+k]); err != nil {
			return nil, err
		}
		buf = buf[:len(buf)+k]
	}
	return buf, nil
}

// Offset returns the bytes read so far.
func (r *Reader) Offset() int64 { return r.off }

// SetChunk sets the size of the chunk buffer of ReadColumn and Chunks
// (Chunk unless set), for inputs known to be small.
func (r *Reader) SetChunk(size int) { r.buf = make([]byte, max(size, 64)) }

// ReadColumn reads n values of size bytes each, chunk by chunk, and
// appends them to out (a new slice when nil); dec decodes a chunk b into
// dst (len(b)/size values). A new slice has room for at most capLimit
// values and grows with the data actually read.
func ReadColumn[T any](r *Reader, out []T, n uint64, size, capLimit int, dec func(dst []T, b []byte)) ([]T, error) {
	if out == nil {
		out = make([]T, 0, min(n, uint64(capLimit)))
	}
	err := r.Chunks(n, size, func(b []byte, _ uint64) error {
		k := len(b) / size
		out = slices.Grow(out, k)
		dec(out[len(out):len(out)+k], b)
		out = out[:len(out)+k]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Chunks reads n values of size bytes each, chunk by chunk, and calls f
// with each chunk (which f must not keep) and the index of its first
// value; it stops at the first error of f.
func (r *Reader) Chunks(n uint64, size int, f func(b []byte, first uint64) error) error {
	if r.buf == nil {
		r.buf = make([]byte, Chunk)
	}
	per := uint64(len(r.buf) / size)
	for done := uint64(0); done < n; {
		k := min(n-done, per)
		b := r.buf[:k*uint64(size)]
		if err := r.Full(b); err != nil {
			return err
		}
		if err := f(b, done); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// Words reads len(s) little-endian u32 values into s (on little-endian
// machines straight into memory).
func (r *Reader) Words(s []uint32) error {
	if littleEndian {
		return r.Full(u32Bytes(s))
	}
	return r.Chunks(uint64(len(s)), 4, func(b []byte, first uint64) error {
		for i := range len(b) / 4 {
			s[first+uint64(i)] = le.Uint32(b[4*i:])
		}
		return nil
	})
}

// u32Bytes views s as bytes.
func u32Bytes(s []uint32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// AppendStr appends s with a u16 length; longer strings are cut at 65,535
// bytes.
func AppendStr(b []byte, s string) []byte {
	if len(s) > math.MaxUint16 {
		s = s[:math.MaxUint16]
	}
	b = le.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// Fields decodes fields from a byte slice already read and checked,
// keeping the first error (then every field is zero).
type Fields struct {
	B   []byte
	Err error
}

// Bytes returns the next k bytes (a view of B).
func (d *Fields) Bytes(k int) []byte {
	if d.Err != nil {
		return nil
	}
	if k < 0 || k > len(d.B) {
		d.Err = fmt.Errorf("want %d bytes, %d left", k, len(d.B))
		return nil
	}
	out := d.B[:k]
	d.B = d.B[k:]
	return out
}

func (d *Fields) U8() uint8 {
	if b := d.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *Fields) U32() uint32 {
	if b := d.Bytes(4); b != nil {
		return le.Uint32(b)
	}
	return 0
}

func (d *Fields) U64() uint64 {
	if b := d.Bytes(8); b != nil {
		return le.Uint64(b)
	}
	return 0
}

func (d *Fields) F64() float64 { return math.Float64frombits(d.U64()) }

// Str reads a string written by AppendStr.
func (d *Fields) Str() string {
	b := d.Bytes(2)
	if b == nil {
		return ""
	}
	return string(d.Bytes(int(le.Uint16(b))))
}
