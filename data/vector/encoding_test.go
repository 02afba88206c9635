package vector

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"reach/layers"
)

func TestTextReader(t *testing.T) {
	for _, c := range []struct {
		name, in, want, enc string
		errLine             int // 0: no error
	}{
		{"ascii", "a;b\n1;2\n", "a;b\n1;2\n", "ascii", 0},
		{"utf-8", "name\nZwönitz\n", "name\nZwönitz\n", "utf-8", 0},
		{"latin-1", "name\nZw\xf6nitz\nStra\xdfe\n", "name\nZwönitz\nStraße\n", "windows-1252", 0},
		{"windows-1252 euro and quotes", "x\n\x80 \x84a\x93\n", "x\n€ „a“\n", "windows-1252", 0},
		{"utf-8 then a stray byte", "x\nö\n\xf6\n", "", "", 3},
		{"U+FFFD stored by an earlier wrong decoding", "x\nZw\uFFFDnitz\n", "", "", 2},
		{"undefined windows-1252 byte", "x\n\xf6\x81\n", "", "", 2},
		{"NUL", "x\na\x00b\n", "", "", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTextReader(iotest.OneByteReader(strings.NewReader(c.in)))
			got, err := io.ReadAll(tr)
			if c.errLine > 0 {
				var ee *EncodingError
				if !errors.As(err, &ee) || ee.Line != c.errLine || !errors.Is(err, layers.ErrInvalid) {
					t.Fatalf("error %v, want an EncodingError at line %d", err, c.errLine)
				}
				return
			}
			if err != nil || string(got) != c.want || tr.Encoding() != c.enc {
				t.Errorf("got %q (%s), %v; want %q (%s)", got, tr.Encoding(), err, c.want, c.enc)
			}
		})
	}
}

func TestDamagedCSVIsRefused(t *testing.T) {
	read := func(in string) (names []string, err error) {
		for r, err := range DecodeCSV(context.Background(), strings.NewReader(in), "h.csv", CSVOptions{}) {
			if err != nil {
				return names, err
			}
			names = append(names, r.Get("name"))
		}
		return names, nil
	}
	if names, err := read("id;name\n1;Zw\xf6nitz\n2;Chemnitz\n"); err != nil || names[0] != "Zwönitz" {
		t.Errorf("Latin-1 CSV: %v, %v; want Zwönitz decoded", names, err)
	}
	for _, c := range []struct{ name, in, want string }{
		{"cut inside the last line", "id;name\n1;Dresden\n2;Chemn", "h.csv: line 3"},
		{"cut inside the last line, short", "id;name\n1;Dresden\n2", "h.csv: line 3"},
		{"invalid UTF-8 after UTF-8", "id;name\n1;Görlitz\n2;Zw\xf6nitz\n", "h.csv: line 3"},
	} {
		if _, err := read(c.in); err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, layers.ErrInvalid) {
			t.Errorf("%s: error %v, want one at %s wrapping ErrInvalid", c.name, err, c.want)
		}
	}
}
