package postgis_test

import (
	"context"
	"testing"
	"time"

	"reach/data/demo"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/postgis"
)

// TestServingVersions: a serving store keeps the layer versions in memory
// (a bump of layer_changes that announces nothing is not seen), follows
// every write announced by the trigger within moments, and reads the
// version of projects, which it writes itself, every time.
func TestServingVersions(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	loader, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(loader.Close)
	if _, err := loader.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := demo.Load(ctx, loader, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	srv, err := postgis.Open(ctx, url, postgis.WithServingPool())
	if err != nil {
		t.Fatalf("Open serving: %v", err)
	}
	t.Cleanup(srv.Close)
	version := func(id string) string {
		t.Helper()
		c, err := srv.Collection(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Version
	}
	// Wait until the listener is up: a silent bump is then no longer seen.
	silent := func(tbl string) {
		t.Helper()
		if _, err := loader.Pool().Exec(ctx, `UPDATE layer_changes SET version = version + 1000 WHERE tbl = $1`, tbl); err != nil {
			t.Fatal(err)
		}
	}
	v0 := version(layers.CollFacilities)
	deadline := time.Now().Add(10 * time.Second)
	for {
		silent("facilities")
		v := version(layers.CollFacilities)
		if v == version(layers.CollFacilities) && v == v0 {
			break // kept: the silent bump was not read
		}
		v0 = v
		if time.Now().After(deadline) {
			t.Fatal("the serving store reads the facilities' version every time; want it kept while listening")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A real write is announced and followed.
	if _, err := loader.Pool().Exec(ctx, `UPDATE facilities SET name = name || ' (neu)' WHERE id = (SELECT min(id) FROM facilities)`); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); version(layers.CollFacilities) == v0; {
		if time.Now().After(deadline) {
			t.Fatalf("facilities still at version %s 5 s after a write", v0)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Projects are read every time.
	p0 := version(layers.CollProjects)
	silent("projects")
	if p1 := version(layers.CollProjects); p1 == p0 {
		t.Errorf("projects' version %s kept after a bump; want it read every time", p0)
	}
}
