package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestNewCreatesDatabaseWithExtensions(t *testing.T) {
	var name string
	t.Run("fresh", func(t *testing.T) {
		u := New(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("connect %s: %v", u, err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "reach_test_pgtest_") {
			t.Errorf("database name %q, want prefix reach_test_pgtest_", name)
		}
		for _, ext := range []string{"postgis", "pgrouting"} {
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_extension WHERE extname = $1`, ext).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("extension %s installed %d times, want 1", ext, n)
			}
		}
		var area float64
		if err := conn.QueryRow(ctx, `SELECT ST_Area(ST_MakeEnvelope(0, 0, 2, 3, 25833))`).Scan(&area); err != nil {
			t.Fatal(err)
		}
		if area != 6 {
			t.Errorf("ST_Area = %v, want 6", area)
		}
	})
	if name == "" {
		return // skipped
	}
	// The cleanup of the subtest has run: the database must be gone.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after cleanup", name)
	}
}

func TestDBNameUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		n := dbName()
		if len(n) > 63 {
			t.Fatalf("name %q is %d bytes, PostgreSQL allows 63", n, len(n))
		}
		if seen[n] {
			t.Fatalf("name %q repeated", n)
		}
		seen[n] = true
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		name, admin, want string
		wantErr           bool
	}{
		{"default", DefaultURL, "postgres://postgres@127.0.0.1:5432/x?sslmode=disable", false},
		{"no path", "postgres://u:p@h", "postgres://u:p@h/x", false},
		{"keyword form", "host=h user=u", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDatabase(tt.admin, "x")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAvailable(t *testing.T) {
	if err := Available(); err != nil {
		unavailable(t, err)
	}
}

func TestSchema(t *testing.T) {
	db := New(t)
	a, b := Schema(t, db), Schema(t, db)
	ctx := context.Background()
	for _, u := range []string{a, b} {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE t (g geometry(Point, 25833))`); err != nil {
			t.Fatalf("create table in %s: %v", u, err)
		}
		conn.Close(ctx)
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d tables named t, want one per schema (2)", n)
	}
}
