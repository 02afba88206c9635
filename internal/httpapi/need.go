package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/internal/analysis/need"
	"reach/internal/httpapi/reply"
	"reach/layers"
)

// NeedAnalyzer answers capacity-aware access and fire coverage; the
// engine satisfies it. An Analyzer without it answers those routes 503.
type NeedAnalyzer interface {
	Need(ctx context.Context, q need.Query) (need.Result, error)
	Fire(ctx context.Context, q need.FireQuery) (need.FireResult, error)
}

// maxFireSites bounds the proposed stations of one request.
const maxFireSites = 20

// scenario reads the optional year and variant fields.
func scenario(o *object) access.Scenario {
	var sc access.Scenario
	if y, ok := o.num("year", false); ok {
		if y != math.Trunc(y) || y < 2000 || y > 2100 {
			o.add("year", strconv.FormatFloat(y, 'g', -1, 64), "must be a projection year from 2000 to 2100")
		} else {
			sc.Year = int(y)
		}
	}
	if v, ok := o.str("variant", false); ok {
		sc.Variant = v
		if sc.Year == 0 {
			o.add("variant", v, "needs a year")
		}
	}
	return sc
}

func (o *object) flag(name string) bool {
	v, ok := o.get(name, false)
	if !ok {
		return false
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		o.add(name, string(v), "must be true or false")
	}
	return b
}

func parseNeed(o *object) (need.Query, error) {
	var q need.Query
	if c, ok := o.str("category", true); ok {
		if !layers.Category(c).Valid() {
			o.add("category", c, "not in the catalogue; see the facilities collection's category values")
		} else {
			q.Category = layers.Category(c)
		}
	}
	if m, ok := o.str("mode", false); ok {
		if mm, ok := layers.ParseMode(m); ok {
			q.Mode = mm
		} else if m == string(layers.Transit) {
			o.add("mode", m, "public transport is not offered by the capacity-aware access (it is by the matrix, isochrones, round trips and the travel-times and gaps collections); want car, bicycle or foot")
		} else {
			o.add("mode", m, "unknown mode; want car, bicycle or foot")
		}
	}
	q.Scenario = scenario(o)
	q.Cells = o.flag("cells")
	return q, o.finish(false)
}

type fireSiteWire struct {
	Name           string     `json:"name"`
	Point          []*float64 `json:"point"`
	FullTime       bool       `json:"full_time"`
	TurnoutMinutes *float64   `json:"turnout_minutes"`
}

func parseFire(o *object) (need.FireQuery, error) {
	var q need.FireQuery
	q.Scenario = scenario(o)
	q.Cells = o.flag("cells")
	if v, ok := o.get("add", false); ok {
		var sites []fireSiteWire
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sites); err != nil {
			o.add("add", string(v), "must be a list of {name, point: [lon, lat], full_time, turnout_minutes}: "+err.Error())
		} else if len(sites) > maxFireSites {
			o.add("add", fmt.Sprint(len(sites)), fmt.Sprintf("at most %d stations", maxFireSites))
		}
		for i, s := range sites {
			field := fmt.Sprintf("add[%d]", i)
			if len(s.Point) != 2 || s.Point[0] == nil || s.Point[1] == nil || math.IsNaN(*s.Point[0]) || *s.Point[0] < -180 || *s.Point[0] > 180 || *s.Point[1] < -90 || *s.Point[1] > 90 {
				o.add(field+".point", pointText(s.Point), "must be [lon, lat] in CRS84, numbers, not null")
				continue
			}
			site := need.FireSite{Name: s.Name, Location: orb.Point{*s.Point[0], *s.Point[1]}, FullTime: s.FullTime}
			if s.TurnoutMinutes != nil {
				if *s.TurnoutMinutes < 0 || *s.TurnoutMinutes > 60 {
					o.add(field+".turnout_minutes", fmt.Sprint(*s.TurnoutMinutes), "must be 0–60")
					continue
				}
				secs := *s.TurnoutMinutes * 60
				site.TurnoutS = &secs
			}
			q.Add = append(q.Add, site)
		}
	}
	if v, ok := o.get("close", false); ok {
		if err := json.Unmarshal(v, &q.Close); err != nil {
			o.add("close", string(v), "must be a list of fire station facility ids")
		}
	}
	return q, o.finish(false)
}

// needAnalyzer returns the analyzer as a NeedAnalyzer or answers 503.
func (s *server) needAnalyzer(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Analyzer == nil {
		return true // analyse answers 503
	}
	if _, ok := s.deps.Analyzer.(NeedAnalyzer); !ok {
		s.problem(w, r, http.StatusServiceUnavailable, "analyses unavailable", "this analysis engine computes no capacity-aware access", nil)
		return false
	}
	return true
}

func (s *server) need(w http.ResponseWriter, r *http.Request) {
	if !s.needAnalyzer(w, r) {
		return
	}
	res, ok := analyse(s, w, r, parseNeed, func(a Analyzer, ctx context.Context, q need.Query) (need.Result, error) {
		return a.(NeedAnalyzer).Need(ctx, q)
	})
	if ok {
		w.Header().Set("Cache-Control", "no-store")
		reply.WriteJSON(w, http.StatusOK, res)
	}
}

func (s *server) fire(w http.ResponseWriter, r *http.Request) {
	if !s.needAnalyzer(w, r) {
		return
	}
	res, ok := analyse(s, w, r, parseFire, func(a Analyzer, ctx context.Context, q need.FireQuery) (need.FireResult, error) {
		return a.(NeedAnalyzer).Fire(ctx, q)
	})
	if ok {
		w.Header().Set("Cache-Control", "no-store")
		reply.WriteJSON(w, http.StatusOK, res)
	}
}

// pointText shows a position as given, with null for a missing number.
func pointText(p []*float64) string {
	parts := make([]string, len(p))
	for i, v := range p {
		parts[i] = "null"
		if v != nil {
			parts[i] = fmt.Sprint(*v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
