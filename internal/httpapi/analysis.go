package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/sites"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// Analyzer answers the analysis endpoints. It is defined here, where it is
// consumed; cmd/reach's analyzer (the engine of internal/analysis with the
// use cases built on it: matrix, assessments, sites) satisfies it. Implementations are
// safe for concurrent use, honour ctx, and report invalid input with errors
// wrapping layers.ErrInvalid (answered 422) and unknown ids with
// layers.ErrNotFound (404). Points are CRS84 [lon, lat].
type Analyzer interface {
	// Matrix gives travel times and network distances from every source to
	// every destination.
	Matrix(ctx context.Context, req analysis.MatrixRequest) (analysis.MatrixResult, error)
	// Isochrones gives cumulative travel-time bands for ascending Minutes.
	Isochrones(ctx context.Context, req analysis.IsochroneRequest) (analysis.IsochroneResult, error)
	// Assess gives the dossier of one project within the call of set (the
	// stored proposals), which its score and overlaps depend on.
	Assess(ctx context.Context, p layers.Project, set []layers.Project) (assess.Assessment, error)
	// Ranking ranks projects and selects the best set within budget (EUR).
	Ranking(ctx context.Context, projects []layers.Project, budget float64) (assess.Ranking, error)
	// SuggestSites suggests sites for a category.
	SuggestSites(ctx context.Context, req sites.Request) (sites.Result, error)
	// Derived serves the computed collections (travel-times, gaps,
	// assessments, …); nil when there are none. It is called per request,
	// so it may change as results are computed.
	Derived() layers.FeatureSource
}

// Limits of analysis requests.
const (
	maxMinutes    = 180 // largest isochrone threshold in minutes
	maxBands      = 12  // most thresholds in one isochrone request
	maxSites      = 50  // largest k of a site suggestion
	defaultBudget = 4_000_000
)

// analyzer returns the analyzer or answers 503.
func (s *server) analyzer(w http.ResponseWriter, r *http.Request) (Analyzer, bool) {
	if s.deps.Analyzer == nil {
		s.problem(w, r, http.StatusServiceUnavailable, "analyses unavailable",
			"this server was started without an analysis engine (no road network or read model loaded)", nil)
		return nil, false
	}
	return s.deps.Analyzer, true
}

// acquire takes a slot for one analysis, waiting at most a second; the
// returned func frees it.
func (s *server) acquire(ctx context.Context) (func(), error) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-t.C:
		return nil, reply.ErrOverloaded
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run runs f in an analysis slot.
func (s *server) run(ctx context.Context, f func(ctx context.Context) error) error {
	release, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return f(ctx)
}

// analysisFail answers an analysis error (invalid input from the engine is
// a 422, since the body was well-formed).
func (s *server) analysisFail(w http.ResponseWriter, r *http.Request, err error) {
	s.fail(w, r, err, http.StatusUnprocessableEntity)
}

// parseMatrix validates a matrix request body.
func parseMatrix(o *object, maxPoints int) (analysis.MatrixRequest, error) {
	var req analysis.MatrixRequest
	req.Mode, _ = o.travelMode("mode")
	req.Transit = o.transitQuery(req.Mode, true)
	req.Sources, _ = o.points("sources", maxPoints)
	req.Destinations, _ = o.points("destinations", maxPoints)
	return req, o.finish(false)
}

func (s *server) matrix(w http.ResponseWriter, r *http.Request) {
	res, ok := analyse(s, w, r, func(o *object) (analysis.MatrixRequest, error) { return parseMatrix(o, s.deps.MaxPoints) },
		Analyzer.Matrix)
	if ok {
		w.Header().Set("Cache-Control", "no-store")
		reply.WriteJSON(w, http.StatusOK, res)
	}
}

// analyse runs one JSON analysis request: it takes the analyzer (or answers
// 503), reads and validates the body with parse (or answers 400/422 naming
// every wrong field), and runs call within the concurrency limit (or
// answers with the mapped error). ok is false when a response was written.
func analyse[Req, Res any](s *server, w http.ResponseWriter, r *http.Request, parse func(*object) (Req, error),
	call func(Analyzer, context.Context, Req) (Res, error)) (res Res, ok bool) {
	a, ok := s.analyzer(w, r)
	if !ok {
		return res, false
	}
	o, err := readObject(w, r, s.deps.MaxBodyBytes)
	if err != nil {
		s.bodyFail(w, r, err)
		return res, false
	}
	req, err := parse(o)
	if err != nil {
		s.bodyFail(w, r, err)
		return res, false
	}
	return runAnalysis(s, w, r, func(ctx context.Context) (Res, error) { return call(a, ctx, req) })
}

// runAnalysis runs f within the concurrency limit; on an error it answers
// with the mapped error and ok is false.
func runAnalysis[Res any](s *server, w http.ResponseWriter, r *http.Request, f func(context.Context) (Res, error)) (res Res, ok bool) {
	err := s.run(r.Context(), func(ctx context.Context) (err error) {
		res, err = f(ctx)
		return err
	})
	if err != nil {
		s.analysisFail(w, r, err)
		return res, false
	}
	return res, true
}

// answerAnalysis runs f as runAnalysis does and answers its result as
// JSON, never cached (it follows the stored projects).
func answerAnalysis[Res any](s *server, w http.ResponseWriter, r *http.Request, f func(context.Context) (Res, error)) {
	res, ok := runAnalysis(s, w, r, f)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	reply.WriteJSON(w, http.StatusOK, res)
}

// parseIsochrones validates an isochrone request body; minutes come back
// ascending.
func parseIsochrones(o *object, maxPoints int) (analysis.IsochroneRequest, error) {
	var req analysis.IsochroneRequest
	req.Mode, _ = o.travelMode("mode")
	req.Transit = o.transitQuery(req.Mode, false)
	req.Origins, _ = o.points("origins", maxPoints)
	if v, ok := o.get("minutes", true); ok {
		var ms []json.RawMessage
		if err := json.Unmarshal(v, &ms); err != nil {
			o.add("minutes", string(v), "must be an array of numbers")
		} else if len(ms) == 0 || len(ms) > maxBands {
			o.add("minutes", string(v), fmt.Sprintf("must hold 1 to %d thresholds", maxBands))
		} else {
			seen := map[float64]bool{}
			good := true
			for i, m := range ms {
				name := "minutes[" + strconv.Itoa(i) + "]"
				var f float64
				switch err := json.Unmarshal(m, &f); {
				case err != nil:
					o.add(name, string(m), "must be a number")
				case !(f > 0) || f > maxMinutes:
					o.add(name, string(m), fmt.Sprintf("must be greater than 0 and at most %d", maxMinutes))
				case seen[f]:
					o.add(name, string(m), "repeats an earlier threshold")
				default:
					seen[f] = true
					req.Minutes = append(req.Minutes, f)
					continue
				}
				good = false
			}
			if good {
				sort.Float64s(req.Minutes)
			}
		}
	}
	return req, o.finish(false)
}

func (s *server) isochrones(w http.ResponseWriter, r *http.Request) {
	var mode layers.Mode
	res, ok := analyse(s, w, r, func(o *object) (analysis.IsochroneRequest, error) {
		req, err := parseIsochrones(o, s.deps.MaxPoints)
		mode = req.Mode
		return req, err
	}, Analyzer.Isochrones)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", ogc.MediaGeoJSON)
	h.Set("Content-Crs", "<"+crs.CRS84.URI()+">")
	w.WriteHeader(http.StatusOK)
	origins := res.Origins
	if origins == nil {
		origins = []analysis.SnapInfo{}
	}
	fw := ogc.NewFeatureWriter(w, crs.CRS84)
	err := fw.Begin(ogc.CollectionHeader{TimeStamp: s.deps.Now(), NumberMatched: -1, NumberReturned: len(res.Bands),
		Members: []ogc.Member{{Name: "method", Value: res.Method}, {Name: "mode", Value: mode}, {Name: "origins", Value: origins}}})
	for i := 0; err == nil && i < len(res.Bands); i++ {
		err = fw.Write(BandFeature(res.Bands[i]))
	}
	if err == nil {
		err = fw.End()
	}
	if err != nil && r.Context().Err() == nil {
		s.log.ErrorContext(r.Context(), "httpapi: writing isochrones", "err", err)
	}
}

// BandFeature returns the served feature of one isochrone band: the
// cumulative area reachable within Minutes (CRS84), with the properties
// minutes and to_minutes (the same upper end), from_minutes, population and
// cells of the ring from_minutes–to_minutes, and cumulative_population and
// cumulative_cells within to_minutes. Its id is "band-" and the minutes.
func BandFeature(b analysis.Band) layers.Feature {
	f := layers.Feature{
		ID: "band-" + strconv.FormatFloat(b.Minutes, 'f', -1, 64),
		Properties: []layers.Property{
			{Name: "minutes", Value: b.Minutes}, {Name: "from_minutes", Value: b.FromMinutes}, {Name: "to_minutes", Value: b.Minutes},
			{Name: "population", Value: b.Population}, {Name: "cells", Value: int64(b.Cells)},
			{Name: "cumulative_population", Value: b.CumulativePopulation}, {Name: "cumulative_cells", Value: int64(b.CumulativeCells)},
		},
	}
	if len(b.Geometry) > 0 {
		f.Geometry = b.Geometry
	}
	return f
}

// parseSites validates a site suggestion body.
func parseSites(o *object) (sites.Request, error) {
	var req sites.Request
	if c, ok := o.str("category", true); ok {
		if !layers.Category(c).Valid() {
			o.add("category", c, "not in the catalogue; see the facilities collection's category values")
		} else {
			req.Category = layers.Category(c)
		}
	}
	req.Mode, _ = o.mode("mode")
	if k, ok := o.num("k", true); ok {
		if k != math.Trunc(k) || k < 1 || k > maxSites {
			o.add("k", strconv.FormatFloat(k, 'g', -1, 64), fmt.Sprintf("must be an integer from 1 to %d", maxSites))
		} else {
			req.K = int(k)
		}
	}
	req.Candidates = "all"
	if c, ok := o.str("candidates", false); ok {
		switch c {
		case "central_places", "cells", "all":
			req.Candidates = c
		default:
			o.add("candidates", c, "want central_places, cells or all")
		}
	}
	return req, o.finish(false)
}

func (s *server) sites(w http.ResponseWriter, r *http.Request) {
	res, ok := analyse(s, w, r, parseSites, Analyzer.SuggestSites)
	if ok {
		w.Header().Set("Cache-Control", "no-store")
		reply.WriteJSON(w, http.StatusOK, res)
	}
}

// store returns the project store or answers 503.
func (s *server) store(w http.ResponseWriter, r *http.Request) (layers.Store, bool) {
	if s.deps.Store == nil {
		s.problem(w, r, http.StatusServiceUnavailable, "projects unavailable", "this server has no project store", nil)
		return nil, false
	}
	return s.deps.Store, true
}

func (s *server) assessment(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query()); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	a, ok := s.analyzer(w, r)
	if !ok {
		return
	}
	st, ok := s.store(w, r)
	if !ok {
		return
	}
	p, ok := s.storedProject(w, r, st)
	if !ok {
		return
	}
	set, err := st.Projects(r.Context())
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	answerAnalysis(s, w, r, func(ctx context.Context) (assess.Assessment, error) { return a.Assess(ctx, p, set) })
}

// parseBudget reads the budget parameter in EUR: a positive finite number,
// 4,000,000 when absent.
func parseBudget(s string) (float64, error) {
	if s == "" {
		return defaultBudget, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 1e12 {
		return 0, ogc.ParamError{Name: "budget", Value: s, Reason: "must be a positive amount in EUR (at most 1e12)"}
	}
	return f, nil
}

func (s *server) ranking(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query(), "budget"); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	budget, err := parseBudget(r.URL.Query().Get("budget"))
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	a, ok := s.analyzer(w, r)
	if !ok {
		return
	}
	st, ok := s.store(w, r)
	if !ok {
		return
	}
	ps, err := st.Projects(r.Context())
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	answerAnalysis(s, w, r, func(ctx context.Context) (assess.Ranking, error) { return a.Ranking(ctx, ps, budget) })
}
