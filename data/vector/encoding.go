package vector

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"reach/layers"
)

// EncodingError says that the text of a file is in no encoding the
// readers accept, at which line and why.
type EncodingError struct {
	Line   int
	Reason string
}

func (e *EncodingError) Error() string { return e.Reason }

// Unwrap makes errors.Is(err, layers.ErrInvalid) true.
func (e *EncodingError) Unwrap() error { return layers.ErrInvalid }

// cp1252 maps the bytes 0x80–0x9F of Windows-1252 to their code points; 0
// marks the five bytes the encoding leaves undefined. 0xA0–0xFF are the
// same code points as in ISO 8859-1 (Latin-1).
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// textReader passes UTF-8 text through and decodes Windows-1252 (and so
// Latin-1) text to UTF-8, deciding by the first byte outside ASCII: a
// valid UTF-8 sequence makes the whole file UTF-8, anything else makes it
// Windows-1252. Invalid UTF-8 after that decision, U+FFFD (the mark a
// wrong decoding left in an earlier copy of the file), NUL bytes and the
// bytes Windows-1252 leaves undefined are errors (*EncodingError) naming
// the line. Nothing is ever replaced by U+FFFD.
type textReader struct {
	r       io.Reader
	mode    int // 0 undecided (ASCII so far), 1 UTF-8, 2 Windows-1252
	line    int
	in      []byte // read but not yet decoded (an incomplete UTF-8 sequence)
	out     []byte // decoded, not yet returned
	err     error  // the error to return once out is drained
	scratch []byte
	last    byte // the last byte decoded, 0 before any
}

// NewTextReader returns a reader of r's text as UTF-8 (see textReader).
func NewTextReader(r io.Reader) *textReader {
	return &textReader{r: r, line: 1, scratch: make([]byte, 32<<10)}
}

// Encoding tells which encoding a fully read textReader found: "ascii",
// "utf-8" or "windows-1252".
func (t *textReader) Encoding() string {
	return [...]string{"ascii", "utf-8", "windows-1252"}[t.mode]
}

func (t *textReader) Read(p []byte) (int, error) {
	for len(t.out) == 0 && t.err == nil {
		n, err := t.r.Read(t.scratch)
		t.in = append(t.in, t.scratch[:n]...)
		eof := errors.Is(err, io.EOF)
		if derr := t.decode(eof); derr != nil {
			t.err = derr
		} else if err != nil {
			t.err = err
		}
	}
	n := copy(p, t.out)
	if n > 0 {
		t.last = p[n-1]
	}
	t.out = t.out[n:]
	if len(t.out) == 0 && t.err != nil {
		return n, t.err
	}
	return n, nil
}

// decode moves what it can from in to out; at eof nothing may remain.
func (t *textReader) decode(eof bool) error {
	in := t.in
	i := 0
	for i < len(in) {
		c := in[i]
		if c < 0x80 {
			if c == 0 {
				return &EncodingError{t.line, "a NUL byte; this is not a text file"}
			}
			if c == '\n' {
				t.line++
			}
			t.out = append(t.out, c)
			i++
			continue
		}
		if t.mode != 2 {
			if !eof && !utf8.FullRune(in[i:]) {
				break // the rest of the sequence comes with the next read
			}
			r, size := utf8.DecodeRune(in[i:])
			switch {
			case r == utf8.RuneError && size <= 1 && t.mode == 1:
				return &EncodingError{t.line, fmt.Sprintf("byte 0x%02X is not valid UTF-8 in a file that is UTF-8 before; the file is damaged or mixes encodings", c)}
			case r == utf8.RuneError && size <= 1:
				t.mode = 2 // the first non-ASCII byte is not UTF-8: Windows-1252
				continue
			case r == utf8.RuneError:
				return &EncodingError{t.line, "holds U+FFFD, the mark of a character lost by a wrong decoding; use an undamaged copy of the file"}
			}
			t.mode = 1
			t.out = append(t.out, in[i:i+size]...)
			i += size
			continue
		}
		r := rune(c)
		if c < 0xA0 {
			r = cp1252[c-0x80]
			if r == 0 {
				return &EncodingError{t.line, fmt.Sprintf("byte 0x%02X is undefined in Windows-1252, and the file is not UTF-8 either; convert it to UTF-8", c)}
			}
		}
		t.out = utf8.AppendRune(t.out, r)
		i++
	}
	t.in = append(t.in[:0], in[i:]...)
	return nil
}
