// Package memory is the embedded store of reach: every layer, the served
// features and the computed results held in memory, behind the same ports
// (layers.Store, layers.ResultWriter) as the PostGIS store, so that
// `reach serve` works on a fresh machine without a database.
//
// Geometries are kept as given, in EPSG:25833 (grid cells: their INSPIRE id,
// EPSG:3035); features are served in CRS84 (lon, lat) through the builders
// of package layers, so both stores serve identical properties. Items are
// found by bounding box through a packed R-tree over the CRS84 bounds of
// the served geometries, then checked exactly against the geometry.
//
// A Store is safe for concurrent use. All layers live in one immutable
// snapshot; readers take the current snapshot under a read lock and never
// see a half-loaded layer. Writers are serialised: each Replace call
// consumes and validates its whole stream aside, builds the next snapshot
// and swaps it in only when everything succeeded, so a failing stream, a
// validation error or a cancelled context leaves the previous state intact.
// Values handed in and out are deep copies; callers may modify them freely.
package memory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"reach/layers"
)

// Compile-time checks that Store implements the ports.
var (
	_ layers.Store        = (*Store)(nil)
	_ layers.ResultWriter = (*Store)(nil)
)

// Store holds every layer and result in memory. The zero value is not
// usable; call New. A Store is safe for concurrent use.
type Store struct {
	// wmu serialises writers so that read-modify-write replacements (one
	// facility source, one project) never lose an update.
	wmu sync.Mutex
	// idem holds the idempotency keys of CreateProject (guarded by wmu).
	idem map[idemKey]idemEntry
	// mu guards cur and res; readers hold it only to take the pointer.
	mu   sync.RWMutex
	cur  *snapshot
	res  *results
	info layers.StoreInfo
	// transit is the timetable, nil when none is loaded; guarded by mu.
	transit *layers.TransitFeed
	// ages and agesSource are the population-by-age layer (ages.go).
	ages       []layers.AgeCount
	agesSource string
	// epoch and gen name collection versions: epoch is drawn at New, gen
	// counts the collection indexes installed since (guarded by mu).
	epoch string
	gen   uint64
}

// Option configures a Store in New.
type Option func(*layers.StoreInfo)

// WithTitle sets the title reported by Info (for example "Demo region (synthetic)").
func WithTitle(title string) Option {
	return func(i *layers.StoreInfo) { i.Title = title }
}

// WithSynthetic marks the data as generated rather than real; collections
// and Info report the flag.
func WithSynthetic(synthetic bool) Option {
	return func(i *layers.StoreInfo) { i.Synthetic = synthetic }
}

// WithVersions sets data versions by layer name (import time, file hash,
// seed); later calls add to and override earlier ones.
func WithVersions(v map[string]string) Option {
	return func(i *layers.StoreInfo) {
		if i.Versions == nil {
			i.Versions = map[string]string{}
		}
		maps.Copy(i.Versions, v)
	}
}

// WithAttribution appends licence credits shown with the data.
func WithAttribution(credits ...string) Option {
	return func(i *layers.StoreInfo) { i.Attribution = append(i.Attribution, credits...) }
}

// WithInfo takes title, synthetic flag, versions and attribution from info
// (its Kind is ignored: a memory store always reports "memory").
func WithInfo(info layers.StoreInfo) Option {
	return func(i *layers.StoreInfo) {
		WithTitle(info.Title)(i)
		WithSynthetic(info.Synthetic)(i)
		WithVersions(info.Versions)(i)
		WithAttribution(info.Attribution...)(i)
	}
}

// New returns an empty store configured by opts.
func New(opts ...Option) *Store {
	info := layers.StoreInfo{Title: "In-memory store", Versions: map[string]string{}}
	for _, o := range opts {
		o(&info)
	}
	info.Kind = "memory"
	var e [8]byte
	_, _ = rand.Read(e[:])
	s := &Store{info: info, res: newResults(), epoch: hex.EncodeToString(e[:])}
	s.swap(emptySnapshot(info.Synthetic, strings.Join(info.Attribution, "; ")))
	return s
}

// Info returns what the store holds; Kind is always "memory".
func (s *Store) Info(ctx context.Context) (layers.StoreInfo, error) {
	if err := ctx.Err(); err != nil {
		return layers.StoreInfo{}, fmt.Errorf("memory: info: %w", err)
	}
	out := s.info
	out.Versions = maps.Clone(s.info.Versions)
	if out.Versions == nil {
		out.Versions = map[string]string{}
	}
	out.Attribution = append([]string(nil), s.info.Attribution...)
	return out, nil
}

// snap returns the current snapshot. Snapshots are immutable.
func (s *Store) snap() *snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur
}

// swap installs next as the current snapshot, giving each collection index
// that is new in it a version of its own.
func (s *Store) swap(next *snapshot) {
	s.mu.Lock()
	for _, ci := range next.colls {
		if ci.version == "" {
			s.gen++
			ci.version = "m" + s.epoch + "." + strconv.FormatUint(s.gen, 10)
		}
	}
	s.cur = next
	s.mu.Unlock()
}

// snapshot is one consistent, immutable state of all layers. Each layer is
// sorted by its feature id in layers.CompareIDs order, so that a record's
// index is its rank for keyset paging.
type snapshot struct {
	synthetic   bool
	attribution string

	municipalities []layers.Municipality
	munIndex       map[string]int
	memberships    []layers.Membership // sorted by AGS, kind, group id
	cells          []layers.Cell
	places         []layers.CentralPlace
	facilities     []layers.Facility
	roads          []layers.RoadSegment
	projects       []layers.Project

	colls map[string]*collIndex
}

func emptySnapshot(synthetic bool, attribution string) *snapshot {
	s := &snapshot{synthetic: synthetic, attribution: attribution, munIndex: map[string]int{}, colls: map[string]*collIndex{}}
	for _, id := range layers.CollectionIDs() {
		s.colls[id] = buildIndex(id, 0, nil, nil, nil, nil)
	}
	return s
}

// clone returns a shallow copy of s whose collection map may be changed.
func (s *snapshot) clone() *snapshot {
	n := *s
	n.colls = maps.Clone(s.colls)
	return &n
}

func checkCtx(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %s: %w", what, err)
	}
	return nil
}

// Municipalities returns every municipality ordered by AGS.
func (s *Store) Municipalities(ctx context.Context) ([]layers.Municipality, error) {
	if err := checkCtx(ctx, "municipalities"); err != nil {
		return nil, err
	}
	src := s.snap().municipalities
	out := make([]layers.Municipality, len(src))
	for i, m := range src {
		out[i] = cloneMunicipality(m)
	}
	return out, nil
}

// Memberships returns every membership ordered by AGS, kind and group id.
func (s *Store) Memberships(ctx context.Context) ([]layers.Membership, error) {
	if err := checkCtx(ctx, "memberships"); err != nil {
		return nil, err
	}
	return append([]layers.Membership{}, s.snap().memberships...), nil
}

// Cells returns every grid cell ordered by INSPIRE id (bytewise).
func (s *Store) Cells(ctx context.Context) ([]layers.Cell, error) {
	if err := checkCtx(ctx, "cells"); err != nil {
		return nil, err
	}
	src := s.snap().cells
	out := make([]layers.Cell, len(src))
	for i, c := range src {
		out[i] = cloneCell(c)
	}
	return out, nil
}

// CentralPlaces returns every central place ordered by id.
func (s *Store) CentralPlaces(ctx context.Context) ([]layers.CentralPlace, error) {
	if err := checkCtx(ctx, "central places"); err != nil {
		return nil, err
	}
	src := s.snap().places
	out := make([]layers.CentralPlace, len(src))
	for i, p := range src {
		out[i] = clonePlace(p)
	}
	return out, nil
}

// Facilities returns every facility ordered by id.
func (s *Store) Facilities(ctx context.Context) ([]layers.Facility, error) {
	if err := checkCtx(ctx, "facilities"); err != nil {
		return nil, err
	}
	src := s.snap().facilities
	out := make([]layers.Facility, len(src))
	for i, f := range src {
		out[i] = cloneFacility(f)
	}
	return out, nil
}

// Roads streams every road segment ordered by segment id, from the snapshot
// current when the iteration starts. The stream ends with ctx's error when
// ctx is cancelled.
func (s *Store) Roads(ctx context.Context) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		src := s.snap().roads
		for i, r := range src {
			if i%1024 == 0 {
				if err := checkCtx(ctx, "roads"); err != nil {
					yield(layers.RoadSegment{}, err)
					return
				}
			}
			if !yield(cloneRoad(r), nil) {
				return
			}
		}
	}
}

// Projects returns every project ordered by id.
func (s *Store) Projects(ctx context.Context) ([]layers.Project, error) {
	if err := checkCtx(ctx, "projects"); err != nil {
		return nil, err
	}
	src := s.snap().projects
	out := make([]layers.Project, len(src))
	for i, p := range src {
		out[i] = cloneProject(p)
	}
	return out, nil
}

// Project returns the project with the given id or an error wrapping
// layers.ErrNotFound.
func (s *Store) Project(ctx context.Context, id string) (layers.Project, error) {
	if err := checkCtx(ctx, "project"); err != nil {
		return layers.Project{}, err
	}
	ps := s.snap().projects
	i := sort.Search(len(ps), func(i int) bool { return ps[i].ID >= id })
	if i == len(ps) || ps[i].ID != id {
		return layers.Project{}, fmt.Errorf("memory: project %q: %w", id, layers.ErrNotFound)
	}
	return cloneProject(ps[i]), nil
}

func cloneGeom[G orb.Geometry](g G) G {
	var zero G
	c := orb.Clone(g)
	if c == nil {
		return zero
	}
	return c.(G)
}

func cloneFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneMunicipality(m layers.Municipality) layers.Municipality {
	if m.Geometry != nil {
		m.Geometry = cloneGeom(m.Geometry)
	}
	if m.Indicators != nil {
		m.Indicators = maps.Clone(m.Indicators)
	}
	return m
}

func cloneCell(c layers.Cell) layers.Cell {
	c.ShareUnder18 = cloneFloat(c.ShareUnder18)
	c.Share65Plus = cloneFloat(c.Share65Plus)
	return c
}

func clonePlace(p layers.CentralPlace) layers.CentralPlace {
	if p.Members != nil {
		p.Members = append([]string{}, p.Members...)
	}
	return p
}

func cloneFacility(f layers.Facility) layers.Facility {
	f.Capacity = cloneFloat(f.Capacity)
	return f
}

func cloneRoad(r layers.RoadSegment) layers.RoadSegment {
	if r.Geometry != nil {
		r.Geometry = cloneGeom(r.Geometry)
	}
	return r
}

func cloneProject(p layers.Project) layers.Project {
	if p.Municipalities != nil {
		p.Municipalities = append([]string{}, p.Municipalities...)
	}
	if p.Geometry != nil {
		p.Geometry = orb.Clone(p.Geometry)
	}
	p.Innovation = cloneFloat(p.Innovation)
	p.Transferability = cloneFloat(p.Transferability)
	return p
}
