package vector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// CSVOptions tune ReadCSV and DecodeCSV. The zero value detects the
// delimiter and reads numbers with a decimal point.
type CSVOptions struct {
	// Pkg is the package name that prefixes errors; "" means "vector".
	Pkg string
	// Comma is the field delimiter; 0 detects it from the header line among
	// ',', ';' and tab (the most frequent outside quotes wins, ',' on a tie).
	Comma rune
	// DecimalComma makes Row.Float and Row.Int read German notation
	// ("1.234,5"); see ParseFloat.
	DecimalComma bool
	// Required lists header names (matched case-insensitively) that must be
	// present; a missing one is an error at line 1.
	Required []string
}

// Header is the header row of a CSV source. It is read-only once made and
// safe for concurrent use.
type Header struct {
	Names []string // as written in the file (trimmed)
	index map[string]int
}

// NewHeader indexes names case-insensitively. Duplicate names (ignoring
// case) are an error.
func NewHeader(names []string) (*Header, error) {
	h := &Header{Names: make([]string, len(names)), index: make(map[string]int, len(names))}
	for i, n := range names {
		n = strings.TrimSpace(n)
		h.Names[i] = n
		k := strings.ToLower(n)
		if _, dup := h.index[k]; dup {
			return nil, Invalidf("column %q appears twice in the header", n)
		}
		h.index[k] = i
	}
	return h, nil
}

// Index returns the position of the column named name (case-insensitive),
// or -1.
func (h *Header) Index(name string) int {
	if i, ok := h.index[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}

// Has reports whether the column exists.
func (h *Header) Has(name string) bool { return h.Index(name) >= 0 }

// First returns the first of names that exists in the header, as written in
// the file, and true; or "" and false.
func (h *Header) First(names ...string) (string, bool) {
	for _, n := range names {
		if i := h.Index(n); i >= 0 {
			return h.Names[i], true
		}
	}
	return "", false
}

// Row is one CSV record with its header and position.
type Row struct {
	Pos    Pos
	Header *Header
	Fields []string // raw values, one per header column
	pkg    string
	comma  bool
}

// Get returns the value of the named column with surrounding spaces
// trimmed, or "" when the column does not exist.
func (r Row) Get(name string) string {
	v, _ := r.Lookup(name)
	return v
}

// Lookup returns the trimmed value of the named column and whether the
// column exists.
func (r Row) Lookup(name string) (string, bool) {
	i := r.Header.Index(name)
	if i < 0 || i >= len(r.Fields) {
		return "", false
	}
	return strings.TrimSpace(r.Fields[i]), true
}

// Float reads the named column as a number in the source's notation. A
// missing column or empty value is an error naming the field.
func (r Row) Float(name string) (float64, error) {
	s, ok := r.Lookup(name)
	if !ok {
		return 0, r.Errorf(name, "", "is missing (no such column)")
	}
	v, reason, ok := ParseFloat(s, r.comma)
	if !ok {
		return 0, r.Errorf(name, s, reason)
	}
	return v, nil
}

// OptFloat is Float for optional values: an empty value or missing column
// gives nil.
func (r Row) OptFloat(name string) (*float64, error) {
	s, ok := r.Lookup(name)
	if !ok || s == "" {
		return nil, nil
	}
	v, reason, ok := ParseFloat(s, r.comma)
	if !ok {
		return nil, r.Errorf(name, s, reason)
	}
	return &v, nil
}

// Int reads the named column as a whole number.
func (r Row) Int(name string) (int64, error) {
	s, ok := r.Lookup(name)
	if !ok {
		return 0, r.Errorf(name, "", "is missing (no such column)")
	}
	v, reason, ok := ParseInt(s, r.comma)
	if !ok {
		return 0, r.Errorf(name, s, reason)
	}
	return v, nil
}

// DecimalComma reports whether numbers in this row are read in German notation.
func (r Row) DecimalComma() bool { return r.comma }

// Errorf returns a *RecordError at this row for field and value.
func (r Row) Errorf(field, value, reason string) error {
	return FieldErr(r.pkg, r.Pos, field, value, reason)
}

// Err returns err as a *RecordError at this row.
func (r Row) Err(err error) error { return NewRecordError(r.pkg, r.Pos, err) }

// ReadCSV streams the rows of the CSV file at path. The header is required;
// every record must have as many fields as the header. Lines are 1-based
// and count the header as line 1.
func ReadCSV(ctx context.Context, path string, opts CSVOptions) iter.Seq2[Row, error] {
	return FromFile(path, pkgOr(opts.Pkg), func(r io.Reader, name string) iter.Seq2[Row, error] {
		return DecodeCSV(ctx, r, name, opts)
	})
}

// FromFile streams what decode reads from the file at path, named in
// errors by its base name; a file that cannot be opened is one error
// prefixed with pkg. The file is closed when the stream ends or its
// consumer stops, and the stream stops after the first error.
func FromFile[T any](path, pkg string, decode func(r io.Reader, name string) iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			var zero T
			yield(zero, fmt.Errorf("%s: %w", pkg, err))
			return
		}
		defer f.Close()
		for v, err := range decode(f, filepath.Base(path)) {
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// DecodeCSV streams the rows of CSV data read from r; name is used in errors.
func DecodeCSV(ctx context.Context, r io.Reader, name string, opts CSVOptions) iter.Seq2[Row, error] {
	pkg := pkgOr(opts.Pkg)
	return func(yield func(Row, error) bool) {
		fail := func(line int, err error) {
			yield(Row{}, NewRecordError(pkg, Pos{File: name, Line: line}, err))
		}
		tr := NewTextReader(r)
		br := bufio.NewReaderSize(tr, 64<<10)
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
			_, _ = br.Discard(3)
		}
		comma := opts.Comma
		if comma == 0 {
			head, _ := br.Peek(64 << 10)
			comma = DetectDelimiter(head)
		}
		cr := csv.NewReader(br)
		cr.Comma = comma
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			fail(1, Invalidf("empty file: a header row is required"))
			return
		}
		if err != nil {
			fail(1, csvErr(err))
			return
		}
		lastLine := 1
		h, err := NewHeader(rec)
		if err != nil {
			fail(1, err)
			return
		}
		for _, req := range opts.Required {
			if !h.Has(req) {
				fail(1, Invalidf("missing column %q (header: %s; delimiter %q)", req, strings.Join(h.Names, ", "), string(comma)))
				return
			}
		}
		for n := 0; ; n++ {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					yield(Row{}, fmt.Errorf("%s: %s: %w", pkg, name, err))
					return
				}
			}
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				// A file cut off inside its last line may still have the
				// right number of fields; a complete file ends with a line
				// break.
				if tr.last != '\n' && tr.last != '\r' && n > 0 {
					fail(lastLine, Invalidf("the file ends without a line break: its last line may have been cut off (a complete export ends with one; add it if the line is whole)"))
				}
				return
			}
			if err != nil {
				line := 0
				var pe *csv.ParseError
				var ee *EncodingError
				if errors.As(err, &ee) {
					line = ee.Line
				} else if errors.As(err, &pe) {
					line = pe.StartLine
				}
				fail(line, csvErr(err))
				return
			}
			line, _ := cr.FieldPos(0)
			lastLine = line
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(h.Names) > 1 {
				continue // a blank line with spaces
			}
			if len(rec) != len(h.Names) {
				fail(line, Invalidf("has %d fields, the header has %d", len(rec), len(h.Names)))
				return
			}
			row := Row{Pos: Pos{File: name, Line: line}, Header: h, Fields: rec, pkg: pkg, comma: opts.DecimalComma}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// csvErr strips the position from encoding/csv errors, which Pos gives.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Invalidf("%v", pe.Err)
	}
	return err
}

// DetectDelimiter returns the most frequent of ',', ';' and tab outside
// double quotes in the first line of head; ',' when none occurs or on a tie.
func DetectDelimiter(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	var n [3]int
	quoted := false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			n[0]++
		case c == ';':
			n[1]++
		case c == '\t':
			n[2]++
		}
	}
	best, r := n[0], ','
	if n[1] > best {
		best, r = n[1], ';'
	}
	if n[2] > best {
		r = '\t'
	}
	return r
}
