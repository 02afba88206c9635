package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"
	"time"

	"reach/layers"
)

// results holds the computed result tables. Every table is replaced as a
// whole and never modified in place, so readers may share the slices.
type results struct {
	graphs      map[layers.Mode][]layers.GraphEdge
	travelTimes map[runKey]runTable[layers.TravelTimeRecord]
	gaps        map[runKey]runTable[layers.GapRecord]
	documents   map[docKey]Document
}

type runKey struct {
	category layers.Category
	mode     layers.Mode
}

type runTable[T any] struct {
	run     layers.ResultRun
	records []T
}

type docKey struct{ kind, key string }

// Document is a stored JSON result document.
type Document struct {
	Kind, Key  string
	Body       []byte // JSON
	ComputedAt time.Time
}

func newResults() *results {
	return &results{
		graphs:      map[layers.Mode][]layers.GraphEdge{},
		travelTimes: map[runKey]runTable[layers.TravelTimeRecord]{},
		gaps:        map[runKey]runTable[layers.GapRecord]{},
		documents:   map[docKey]Document{},
	}
}

// clone returns a copy of r whose maps may be changed.
func (r *results) clone() *results {
	n := &results{
		graphs:      make(map[layers.Mode][]layers.GraphEdge, len(r.graphs)),
		travelTimes: make(map[runKey]runTable[layers.TravelTimeRecord], len(r.travelTimes)),
		gaps:        make(map[runKey]runTable[layers.GapRecord], len(r.gaps)),
		documents:   make(map[docKey]Document, len(r.documents)),
	}
	for k, v := range r.graphs {
		n.graphs[k] = v
	}
	for k, v := range r.travelTimes {
		n.travelTimes[k] = v
	}
	for k, v := range r.gaps {
		n.gaps[k] = v
	}
	for k, v := range r.documents {
		n.documents[k] = v
	}
	return n
}

func (s *Store) results() *results {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.res
}

func (s *Store) swapResults(r *results) {
	s.mu.Lock()
	s.res = r
	s.mu.Unlock()
}

func checkMode(mode layers.Mode) error {
	if _, ok := layers.ParseMode(string(mode)); !ok {
		return fmt.Errorf("memory: %w", layers.Invalid("graph", "mode", string(mode), "want car, bicycle or foot"))
	}
	return nil
}

// ReplaceGraph replaces the graph table of one mode.
func (s *Store) ReplaceGraph(ctx context.Context, mode layers.Mode, src iter.Seq2[layers.GraphEdge, error]) (int, error) {
	if err := checkMode(mode); err != nil {
		return 0, err
	}
	layer := "graph_" + string(mode)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	es, err := collect(ctx, layer, src, func(e layers.GraphEdge) string { return strconv.FormatInt(e.ID, 10) },
		valid)
	if err != nil {
		return 0, err
	}
	for i := range es {
		if es[i].Geometry != nil {
			es[i].Geometry = cloneGeom(es[i].Geometry)
		}
	}
	sort.Slice(es, func(a, b int) bool { return es[a].ID < es[b].ID })
	next := s.results().clone()
	next.graphs[mode] = es
	s.swapResults(next)
	return len(es), nil
}

// Graph returns the graph table of one mode ordered by edge id, or an
// error wrapping layers.ErrNotFound when none was stored.
func (s *Store) Graph(ctx context.Context, mode layers.Mode) ([]layers.GraphEdge, error) {
	if err := checkCtx(ctx, "graph"); err != nil {
		return nil, err
	}
	es, ok := s.results().graphs[mode]
	if !ok {
		return nil, fmt.Errorf("memory: graph of mode %q: %w", mode, layers.ErrNotFound)
	}
	out := make([]layers.GraphEdge, len(es))
	for i, e := range es {
		if e.Geometry != nil {
			e.Geometry = cloneGeom(e.Geometry)
		}
		out[i] = e
	}
	return out, nil
}

// ReplaceTravelTimes replaces the travel times of run's category and mode.
func (s *Store) ReplaceTravelTimes(ctx context.Context, run layers.ResultRun, src iter.Seq2[layers.TravelTimeRecord, error]) (int, error) {
	if err := run.Validate(); err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	return replaceRun(ctx, s, "travel_times", run, src, func(r *results) map[runKey]runTable[layers.TravelTimeRecord] { return r.travelTimes },
		func(r layers.TravelTimeRecord) string { return r.CellID },
		valid)
}

// TravelTimes returns the stored run and records (ordered by cell id) for
// a category and mode, or an error wrapping layers.ErrNotFound.
func (s *Store) TravelTimes(ctx context.Context, category layers.Category, mode layers.Mode) (layers.ResultRun, []layers.TravelTimeRecord, error) {
	return readRun(ctx, "travel times", s.results().travelTimes, category, mode)
}

// ReplaceGaps replaces the gap records of run's category and mode.
func (s *Store) ReplaceGaps(ctx context.Context, run layers.ResultRun, src iter.Seq2[layers.GapRecord, error]) (int, error) {
	if err := run.Validate(); err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	return replaceRun(ctx, s, "gaps", run, src, func(r *results) map[runKey]runTable[layers.GapRecord] { return r.gaps },
		func(r layers.GapRecord) string { return r.CellID },
		valid)
}

// Gaps returns the stored run and gap records (ordered by cell id) for a
// category and mode, or an error wrapping layers.ErrNotFound.
func (s *Store) Gaps(ctx context.Context, category layers.Category, mode layers.Mode) (layers.ResultRun, []layers.GapRecord, error) {
	return readRun(ctx, "gaps", s.results().gaps, category, mode)
}

// replaceRun validates the records of one run (category and mode) aside and
// swaps them into the table that table selects, ordered by key, only when
// the whole stream was valid.
func replaceRun[T any](ctx context.Context, s *Store, layer string, run layers.ResultRun, src iter.Seq2[T, error],
	table func(*results) map[runKey]runTable[T], key func(T) string, check func(T) error) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	recs, err := collect(ctx, layer, src, key, check)
	if err != nil {
		return 0, err
	}
	sort.Slice(recs, func(a, b int) bool { return key(recs[a]) < key(recs[b]) })
	next := s.results().clone()
	table(next)[runKey{run.Category, run.Mode}] = runTable[T]{run: run, records: recs}
	s.swapResults(next)
	return len(recs), nil
}

// readRun returns a copy of the stored run of a category and mode, or an
// error wrapping layers.ErrNotFound.
func readRun[T any](ctx context.Context, what string, table map[runKey]runTable[T], category layers.Category, mode layers.Mode) (layers.ResultRun, []T, error) {
	if err := checkCtx(ctx, what); err != nil {
		return layers.ResultRun{}, nil, err
	}
	t, ok := table[runKey{category, mode}]
	if !ok {
		return layers.ResultRun{}, nil, fmt.Errorf("memory: %s of %q by %q: %w", what, category, mode, layers.ErrNotFound)
	}
	return t.run, append([]T(nil), t.records...), nil
}

// PutDocument stores a JSON document under kind and key, replacing an
// older one. doc must be valid JSON.
func (s *Store) PutDocument(ctx context.Context, kind, key string, doc []byte, computedAt time.Time) error {
	if err := checkCtx(ctx, "documents"); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(kind) == "":
		return fmt.Errorf("memory: document: field kind: value %q: must not be empty: %w", kind, layers.ErrInvalid)
	case strings.TrimSpace(key) == "":
		return fmt.Errorf("memory: document %q: field key: value %q: must not be empty: %w", kind, key, layers.ErrInvalid)
	case !json.Valid(doc):
		return fmt.Errorf("memory: document %q/%q: field doc: not a JSON document: %w", kind, key, layers.ErrInvalid)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	next := s.results().clone()
	next.documents[docKey{kind, key}] = Document{Kind: kind, Key: key, Body: append([]byte(nil), doc...), ComputedAt: computedAt}
	s.swapResults(next)
	return nil
}

// Document returns the document stored under kind and key, or an error
// wrapping layers.ErrNotFound.
func (s *Store) Document(ctx context.Context, kind, key string) (Document, error) {
	if err := checkCtx(ctx, "documents"); err != nil {
		return Document{}, err
	}
	d, ok := s.results().documents[docKey{kind, key}]
	if !ok {
		return Document{}, fmt.Errorf("memory: document %q/%q: %w", kind, key, layers.ErrNotFound)
	}
	d.Body = append([]byte(nil), d.Body...)
	return d, nil
}

// Documents lists the keys of the documents of one kind in byte order.
func (s *Store) Documents(ctx context.Context, kind string) ([]string, error) {
	if err := checkCtx(ctx, "documents"); err != nil {
		return nil, err
	}
	var keys []string
	for k := range s.results().documents {
		if k.kind == kind {
			keys = append(keys, k.key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}
