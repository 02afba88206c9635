package versionwatch

import "testing"

// TestKeep: a version is kept only while listening and only if nothing was
// dropped since its generation was read; projects are never kept; a nil
// Watch keeps nothing.
func TestKeep(t *testing.T) {
	v1, v2 := "e.1", "e.2"
	w := &Watch{v: map[string]*string{}}
	_, gen, _ := w.Get("municipalities")
	w.Put("municipalities", &v1, gen)
	if _, _, ok := w.Get("municipalities"); ok {
		t.Error("kept while not listening")
	}
	w.drop("", true)
	_, gen, _ = w.Get("municipalities")
	w.Put("municipalities", &v1, gen)
	w.Put("projects", &v1, gen)
	if v, _, ok := w.Get("municipalities"); !ok || *v != v1 {
		t.Errorf("municipalities: %v %v, want %s kept", v, ok, v1)
	}
	if _, _, ok := w.Get("projects"); ok {
		t.Error("the version of projects is kept")
	}
	_, stale, _ := w.Get("population_grid")
	w.drop("municipalities", true) // a notification while population_grid was read
	w.Put("population_grid", &v2, stale)
	if _, _, ok := w.Get("population_grid"); ok {
		t.Error("a version read before a notification is kept")
	}
	if _, _, ok := w.Get("municipalities"); ok {
		t.Error("a notified table's version is still kept")
	}
	_, gen, _ = w.Get("population_grid")
	w.Put("population_grid", &v2, gen)
	w.drop("", false) // the listener dropped
	if _, _, ok := w.Get("population_grid"); ok {
		t.Error("a version kept while the listener is down")
	}
	var none *Watch
	none.Put("municipalities", &v1, 0)
	if _, _, ok := none.Get("municipalities"); ok {
		t.Error("a nil Watch keeps a version")
	}
	none.Stop()
}
