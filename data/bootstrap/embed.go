package bootstrap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "embed"
)

//go:embed saxony.layers
var defaultManifest string

// lep2013 is the table of the Ober- and Mittelzentren of the
// Landesentwicklungsplan Sachsen 2013 (chapter 1.3, "Zentrale Orte und
// Verbünde"), written for reach from the plan's designations: AGS (of the
// municipality today), name, level, the plan's type of Mittelzentrum (M;
// MVR in the Verdichtungsraum; MELR as Ergänzungsstandort im ländlichen
// Raum), the Verbund, the source and a note where municipalities merged
// since 2013. The LEP 2013 is an amtliches Werk; no machine-readable
// download of the designations exists. The Grundzentren are designated in
// the four Regionalpläne and are not part of it.
//
//go:embed lep2013_zentrale_orte.csv
var lep2013 []byte

// EmbeddedPrefix starts a manifest source that reach ships itself
// ("embedded:lep2013"), so that no download is needed for it.
const EmbeddedPrefix = "embedded:"

// embedded maps the names after EmbeddedPrefix to their file name and content.
var embedded = map[string]struct {
	file string
	data []byte
}{
	"lep2013": {"lep2013_zentrale_orte.csv", lep2013},
}

// IsEmbedded reports whether a manifest source names an embedded table.
func IsEmbedded(src string) bool { return strings.HasPrefix(src, EmbeddedPrefix) }

// Embedded writes the embedded table named by src ("embedded:lep2013") into
// dir (unless an identical copy is there) and returns it as Fetched, with
// src as its URL and the SHA-256 of its content.
func Embedded(src, dir string) (Fetched, error) {
	name := strings.TrimPrefix(src, EmbeddedPrefix)
	e, ok := embedded[name]
	if !ok {
		known := make([]string, 0, len(embedded))
		for k := range embedded {
			known = append(known, EmbeddedPrefix+k)
		}
		return Fetched{}, fmt.Errorf("bootstrap: %q is not an embedded table (known: %s)", src, strings.Join(known, ", "))
	}
	sum := sha256.Sum256(e.data)
	out := Fetched{URL: src, Path: filepath.Join(dir, "embedded", e.file), SHA256: hex.EncodeToString(sum[:])}
	if got, _, err := fileSHA256(out.Path); err == nil && got == out.SHA256 {
		out.FromCache = true
		return out, nil
	}
	if err := os.MkdirAll(filepath.Dir(out.Path), 0o755); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	tmp := out.Path + ".part"
	if err := os.WriteFile(tmp, e.data, 0o644); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	if err := os.Rename(tmp, out.Path); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	return out, nil
}

// Local describes a local file of a manifest as Fetched: its absolute
// file:// URL and SHA-256 (none for a folder), for the provenance.
func Local(path string) (Fetched, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %s: %w", path, err)
	}
	out := Fetched{URL: "file://" + filepath.ToSlash(abs), Path: abs, FromCache: true}
	st, err := os.Stat(abs)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %w", err)
	}
	if st.IsDir() { // a folder (e.g. an unpacked GTFS feed) has no single checksum
		return out, nil
	}
	if out.SHA256, _, err = fileSHA256(abs); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %w", err)
	}
	return out, nil
}
