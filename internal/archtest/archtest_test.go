package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

const module = "reach"

// allowed lists, per package pattern, the module packages it may import.
// Patterns end in "/*" for a whole tree. The first matching rule applies.
var allowed = []struct {
	pkg   string
	may   []string
	label string
}{
	{"reach/cmd/*", []string{"*"}, "cmd wires everything"},
	{"reach/geo/crs", nil, "geo/crs imports nothing"},
	{"reach/geo/*", []string{"reach/geo/*"}, "geo/* imports only geo/*"},
	{"reach/layers", []string{"reach/geo/*"}, "layers imports only geo/*"},
	{"reach/layers/layertest", []string{"reach/layers", "reach/layers/query", "reach/geo/*"}, "the contract suite sees only the ports and the in-memory evaluation both stores are held to"},
	{"reach/layers/postgis", []string{"reach/layers/postgis/*", "reach/layers", "reach/layers/query", "reach/geo/*"}, "the PostGIS store uses its geometry codec, filter translation and migrations"},
	{"reach/layers/postgis/*", []string{"reach/layers/postgis/*", "reach/layers", "reach/layers/query", "reach/geo/*"}, "parts of the PostGIS store: its codec, filter translation, migrations and read models"},
	{"reach/layers/query", []string{"reach/layers", "reach/geo/*"}, "the in-memory evaluation of queries sees only the vocabulary"},
	{"reach/layers/*", []string{"reach/layers", "reach/layers/query", "reach/geo/*"}, "stores import layers, its query evaluation and geo/*"},
	{"reach/data/*", []string{"reach/data/*", "reach/layers", "reach/geo/*"}, "readers import layers and geo/*"},
	{"reach/internal/web", nil, "web assets import nothing"},
	{"reach/internal/ogc", []string{"reach/layers", "reach/layers/query", "reach/geo/crs", "reach/geo/spatial"}, "OGC wire types see layers, geo/crs and the planar geometry of geo/spatial"},
	{"reach/internal/network", []string{"reach/layers", "reach/geo/*"}, "networks are built from layers with geo/*"},
	{"reach/internal/network/*", []string{"reach/internal/network", "reach/layers", "reach/geo/*"}, "network generators for tests and benchmarks"},
	{"reach/internal/estimate", []string{"reach/internal/network", "reach/layers", "reach/geo/*"}, "the straight-line model is fitted on networks"},
	{"reach/internal/catalogue", []string{"reach/layers", "reach/geo/*"}, "the standards catalogue is policy on layers"},
	{"reach/internal/classify", []string{"reach/layers", "reach/geo/*"}, "the classification is pure policy on layers"},
	{"reach/internal/appraisal", []string{"reach/internal/catalogue", "reach/layers", "reach/geo/*"}, "the appraisal judges effects, it computes none"},
	{"reach/internal/analysis/analysistest", []string{"reach/data/demo", "reach/data/tables", "reach/data/zensus", "reach/internal/realdata", "reach/internal/network/netgen", "reach/layers", "reach/geo/*"}, "the test region of the use cases' tests"},
	{"reach/internal/analysis/assess", []string{"reach/internal/analysis", "reach/internal/network", "reach/internal/catalogue", "reach/internal/appraisal", "reach/layers", "reach/geo/*"}, "project assessments read the engine through its exported methods and search its network with its places (Engine.Net)"},
	{"reach/internal/analysis/window", []string{"reach/layers", "reach/geo/*"}, "the departure window of transit requests knows no timetable and no engine"},
	{"reach/internal/analysis/memo", []string{}, "values computed once per key"},
	{"reach/internal/analysis/bands", []string{"reach/internal/network", "reach/layers", "reach/geo/*"}, "isochrone bands from travel times know no engine"},
	{"reach/internal/analysis/snapshot", []string{"reach/internal/network", "reach/layers", "reach/geo/*"}, "the engine snapshot's format knows networks and places, not the engine"},
	{"reach/internal/analysis", []string{"reach/internal/analysis/snapshot", "reach/internal/analysis/bands", "reach/internal/analysis/memo", "reach/internal/analysis/window", "reach/internal/network", "reach/internal/estimate", "reach/internal/catalogue", "reach/internal/classify", "reach/internal/appraisal", "reach/layers", "reach/geo/*"}, "use cases see layers, geo, networks and the policy packages"},
	{"reach/internal/analysis/centres", []string{"reach/internal/analysis", "reach/layers", "reach/geo/*"}, "the central-place indicators read the engine's fields through its accessors"},
	{"reach/internal/analysis/matrix", []string{"reach/internal/analysis", "reach/internal/network", "reach/layers", "reach/geo/*"}, "travel-time matrices read the engine through its views (Engine.Net, Engine.Hierarchy, snapping, the straight-line model, the TransitPlanner) and search its network"},
	{"reach/internal/analysis/sites", []string{"reach/internal/analysis", "reach/internal/network", "reach/internal/catalogue", "reach/layers", "reach/geo/*"}, "site suggestions read the engine's fields and search the marginal coverage on its network with its places (Engine.Net)"},
	{"reach/internal/analysis/gaps", []string{"reach/internal/analysis", "reach/internal/catalogue", "reach/layers", "reach/geo/*"}, "the gap register reads the engine's travel times and classification"},
	{"reach/internal/analysis/derived", []string{"reach/internal/analysis", "reach/internal/analysis/gaps", "reach/internal/catalogue", "reach/layers", "reach/layers/query", "reach/geo/*"}, "the computed results as collections and result tables, through the engine's accessors"},
	{"reach/internal/analysis/need", []string{"reach/internal/analysis", "reach/internal/network", "reach/internal/catalogue", "reach/layers", "reach/geo/*"}, "capacity-aware access and fire coverage run on the engine's read model and search its network with its places (Engine.Net)"},
	{"reach/internal/analysis/transit", []string{"reach/internal/analysis", "reach/internal/analysis/bands", "reach/internal/catalogue", "reach/layers", "reach/geo/*"}, "public transport use cases work through the engine's accessors"},
	{"reach/internal/load", []string{"reach/data/*", "reach/internal/network", "reach/layers", "reach/geo/*"}, "the loader puts source files into a store through the readers of data/*"},
	{"reach/internal/auth", []string{"reach/layers", "reach/geo/*"}, "who may write: tokens and roles, pure policy on layers"},
	{"reach/internal/httpapi", []string{"reach/internal/httpapi/ogcapi", "reach/internal/httpapi/reply", "reach/internal/auth", "reach/internal/analysis", "reach/internal/analysis/assess", "reach/internal/analysis/gaps", "reach/internal/analysis/need", "reach/internal/analysis/sites", "reach/internal/analysis/transit", "reach/internal/catalogue", "reach/internal/classify", "reach/internal/appraisal", "reach/internal/ogc", "reach/internal/web", "reach/data/projects", "reach/data/tables", "reach/data/vector", "reach/layers", "reach/layers/query", "reach/geo/*"}, "the HTTP edge sees the use cases, never a store adapter"},
	{"reach/internal/httpapi/ogcapi", []string{"reach/internal/httpapi/reply", "reach/internal/analysis", "reach/internal/ogc", "reach/data/vector", "reach/layers", "reach/geo/*"}, "OGC API Features and Tiles over the layers; answers through reply"},
	{"reach/internal/httpapi/reply", []string{"reach/internal/ogc", "reach/layers", "reach/geo/*"}, "how handlers answer: problems, documents, negotiation"},
	{"reach/internal/pgtest", []string{"*"}, "test helper"},
	{"reach/internal/realdata", []string{"reach/layers"}, "test helper: finds and reads the real data"},
	{"reach/internal/config", []string{"reach/layers", "reach/geo/*"}, "config is read by cmd only"},
	{"reach/internal/archtest", nil, "this test"},
}

// forbiddenInGeo are imports the pure core must never have.
var forbiddenInGeo = []string{"net/http", "database/sql", "os", "log", "github.com/jackc/pgx", "github.com/go-chi/chi"}

type pkgInfo struct {
	ImportPath string
	Name       string
	Doc        string
	Imports    []string
}

func match(pattern, pkg string) bool {
	if pattern == "*" {
		return true
	}
	if strings.HasSuffix(pattern, "/*") {
		return strings.HasPrefix(pkg, strings.TrimSuffix(pattern, "*"))
	}
	return pattern == pkg
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("archtest: cannot find the source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestDependencyRule(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages; the test would prove nothing", len(pkgs))
	}
	var violations []string
	for _, p := range pkgs {
		ruleFound := false
		for _, r := range allowed {
			if !match(r.pkg, p.ImportPath) {
				continue
			}
			ruleFound = true
			for _, imp := range p.Imports {
				if imp != module && !strings.HasPrefix(imp, module+"/") {
					continue
				}
				ok := false
				for _, m := range r.may {
					if match(m, imp) {
						ok = true
						break
					}
				}
				if !ok {
					violations = append(violations, p.ImportPath+" imports "+imp+" ("+r.label+")")
				}
			}
			break
		}
		if !ruleFound {
			violations = append(violations, p.ImportPath+" has no rule in archtest; add one to docs/architecture.md and here")
		}
		if !strings.HasPrefix(p.ImportPath, module+"/layers/postgis") {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/twpayne/go-geom") {
					violations = append(violations, p.ImportPath+" imports "+imp+" (go-geom stays at the PostGIS boundary)")
				}
			}
		}
		if strings.HasPrefix(p.ImportPath, module+"/geo/") {
			for _, imp := range p.Imports {
				for _, f := range forbiddenInGeo {
					if imp == f || strings.HasPrefix(imp, f+"/") {
						violations = append(violations, p.ImportPath+" imports "+imp+" (geo/* stays pure)")
					}
				}
			}
		}
	}
	sort.Strings(violations)
	for _, v := range violations {
		t.Error(v)
	}
}

func TestRuleMatcher(t *testing.T) {
	tests := []struct {
		pattern, pkg string
		want         bool
	}{
		{"reach/geo/*", "reach/geo/crs", true},
		{"reach/geo/*", "reach/geography", false},
		{"reach/layers", "reach/layers/memory", false},
		{"*", "anything", true},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.pkg); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.pkg, got, tt.want)
		}
	}
}

// TestPackageDocs checks that every package says its job in a doc comment
// ("Package x …", or "Command x …" for a main package).
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		want := "Package " + p.Name + " "
		if p.Name == "main" {
			want = "Command "
		}
		if !strings.HasPrefix(p.Doc, want) {
			t.Errorf("%s: package doc %q, want a comment starting %q", p.ImportPath, p.Doc, want)
		}
	}
}
