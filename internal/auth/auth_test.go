package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

var now = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type tokens struct {
	layers.TokenStore
	t layers.Token
}

func (s tokens) TokenByHash(ctx context.Context, h []byte) (layers.Token, error) {
	if string(h) == string(s.t.Hash) && s.t.RevokedAt.IsZero() {
		return s.t, nil
	}
	return layers.Token{}, fmt.Errorf("test: %w", layers.ErrNotFound)
}

func TestTokens(t *testing.T) {
	tok, rec, err := NewToken("amt-pirna", layers.RoleSubmitter, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, TokenPrefix) || len(rec.Hash) != 32 || strings.Contains(string(rec.Hash), tok) {
		t.Fatalf("token %q, record %+v", tok, rec)
	}
	other, _, _ := NewToken("amt-pirna", layers.RoleSubmitter, now)
	if other == tok {
		t.Error("two tokens are equal")
	}
	st := tokens{t: rec}
	a, err := Authenticate(context.Background(), st, Bearer("Bearer "+tok))
	if err != nil || a.Name != "amt-pirna" || a.Role != layers.RoleSubmitter {
		t.Errorf("Authenticate = %+v, %v", a, err)
	}
	for _, bad := range []string{"", "secret", other, tok[:len(tok)-1], tok + "x"} {
		if _, err := Authenticate(context.Background(), st, bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Authenticate(%q) error %v, want ErrUnauthenticated", bad, err)
		}
	}
	rec.RevokedAt = now
	if _, err := Authenticate(context.Background(), tokens{t: rec}, tok); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("revoked token: error %v", err)
	}
	for _, c := range []struct{ name, role string }{{"", "admin"}, {"a b", "admin"}, {strings.Repeat("x", 65), "admin"}, {"ok", "root"}} {
		if _, _, err := NewToken(c.name, layers.Role(c.role), now); err == nil {
			t.Errorf("NewToken(%q, %q) accepted", c.name, c.role)
		}
	}
	if got := Bearer("bearer  abc "); got != "abc" {
		t.Errorf("Bearer = %q", got)
	}
	if got := Bearer("Basic abc"); got != "" {
		t.Errorf("Bearer(Basic) = %q", got)
	}
}

func TestRoles(t *testing.T) {
	five := 5.0
	base := layers.Project{ID: "p", Title: "Kita", Kind: layers.KindNewFacility, Status: "submitted",
		Geometry: orb.Point{450000, 5650000}, SubmittedBy: "amt"}
	sub := layers.Actor{Name: "amt", Role: layers.RoleSubmitter}
	other := layers.Actor{Name: "nachbar", Role: layers.RoleSubmitter}
	com := layers.Actor{Name: "ausschuss", Role: layers.RoleCommittee}
	adm := layers.Actor{Name: "admin", Role: layers.RoleAdmin}
	open, closed := CallOpen{}, CallOpen{Closes: now.Add(-time.Hour)}
	with := func(f func(p *layers.Project)) layers.Project { p := base; f(&p); return p }
	funded := with(func(p *layers.Project) { p.Status = "funded" })
	marked := with(func(p *layers.Project) { p.Innovation = &five })
	retitled := with(func(p *layers.Project) { p.Title = "Kita Nord" })
	moved := with(func(p *layers.Project) { p.Geometry = orb.Point{450000, 5650010} })
	for _, c := range []struct {
		name      string
		err       error
		wantField string // "" with wantOK false: refused as a whole
		wantOK    bool
	}{
		{"submitter creates", MayCreate(sub, base, open, now), "", true},
		{"submitter creates funded", MayCreate(sub, funded, open, now), "properties.status", false},
		{"submitter creates with marks", MayCreate(sub, marked, open, now), "properties.innovation", false},
		{"submitter creates after the call", MayCreate(sub, base, closed, now), "", false},
		{"committee creates funded", MayCreate(com, funded, closed, now), "", true},
		{"unknown role", MayCreate(layers.Actor{Name: "x", Role: "guest"}, base, open, now), "", false},
		{"submitter amends own", MayUpdate(sub, base, retitled, open, now), "", true},
		{"submitter amends another's", MayUpdate(other, base, retitled, open, now), "", false},
		{"submitter amends after the call", MayUpdate(sub, base, retitled, closed, now), "", false},
		{"submitter sets funded", MayUpdate(sub, base, funded, open, now), "properties.status", false},
		{"submitter amends a decided one", MayUpdate(sub, funded, funded, open, now), "properties.status", false},
		{"submitter sets marks", MayUpdate(sub, base, marked, open, now), "properties.innovation", false},
		{"committee sets funded", MayUpdate(com, base, funded, closed, now), "", true},
		{"committee sets marks", MayUpdate(com, base, marked, closed, now), "", true},
		{"committee retitles", MayUpdate(com, base, retitled, closed, now), "properties.title", false},
		{"committee moves the site", MayUpdate(com, base, moved, closed, now), "geometry", false},
		{"admin anything", MayUpdate(adm, base, moved, closed, now), "", true},
	} {
		if c.wantOK {
			if c.err != nil {
				t.Errorf("%s: refused: %v", c.name, c.err)
			}
			continue
		}
		var d *Denied
		if !errors.As(c.err, &d) || !errors.Is(c.err, ErrForbidden) {
			t.Errorf("%s: error %v, want a Denied", c.name, c.err)
			continue
		}
		if d.Field != c.wantField {
			t.Errorf("%s: field %q, want %q", c.name, d.Field, c.wantField)
		}
	}
}
