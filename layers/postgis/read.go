package postgis

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"reach/layers"
	"reach/layers/postgis/geometry"
)

// The SELECT lists below pair with the scan functions after them; the same
// functions serve the Reader and the FeatureSource, so that both see the
// same domain values.

const municipalitySelect = `SELECT ags, name, kreis_ags, kreis_name, planning_region, geom, population,
	population_date, area_km2, degurba FROM municipalities`

func scanMunicipality(rows pgx.Rows) (layers.Municipality, error) {
	var m layers.Municipality
	var kreis, kreisName, region *string
	var geom geom.T
	var date *time.Time
	var deg *int16
	if err := rows.Scan(&m.AGS, &m.Name, &kreis, &kreisName, &region, &geom, &m.Population, &date, &m.AreaKm2, &deg); err != nil {
		return m, fmt.Errorf("postgis: read municipality: %w", err)
	}
	m.KreisAGS, m.KreisName, m.PlanningRegion = deref(kreis), deref(kreisName), deref(region)
	if date != nil {
		m.PopulationDate = time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	}
	if deg != nil {
		m.DEGURBA = int(*deg)
	}
	g, err := geometry.FromStore(geom, "municipalities", m.AGS, sridUTM33N)
	if err != nil {
		return m, err
	}
	if g != nil {
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return m, fmt.Errorf("postgis: municipality %s: geometry is a %s, want MultiPolygon", m.AGS, g.GeoJSONType())
		}
		m.Geometry = mp
	}
	return m, nil
}

const cellSelect = `SELECT inspire_id, resolution_m, population, share_under_18, share_65_plus, ags, year FROM population_grid`

func scanCell(rows pgx.Rows) (layers.Cell, error) {
	var c layers.Cell
	var pop *int64
	var ags *string
	var year *int16
	var res int32
	if err := rows.Scan(&c.ID, &res, &pop, &c.ShareUnder18, &c.Share65Plus, &ags, &year); err != nil {
		return c, fmt.Errorf("postgis: read cell: %w", err)
	}
	c.ResolutionM = int(res)
	if pop != nil {
		c.Population, c.Known = *pop, true
	}
	c.AGS = deref(ags)
	if year != nil {
		c.Year = int(*year)
	}
	return c, nil
}

const centralPlaceSelect = `SELECT id, name, level, lep_type, verbund, members, ags, kreis_ags, planning_region,
	geom, source, location_source FROM central_places`

func scanCentralPlace(rows pgx.Rows) (layers.CentralPlace, error) {
	var p layers.CentralPlace
	var level int16
	var lep, verbund, ags, kreis, region, source, locSource *string
	var geom geom.T
	if err := rows.Scan(&p.ID, &p.Name, &level, &lep, &verbund, &p.Members, &ags, &kreis, &region, &geom, &source, &locSource); err != nil {
		return p, fmt.Errorf("postgis: read central place: %w", err)
	}
	p.Level = layers.Level(level)
	p.LEPType, p.Verbund, p.AGS, p.KreisAGS, p.PlanningRegion, p.Source = deref(lep), deref(verbund), deref(ags), deref(kreis), deref(region), deref(source)
	p.LocationSource = deref(locSource)
	g, err := geometry.FromStore(geom, "central_places", p.ID, sridUTM33N)
	if err != nil {
		return p, err
	}
	if g != nil {
		pt, ok := g.(orb.Point)
		if !ok {
			return p, fmt.Errorf("postgis: central place %s: geometry is a %s, want Point", p.ID, g.GeoJSONType())
		}
		p.Location = pt
	}
	return p, nil
}

const facilitySelect = `SELECT id, category, name, geom, capacity, source, ags, opening_hours FROM facilities`

func scanFacility(rows pgx.Rows) (layers.Facility, error) {
	var f layers.Facility
	var cat string
	var name, ags, hours *string
	var geom geom.T
	if err := rows.Scan(&f.ID, &cat, &name, &geom, &f.Capacity, &f.Source, &ags, &hours); err != nil {
		return f, fmt.Errorf("postgis: read facility: %w", err)
	}
	f.Category, f.Name, f.AGS, f.OpeningHours = layers.Category(cat), deref(name), deref(ags), deref(hours)
	g, err := geometry.FromStore(geom, "facilities", f.ID, sridUTM33N)
	if err != nil {
		return f, err
	}
	pt, ok := g.(orb.Point)
	if !ok {
		return f, fmt.Errorf("postgis: facility %s: geometry is not a Point", f.ID)
	}
	f.Location = pt
	return f, nil
}

const roadSelect = `SELECT id, way_id, from_node, to_node, geom, highway, name, ref, length_m,
	car_forward, car_backward, car_kmh, bicycle_forward, bicycle_backward, bicycle_kmh,
	foot_forward, foot_backward, foot_kmh, oneway, duration_s FROM roads`

func scanRoad(rows pgx.Rows) (layers.RoadSegment, error) {
	var r layers.RoadSegment
	var geom geom.T
	var name, ref *string
	var dur *float64
	if err := rows.Scan(&r.ID, &r.WayID, &r.FromNode, &r.ToNode, &geom, &r.Highway, &name, &ref, &r.LengthM,
		&r.Car.Forward, &r.Car.Backward, &r.Car.SpeedKmh, &r.Bicycle.Forward, &r.Bicycle.Backward, &r.Bicycle.SpeedKmh,
		&r.Foot.Forward, &r.Foot.Backward, &r.Foot.SpeedKmh, &r.Oneway, &dur); err != nil {
		return r, fmt.Errorf("postgis: read road segment: %w", err)
	}
	r.Name, r.Ref = deref(name), deref(ref)
	if dur != nil {
		r.DurationS = *dur
	}
	g, err := geometry.FromStore(geom, "roads", strconv.FormatInt(r.ID, 10), sridUTM33N)
	if err != nil {
		return r, err
	}
	ls, ok := g.(orb.LineString)
	if !ok {
		return r, fmt.Errorf("postgis: road segment %d: geometry is not a LineString", r.ID)
	}
	r.Geometry = ls
	return r, nil
}

const projectSelect = `SELECT id, title, applicant, municipalities, category, kind, geom, investment_cost,
	requested_funding, planning_region, status, submitted_at, speed_kmh, innovation, transferability, synthetic,
	location_source, facility_id, capacity_change, opening_hours_change, accessible_for,
	source, submitted_by, revision FROM projects`

func scanProject(rows pgx.Rows) (layers.Project, error) {
	var p layers.Project
	var applicant, cat, region, status *string
	var kind string
	var geom geom.T
	var sub *time.Time
	var locSrc, facID, access, by *string
	var u layers.Upgrade
	if err := rows.Scan(&p.ID, &p.Title, &applicant, &p.Municipalities, &cat, &kind, &geom, &p.InvestmentCost,
		&p.RequestedFunding, &region, &status, &sub, &p.SpeedKmh, &p.Innovation, &p.Transferability, &p.Synthetic,
		&locSrc, &facID, &u.CapacityChange, &u.OpeningHoursChange, &access,
		&p.Source, &by, &p.Revision); err != nil {
		return p, fmt.Errorf("postgis: read project: %w", err)
	}
	p.Kind = layers.ProjectKind(kind)
	p.LocationSource = deref(locSrc)
	u.FacilityID, u.AccessibleFor = deref(facID), deref(access)
	if p.Kind == layers.KindFacilityUpgrade || u != (layers.Upgrade{}) {
		p.Upgrade = &u
	}
	p.Applicant, p.Category = deref(applicant), layers.Category(deref(cat))
	p.PlanningRegion, p.Status, p.SubmittedBy = deref(region), deref(status), deref(by)
	if sub != nil {
		p.SubmittedAt = sub.UTC()
	}
	g, err := geometry.FromStore(geom, "projects", p.ID, sridUTM33N)
	if err != nil {
		return p, err
	}
	p.Geometry = g
	return p, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, s *Store, what, sql string, scan func(pgx.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", what, err)
	}
	return out, nil
}

// Municipalities returns every municipality with its indicators, by AGS.
func (s *Store) Municipalities(ctx context.Context) ([]layers.Municipality, error) {
	ms, err := collect(ctx, s, "municipalities", municipalitySelect+` ORDER BY ags`, scanMunicipality)
	if err != nil {
		return nil, err
	}
	if err := attachIndicators(ctx, s.pool, ms, nil); err != nil {
		return nil, err
	}
	return ms, nil
}

// querier is what a pool and a transaction share: attachIndicators runs in
// the transaction of the page it completes.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// attachIndicators fills the Indicators of ms, read through db; agss
// restricts the query to those AGS (nil: all).
func attachIndicators(ctx context.Context, db querier, ms []layers.Municipality, agss []string) error {
	if len(ms) == 0 {
		return nil
	}
	idx := make(map[string]int, len(ms))
	for i, m := range ms {
		idx[m.AGS] = i
	}
	type kv struct {
		ags, key string
		value    float64
	}
	sql := `SELECT ags, key, value FROM municipality_indicators`
	var args []any
	if agss != nil {
		sql += ` WHERE ags = ANY($1)`
		args = append(args, agss)
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("postgis: read indicators: %w", err)
	}
	vals, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kv, error) {
		var v kv
		err := row.Scan(&v.ags, &v.key, &v.value)
		return v, err
	})
	if err != nil {
		return fmt.Errorf("postgis: read indicators: %w", err)
	}
	for _, v := range vals {
		i, ok := idx[v.ags]
		if !ok {
			continue
		}
		if ms[i].Indicators == nil {
			ms[i].Indicators = map[string]float64{}
		}
		ms[i].Indicators[v.key] = v.value
	}
	return nil
}

// Memberships returns every membership.
func (s *Store) Memberships(ctx context.Context) ([]layers.Membership, error) {
	return collect(ctx, s, "memberships", `SELECT ags, kind, group_id, group_name FROM memberships ORDER BY ags, kind, group_id`,
		func(rows pgx.Rows) (layers.Membership, error) {
			var m layers.Membership
			var kind string
			var name *string
			if err := rows.Scan(&m.AGS, &kind, &m.GroupID, &name); err != nil {
				return m, fmt.Errorf("postgis: read membership: %w", err)
			}
			m.Kind, m.GroupName = layers.MembershipKind(kind), deref(name)
			return m, nil
		})
}

// Cells returns every grid cell, by id.
func (s *Store) Cells(ctx context.Context) ([]layers.Cell, error) {
	return collect(ctx, s, "cells", cellSelect+` ORDER BY inspire_id`, scanCell)
}

// CentralPlaces returns every central place, by id.
func (s *Store) CentralPlaces(ctx context.Context) ([]layers.CentralPlace, error) {
	return collect(ctx, s, "central places", centralPlaceSelect+` ORDER BY id`, scanCentralPlace)
}

// Facilities returns every facility, by id.
func (s *Store) Facilities(ctx context.Context) ([]layers.Facility, error) {
	return collect(ctx, s, "facilities", facilitySelect+` ORDER BY id`, scanFacility)
}

// Roads streams every road segment by id. The query holds one pooled
// connection until the stream ends or the consumer stops.
func (s *Store) Roads(ctx context.Context) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		rows, err := s.pool.Query(ctx, roadSelect+` ORDER BY id`)
		if err != nil {
			yield(layers.RoadSegment{}, fmt.Errorf("postgis: read roads: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRoad(rows)
			if err != nil {
				yield(layers.RoadSegment{}, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(layers.RoadSegment{}, fmt.Errorf("postgis: read roads: %w", err))
		}
	}
}

// Projects returns every project, by id.
func (s *Store) Projects(ctx context.Context) ([]layers.Project, error) {
	return collect(ctx, s, "projects", projectSelect+` ORDER BY id`, scanProject)
}

// Project returns one project or an error wrapping layers.ErrNotFound.
func (s *Store) Project(ctx context.Context, id string) (layers.Project, error) {
	ps, err := collect(ctx, s, "project", projectSelect+` WHERE id = $1`, scanProject, id)
	if err != nil {
		return layers.Project{}, err
	}
	if len(ps) == 0 {
		return layers.Project{}, fmt.Errorf("postgis: project %q: %w", id, layers.ErrNotFound)
	}
	return ps[0], nil
}

// Info tells what the store holds: the layer versions of layer_versions
// (content hash and load time) and the attributions of the loaded layers.
func (s *Store) Info(ctx context.Context) (layers.StoreInfo, error) {
	info := layers.StoreInfo{Kind: "postgis", Title: "PostGIS", Versions: map[string]string{}}
	rows, err := s.pool.Query(ctx, `SELECT layer, version, loaded_at, rows FROM layer_versions ORDER BY layer`)
	if err != nil {
		return info, fmt.Errorf("postgis: info: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var layer, version string
		var at time.Time
		var n int64
		if err := rows.Scan(&layer, &version, &at, &n); err != nil {
			return info, fmt.Errorf("postgis: info: %w", err)
		}
		info.Versions[layer] = fmt.Sprintf("%s loaded %s (%d rows)", version, at.UTC().Format(time.RFC3339), n)
	}
	if err := rows.Err(); err != nil {
		return info, fmt.Errorf("postgis: info: %w", err)
	}
	// Downloaded sources (reach bootstrap): "source <layer> <url>" →
	// "sha256 <hex> fetched <time>".
	srows, err := s.pool.Query(ctx, `SELECT layer, url, sha256, fetched_at FROM layer_sources ORDER BY layer, url`)
	if err != nil {
		return info, fmt.Errorf("postgis: info: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var layer, url, sum string
		var at time.Time
		if err := srows.Scan(&layer, &url, &sum, &at); err != nil {
			return info, fmt.Errorf("postgis: info: %w", err)
		}
		info.Versions["source "+layer+" "+url] = fmt.Sprintf("sha256 %s fetched %s", sum, at.UTC().Format(time.RFC3339))
	}
	if err := srows.Err(); err != nil {
		return info, fmt.Errorf("postgis: info: %w", err)
	}
	var synthetic bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE synthetic)`).Scan(&synthetic); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return info, fmt.Errorf("postgis: info: %w", err)
	}
	info.Synthetic = synthetic
	info.Attribution = attributions(info.Versions)
	return info, nil
}

// attributions lists the licence credits of the loaded layers.
func attributions(versions map[string]string) []string {
	var out []string
	has := func(prefix string) bool {
		for k := range versions {
			if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
				return true
			}
		}
		return false
	}
	if has("municipalities") {
		out = append(out, "© GeoBasis-DE / BKG (Daten verändert), dl-de/by-2-0")
	}
	if has("population") || has("municipalities") {
		out = append(out, "© Statistisches Bundesamt (Destatis), dl-de/by-2-0")
	}
	if has("population-grid") {
		out = append(out, "© Statistische Ämter des Bundes und der Länder, Zensus, dl-de/by-2-0")
	}
	if has("indicators") {
		out = append(out, "© BBSR Bonn, INKAR, dl-de/by-2-0")
	}
	if has("roads") || has("facilities:osm") {
		out = append(out, "© OpenStreetMap contributors, ODbL 1.0")
	}
	return out
}

// RecordSource records that layer was imported from a file downloaded from
// url with the given SHA-256 (lower-case hex), replacing an earlier record
// of the same layer and URL. Info lists the records, so that every
// result's provenance names them.
func (s *Store) RecordSource(ctx context.Context, layer, url, sha256 string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO layer_sources (layer, url, sha256, fetched_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (layer, url) DO UPDATE SET sha256 = EXCLUDED.sha256, fetched_at = EXCLUDED.fetched_at`, layer, url, sha256)
	if err != nil {
		return fmt.Errorf("postgis: record source of %s: %w", layer, err)
	}
	return nil
}
