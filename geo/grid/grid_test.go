package grid

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		short   string
		wantErr bool
	}{
		{in: "1kmN3108E4561", want: ID{1000, 3108000, 4561000}, short: "1kmN3108E4561"},
		{in: "100mN31080E45610", want: ID{100, 3108000, 4561000}, short: "100mN31080E45610"},
		{in: "CRS3035RES100mN2689100E4337000", want: ID{100, 2689100, 4337000}, short: "100mN26891E43370"},
		{in: "CRS3035RES1000mN2689000E4337000", want: ID{1000, 2689000, 4337000}, short: "1kmN2689E4337"},
		{in: "1kmN3108", wantErr: true},
		{in: "kmN1E1", wantErr: true},
		{in: "CRS3035RES100mN2689150E4337000", wantErr: true},
		{in: "", wantErr: true},
		{in: "1kmN-3E4", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseID(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseID(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		if s := got.String(); s != tt.short {
			t.Errorf("%v.String() = %q, want %q", got, s, tt.short)
		}
	}
}

func TestCenterMatchesZensusColumns(t *testing.T) {
	// Zensus 2011: 1kmN3009E4486 has x_mp_1km=4486500, y_mp_1km=3009500.
	id, err := ParseID("1kmN3009E4486")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := id.Center(), (orb.Point{4486500, 3009500}); got != want {
		t.Errorf("Center() = %v, want %v", got, want)
	}
	if got := Containing(orb.Point{4486999.9, 3009000}, 1000); got != id {
		t.Errorf("Containing = %v, want %v", got, id)
	}
	c100, _ := ParseID("100mN30095E44861")
	if got := c100.Parent(1000); got != id {
		t.Errorf("Parent = %v, want %v", got, id)
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1kmN3108E4561", "100mN31080E45610", "CRS3035RES100mN2689100E4337000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		if id.ResolutionM <= 0 {
			t.Fatalf("ParseID(%q) gave resolution %d", s, id.ResolutionM)
		}
		again, err := ParseID(id.LongString())
		if err != nil || again != id {
			t.Fatalf("long form of %q does not round-trip: %v, %v", s, again, err)
		}
	})
}
