package vector

import (
	"errors"
	"fmt"
	"strings"

	"reach/layers"
)

// Pos locates a record in a source: a CSV line or a feature index.
type Pos struct {
	// File is the base name of the source file, or the name the caller gave.
	File string
	// Line is the 1-based line where a CSV record starts; 0 for sources that
	// are not line based.
	Line int
	// Index is the 0-based position of a feature in its collection or table;
	// it is used when Line is 0. -1 with Line 0 means the file as a whole.
	Index int
}

// FilePos returns the position of the file as a whole.
func FilePos(file string) Pos { return Pos{File: file, Index: -1} }

// String returns "file: line n", "file: feature i" or "file".
func (p Pos) String() string {
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s: line %d", p.File, p.Line)
	case p.Index >= 0:
		return fmt.Sprintf("%s: feature %d", p.File, p.Index)
	}
	return p.File
}

// FieldError says that one field of one record has a bad value.
type FieldError struct {
	Field  string // column or property name
	Value  string // the value as found in the source
	Reason string // what is wrong, as a predicate: "is not a number"
}

// Error returns `field "Einwohner": "abc" is not a number`.
func (e *FieldError) Error() string {
	return fmt.Sprintf("field %q: %q %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes every FieldError match layers.ErrInvalid.
func (e *FieldError) Unwrap() error { return layers.ErrInvalid }

// RecordError is an error at one record of a source, prefixed with the
// package that read it.
type RecordError struct {
	Pkg string // package name used as prefix, e.g. "zensus"
	Pos Pos
	Err error // often a *FieldError
}

// Error returns "pkg: file: line n: err".
func (e *RecordError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Pkg, e.Pos, e.Err)
}

// Unwrap returns the underlying error.
func (e *RecordError) Unwrap() error { return e.Err }

// invalid is a plain input error that wraps layers.ErrInvalid.
type invalid struct{ msg string }

func (e *invalid) Error() string { return e.msg }
func (e *invalid) Unwrap() error { return layers.ErrInvalid }

// Invalidf returns an error with the formatted message that wraps
// layers.ErrInvalid, for record problems that are not about one field.
func Invalidf(format string, args ...any) error {
	return &invalid{msg: fmt.Sprintf(format, args...)}
}

// NewRecordError returns a *RecordError for pkg at pos.
func NewRecordError(pkg string, pos Pos, err error) error {
	return &RecordError{Pkg: pkg, Pos: pos, Err: err}
}

// FieldErr returns a *RecordError for pkg at pos wrapping a *FieldError.
func FieldErr(pkg string, pos Pos, field, value, reason string) error {
	return &RecordError{Pkg: pkg, Pos: pos, Err: &FieldError{Field: field, Value: value, Reason: reason}}
}

// Repackage returns err with its package prefix replaced by pkg: a
// *RecordError (at the top of the chain) gets Pkg set, any other error is
// wrapped as "pkg: err". nil stays nil.
func Repackage(err error, pkg string) error {
	if err == nil {
		return nil
	}
	var re *RecordError
	if errors.As(err, &re) && re == err {
		c := *re
		c.Pkg = pkg
		return &c
	}
	return fmt.Errorf("%s: %w", pkg, err)
}

func pkgOr(p string) string {
	if p == "" {
		return "vector"
	}
	return p
}

// InColumns renames the fields of a record's layers.FieldErrors (from the
// record's Validate) to the columns or properties of the file they were
// read from, so that an error names what the user sees: cols maps a
// domain field to its column ("share_65_plus" → "ab65_A"); an indexed or
// dotted field ("members[1]") is renamed by its head. Fields without a
// column, and other errors, stay as they are.
func InColumns(err error, cols map[string]string) error {
	var fes layers.FieldErrors
	if !errors.As(err, &fes) || len(cols) == 0 {
		return err
	}
	out := make(layers.FieldErrors, len(fes))
	for i, fe := range fes {
		head, rest := fe.Field, ""
		if j := strings.IndexAny(head, "[."); j >= 0 {
			head, rest = head[:j], head[j:]
		}
		if c, ok := cols[head]; ok && c != "" {
			fe.Field = c + rest
		}
		out[i] = fe
	}
	return out
}
