// Package catalogue holds the standards catalogue: for each service
// category and mode, within how many minutes residents should reach the
// nearest facility, the lowest central-place level where the category
// belongs, and the source of every value. It reads the catalogue file
// (embedded default or an override) and nothing else.
package catalogue

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"reach/layers"
)

// defaultCatalogueJSON is the standards catalogue shipped with the binary.
// Its format is documented on LoadCatalogue.
//
//go:embed standards/standards.json
var defaultCatalogueJSON []byte

// DefaultCatalogueName is the name under which the embedded catalogue is
// reported in errors and in provenance.
const DefaultCatalogueName = "standards/standards.json"

// Measures of a standard.
const (
	// MeasureTravelTime: residents should reach the nearest facility within
	// MaxMinutes by the standard's mode.
	MeasureTravelTime = "travel_time"
	// MeasureAreaService: residents should live inside a served area (water
	// supply, sewage); MaxMinutes is 0 and carries no meaning.
	MeasureAreaService = "area_service"
)

// SourceAssumption is the source text of values that have no published
// source.
const SourceAssumption = "assumption"

// Standard says, for one service category and one mode, within how many
// minutes residents should reach the nearest facility and which share of
// residents should. Standards are plain values, safe to copy and share.
type Standard struct {
	Category layers.Category
	Mode     layers.Mode
	// Measure is MeasureTravelTime or MeasureAreaService.
	Measure string
	// MaxMinutes is the travel time, in minutes, within which the facility
	// should be reached; > 0 for MeasureTravelTime, 0 for area services.
	MaxMinutes float64
	// TargetShare is the share (0–1] of residents that should be within
	// MaxMinutes (or inside the served area).
	TargetShare float64
	// Source names where MaxMinutes comes from (a key of the catalogue's
	// sources list followed by the detail), or "assumption".
	Source string
	// Assumption is true when MaxMinutes has no published source.
	Assumption bool
	// ShareSource names where TargetShare comes from, or "assumption".
	ShareSource string
}

// MaxSeconds returns MaxMinutes in seconds.
func (s Standard) MaxSeconds() float64 { return s.MaxMinutes * 60 }

// LevelRule says at which central-place level a category belongs at the
// lowest: LevelNone means that it is not tied to central places.
type LevelRule struct {
	Category   layers.Category
	MinLevel   layers.Level
	Source     string
	Assumption bool
}

type standardKey struct {
	cat  layers.Category
	mode layers.Mode
}

// Catalogue is a validated standards catalogue. It is immutable after
// loading and safe for concurrent use.
type Catalogue struct {
	name        string
	hash        string
	description string
	sources     map[string]string
	standards   map[standardKey]Standard
	order       []standardKey
	levels      map[layers.Category]LevelRule
}

// DefaultCatalogue parses the catalogue embedded in the binary.
func DefaultCatalogue() (*Catalogue, error) {
	return LoadCatalogue(bytes.NewReader(defaultCatalogueJSON), DefaultCatalogueName)
}

// DefaultCatalogueJSON returns a copy of the embedded catalogue file, as a
// starting point for a catalogue of one's own (see LoadCatalogue).
func DefaultCatalogueJSON() []byte {
	return append([]byte(nil), defaultCatalogueJSON...)
}

// catalogueFile is the JSON form of a catalogue.
type catalogueFile struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Sources     map[string]string `json:"sources"`
	Standards   []standardEntry   `json:"standards"`
	Levels      []levelEntry      `json:"levels"`
}

type standardEntry struct {
	Category    string   `json:"category"`
	Mode        string   `json:"mode"`
	Measure     string   `json:"measure"`
	MaxMinutes  *float64 `json:"max_minutes"`
	TargetShare *float64 `json:"target_share"`
	Source      string   `json:"source"`
	Assumption  bool     `json:"assumption"`
	ShareSource string   `json:"share_source"`
}

type levelEntry struct {
	Category   string `json:"category"`
	MinLevel   string `json:"min_level"`
	Source     string `json:"source"`
	Assumption bool   `json:"assumption"`
}

// LoadCatalogue reads a catalogue from r; name (usually the file name) is
// used in errors and in ID. The format is JSON:
//
//	{
//	  "name": "…",                      // catalogue name, required
//	  "description": "…",
//	  "sources": {"KEY": "full citation", …},
//	  "standards": [{
//	    "category": "general_practice",  // a layers.Category
//	    "mode": "car",                   // car, bicycle, foot or transit (public transport)
//	    "measure": "travel_time",        // or "area_service"; default travel_time
//	    "max_minutes": 20,               // > 0 for travel_time, 0 for area_service
//	    "target_share": 0.99,            // in (0, 1]
//	    "source": "RIN2008: …",          // a source text or "assumption", required
//	    "assumption": false,             // must be true when source is "assumption…"
//	    "share_source": "assumption"     // where target_share comes from; default "assumption"
//	  }, …],
//	  "levels": [{
//	    "category": "gymnasium",
//	    "min_level": "Mittelzentrum",     // Grundzentrum, Mittelzentrum, Oberzentrum or "" (none)
//	    "source": "LEP2013: …",
//	    "assumption": true
//	  }, …]
//	}
//
// Unknown fields are rejected. Every category of layers.Categories() must
// have a car standard and a level rule; a category/mode pair may appear only
// once. Errors name the file, the line or the entry, the field and the value.
func LoadCatalogue(r io.Reader, name string) (*Catalogue, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %s: read: %w", name, err)
	}
	var f catalogueFile
	if err := decodeStrict(raw, "catalogue", name, "the catalogue object", &f); err != nil {
		return nil, err
	}
	bad := func(where, field string, value any, why string) error {
		return fmt.Errorf("catalogue: %s: %s: field %s: value %v: %s: %w", name, where, field, value, why, layers.ErrInvalid)
	}
	if strings.TrimSpace(f.Name) == "" {
		return nil, bad("top level", "name", `""`, "required")
	}
	c := &Catalogue{
		name:        f.Name,
		description: f.Description,
		sources:     f.Sources,
		standards:   make(map[standardKey]Standard, len(f.Standards)),
		levels:      make(map[layers.Category]LevelRule, len(f.Levels)),
	}
	for i, e := range f.Standards {
		where := fmt.Sprintf("standards[%d]", i)
		cat := layers.Category(e.Category)
		if !cat.Valid() {
			return nil, bad(where, "category", fmt.Sprintf("%q", e.Category), "not a category of the facility catalogue")
		}
		mode, ok := layers.ParseMode(e.Mode)
		if layers.Mode(e.Mode) == layers.Transit {
			mode, ok = layers.Transit, true
		}
		if !ok {
			return nil, bad(where, "mode", fmt.Sprintf("%q", e.Mode), "want car, bicycle, foot or transit")
		}
		where = fmt.Sprintf("standards[%d] (%s/%s)", i, cat, mode)
		measure := e.Measure
		if measure == "" {
			measure = MeasureTravelTime
		}
		if measure != MeasureTravelTime && measure != MeasureAreaService {
			return nil, bad(where, "measure", fmt.Sprintf("%q", e.Measure), "want travel_time or area_service")
		}
		if e.MaxMinutes == nil {
			return nil, bad(where, "max_minutes", "missing", "required")
		}
		mm := *e.MaxMinutes
		switch {
		case measure == MeasureTravelTime && !(mm > 0 && mm <= 24*60):
			return nil, bad(where, "max_minutes", mm, "want minutes in (0, 1440]")
		case measure == MeasureAreaService && mm != 0:
			return nil, bad(where, "max_minutes", mm, "want 0 for an area service")
		}
		if e.TargetShare == nil {
			return nil, bad(where, "target_share", "missing", "required")
		}
		ts := *e.TargetShare
		if !(ts > 0 && ts <= 1) {
			return nil, bad(where, "target_share", ts, "want a share in (0, 1]")
		}
		if strings.TrimSpace(e.Source) == "" {
			return nil, bad(where, "source", `""`, `required; write "assumption" where there is no source`)
		}
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(e.Source)), SourceAssumption) && !e.Assumption {
			return nil, bad(where, "assumption", false, "the source says assumption, so assumption must be true")
		}
		k := standardKey{cat, mode}
		if _, dup := c.standards[k]; dup {
			return nil, bad(where, "category/mode", fmt.Sprintf("%s/%s", cat, mode), "given twice")
		}
		shareSource := e.ShareSource
		if strings.TrimSpace(shareSource) == "" {
			shareSource = SourceAssumption
		}
		c.standards[k] = Standard{
			Category: cat, Mode: mode, Measure: measure, MaxMinutes: mm, TargetShare: ts,
			Source: e.Source, Assumption: e.Assumption, ShareSource: shareSource,
		}
		c.order = append(c.order, k)
	}
	for i, e := range f.Levels {
		where := fmt.Sprintf("levels[%d]", i)
		cat := layers.Category(e.Category)
		if !cat.Valid() {
			return nil, bad(where, "category", fmt.Sprintf("%q", e.Category), "not a category of the facility catalogue")
		}
		lvl := layers.LevelNone
		if strings.TrimSpace(e.MinLevel) != "" {
			l, ok := layers.ParseLevel(e.MinLevel)
			if !ok {
				return nil, bad(where, "min_level", fmt.Sprintf("%q", e.MinLevel), `want Grundzentrum, Mittelzentrum, Oberzentrum or ""`)
			}
			lvl = l
		}
		if strings.TrimSpace(e.Source) == "" {
			return nil, bad(where, "source", `""`, `required; write "assumption" where there is no source`)
		}
		if _, dup := c.levels[cat]; dup {
			return nil, bad(where, "category", cat, "given twice")
		}
		c.levels[cat] = LevelRule{Category: cat, MinLevel: lvl, Source: e.Source, Assumption: e.Assumption}
	}
	for _, ci := range layers.Categories() {
		if _, ok := c.standards[standardKey{ci.Category, layers.Car}]; !ok {
			return nil, bad("standards", "category/mode", fmt.Sprintf("%s/car", ci.Category), "missing: every category needs a car standard")
		}
		if _, ok := c.levels[ci.Category]; !ok {
			return nil, bad("levels", "category", ci.Category, "missing: every category needs a level rule")
		}
	}
	sort.Slice(c.order, func(i, j int) bool {
		if c.order[i].cat != c.order[j].cat {
			return categoryIndex(c.order[i].cat) < categoryIndex(c.order[j].cat)
		}
		return modeIndex(c.order[i].mode) < modeIndex(c.order[j].mode)
	})
	sum := sha256.Sum256(raw)
	c.hash = hex.EncodeToString(sum[:])
	return c, nil
}

// lineOf returns the 1-based line of byte offset off in b.
// decodeStrict decodes one JSON object of raw into v: unknown fields and
// trailing data are refused, and every error (wrapping layers.ErrInvalid)
// names what is read, the file, the line and, for a wrong type, the field
// and the value.
func decodeStrict(raw []byte, what, name, object string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("%s: %s: line %d: %v: %w", what, name, lineOf(raw, se.Offset), se, layers.ErrInvalid)
		case errors.As(err, &te):
			return fmt.Errorf("%s: %s: line %d: field %s: value of type %s, want %s: %w",
				what, name, lineOf(raw, te.Offset), te.Field, te.Value, te.Type, layers.ErrInvalid)
		}
		return fmt.Errorf("%s: %s: %v: %w", what, name, err, layers.ErrInvalid)
	}
	if dec.More() {
		return fmt.Errorf("%s: %s: trailing data after %s: %w", what, name, object, layers.ErrInvalid)
	}
	return nil
}

func lineOf(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(b[:off], []byte{'\n'}) + 1
}

func categoryIndex(c layers.Category) int {
	for i, ci := range layers.Categories() {
		if ci.Category == c {
			return i
		}
	}
	return len(layers.Categories())
}

func modeIndex(m layers.Mode) int {
	for i, mm := range layers.Modes() {
		if mm == m {
			return i
		}
	}
	return len(layers.Modes())
}

// Standard returns the standard of category cat by mode, and false when
// the catalogue has none for that pair.
func (c *Catalogue) Standard(cat layers.Category, mode layers.Mode) (Standard, bool) {
	s, ok := c.standards[standardKey{cat, mode}]
	return s, ok
}

// Standards returns every standard, ordered by category (catalogue order)
// and mode (car, bicycle, foot). The slice is a fresh copy.
func (c *Catalogue) Standards() []Standard {
	out := make([]Standard, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, c.standards[k])
	}
	return out
}

// MinLevel returns the lowest central-place level where a facility of
// category cat belongs (LevelNone: not tied to central places) and the
// source of that rule. For a category without a rule it returns LevelNone
// and "".
func (c *Catalogue) MinLevel(cat layers.Category) (layers.Level, string) {
	r, ok := c.levels[cat]
	if !ok {
		return layers.LevelNone, ""
	}
	return r.MinLevel, r.Source
}

// LevelRule returns the full level rule of category cat.
func (c *Catalogue) LevelRule(cat layers.Category) (LevelRule, bool) {
	r, ok := c.levels[cat]
	return r, ok
}

// Sources returns the catalogue's list of cited sources by key (a copy).
func (c *Catalogue) Sources() map[string]string {
	out := make(map[string]string, len(c.sources))
	for k, v := range c.sources {
		out[k] = v
	}
	return out
}

// Name returns the catalogue's own name.
func (c *Catalogue) Name() string { return c.name }

// ID identifies the catalogue for provenance: its name and the first 12 hex
// digits of the SHA-256 of the file's bytes, e.g.
// "reach-default-sachsen@sha256:0123456789ab".
func (c *Catalogue) ID() string { return c.name + "@sha256:" + c.hash[:12] }
