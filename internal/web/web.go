// Package web holds the map for planners and committees: a static page
// with its script and styles, embedded in the binary with go:embed and
// served by Handler. The page reads everything it shows from the API of
// the same server (collections, GeoJSON items, vector tiles, isochrones,
// project assessments, the ranking), so the package imports nothing of
// reach.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var assets embed.FS

// Static returns the embedded files (index.html at the root).
func Static() fs.FS {
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // the directory is embedded above; unreachable
	}
	return sub
}

// Handler serves the map: index.html at "/" and the assets beside it.
// Mount it under a prefix with http.StripPrefix. It is safe for concurrent
// use.
func Handler() http.Handler {
	files := http.FileServerFS(Static())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
