package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"reach/internal/httpapi"
	"reach/layers/memory"
)

// TestEmptyCollectionsKeepTheirTypes: with nothing loaded, every collection
// still tells GIS clients its field types, from its schema and not from
// features: the schema types every property, the GeoPackage download has
// a typed column per property and the CSV a header with every name. Where
// GDAL is installed, ogrinfo reads the types of an empty collection over
// OGC API Features.
func TestEmptyCollectionsKeepTheirTypes(t *testing.T) {
	st := memory.New()
	h := httpapi.NewHandler(httpapi.Deps{Features: st, Store: st})
	var colls struct {
		Collections []struct {
			ID         string
			Properties []struct{ Name, Type string }
		}
	}
	if err := json.Unmarshal(get(t, h, "GET", "/collections?f=json").Body.Bytes(), &colls); err != nil || len(colls.Collections) == 0 {
		t.Fatalf("collections: %v, %d", err, len(colls.Collections))
	}
	sqlType := map[string]string{"integer": "INTEGER", "number": "REAL", "boolean": "BOOLEAN", "string": "TEXT", "array": "TEXT", "object": "TEXT"}
	gdalType := map[string]string{"integer": "Integer", "number": "Real", "boolean": "Integer(Boolean)"}
	for _, c := range colls.Collections {
		t.Run(c.ID, func(t *testing.T) {
			var page struct{ NumberMatched int }
			if err := json.Unmarshal(get(t, h, "GET", "/collections/"+c.ID+"/items?f=json").Body.Bytes(), &page); err != nil || page.NumberMatched != 0 {
				t.Fatalf("items: %v, numberMatched %d; the test needs an empty collection", err, page.NumberMatched)
			}
			if len(c.Properties) == 0 {
				t.Fatal("no properties described")
			}
			var schema struct {
				Properties struct {
					Properties struct {
						Properties map[string]struct{ Type string } `json:"properties"`
					} `json:"properties"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(get(t, h, "GET", "/collections/"+c.ID+"/schema").Body.Bytes(), &schema); err != nil {
				t.Fatal(err)
			}
			got := schema.Properties.Properties.Properties
			for _, p := range c.Properties {
				if got[p.Name].Type != p.Type || p.Type == "" {
					t.Errorf("schema: %s is %q, the collection says %q", p.Name, got[p.Name].Type, p.Type)
				}
			}

			w := get(t, h, "GET", "/collections/"+c.ID+"/items?f=csv")
			header := strings.TrimSpace(strings.TrimPrefix(w.Body.String(), "\uFEFF"))
			for _, p := range c.Properties {
				if !strings.Contains(","+header+",", ","+p.Name+",") {
					t.Errorf("csv header %q lacks %s", header, p.Name)
				}
			}

			w = get(t, h, "GET", "/collections/"+c.ID+"/items?f=gpkg")
			if w.Code != 200 {
				t.Fatalf("gpkg: %d %s", w.Code, w.Body.String())
			}
			path := t.TempDir() + "/e.gpkg"
			if err := os.WriteFile(path, w.Body.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.QueryContext(context.Background(), `SELECT name, type FROM pragma_table_info(?)`, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			cols := map[string]string{}
			for rows.Next() {
				var n, ty string
				if err := rows.Scan(&n, &ty); err != nil {
					t.Fatal(err)
				}
				cols[n] = ty
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Properties {
				want := sqlType[p.Type]
				if got := cols[p.Name]; got != want && !(p.Type == "string" && (got == "DATE" || got == "DATETIME")) {
					t.Errorf("gpkg column %s: %q, want %q", p.Name, got, want)
				}
			}
		})
	}

	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Log("ogrinfo not installed: GDAL's reading of the empty collections is not checked")
		return
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, c := range colls.Collections {
		out, err := exec.Command(ogrinfo, "-ro", "-so", "OAPIF:"+srv.URL, c.ID).CombinedOutput()
		if err != nil {
			t.Errorf("ogrinfo %s: %v\n%s", c.ID, err, out)
			continue
		}
		for _, p := range c.Properties {
			want, ok := gdalType[p.Type]
			if !ok {
				continue
			}
			if !strings.Contains(string(out), "\n"+p.Name+": "+want+" ") {
				t.Errorf("ogrinfo %s: field %s is not %s:\n%s", c.ID, p.Name, want, out)
			}
		}
	}
}
