package postgis

import (
	"testing"

	"reach/layers"
	"reach/layers/postgis/filtersql"
)

// TestEveryQueryableHasSQL keeps the SQL of the queryables in step with the
// served properties: a property added to a collection without its SQL here
// would make every filter on it fail.
func TestEveryQueryableHasSQL(t *testing.T) {
	for _, tb := range tables {
		c, ok := layers.CollectionInfo(tb.collection)
		if !ok {
			t.Fatalf("collection %s: no info", tb.collection)
		}
		sql := map[string]bool{}
		for _, name := range filtersql.Properties(tb.table) {
			sql[name] = true
		}
		for _, p := range c.Properties {
			if _, ok := sql[p.Name]; p.Queryable() && !ok {
				t.Errorf("collection %s: queryable %s has no SQL", c.ID, p.Name)
			}
		}
		for name := range sql {
			found := false
			for _, p := range c.Properties {
				found = found || (p.Name == name && p.Queryable())
			}
			if !found {
				t.Errorf("collection %s: SQL for %s, which is not a queryable property", c.ID, name)
			}
		}
	}
}
