package realdata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLocateHonoursEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	if got := Dir(t); got != dir {
		t.Errorf("Dir = %q, want %q", got, dir)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Path(t, "x.csv"); got != filepath.Join(dir, "x.csv") {
		t.Errorf("Path = %q", got)
	}
}

func TestLocateDefault(t *testing.T) {
	t.Setenv(EnvDir, "")
	got := locate()
	if filepath.Base(got) != "data" || filepath.Base(filepath.Dir(got)) != "shared" {
		t.Errorf("default folder %q is not …/shared/data", got)
	}
}
