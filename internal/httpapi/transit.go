package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"reach/internal/analysis"
	"reach/internal/analysis/transit"
	"reach/internal/httpapi/reply"
	"reach/layers"
)

// TransitAnalyzer answers the public transport analyses beyond the modes of the matrix and
// isochrones (round trips to an appointment). An Analyzer without it answers 503.
type TransitAnalyzer interface {
	RoundTrips(ctx context.Context, q transit.RoundTripQuery) (transit.RoundTripResult, error)
}

// roundTripRequest is a parsed round-trip body.
type roundTripRequest struct {
	q     transit.RoundTripQuery
	cells bool
}

func parseRoundTrip(o *object) (roundTripRequest, error) {
	var req roundTripRequest
	if c, ok := o.str("category", true); ok {
		if !layers.Category(c).Valid() {
			o.add("category", c, "not in the catalogue; see the facilities collection's category values")
		} else {
			req.q.Category = layers.Category(c)
		}
	}
	if v, ok := o.str("arrive_by", true); ok {
		t, err := analysis.ParseDeparture(v)
		if err != nil {
			o.add("arrive_by", v, "want a local date-time YYYY-MM-DDTHH:MM")
		}
		req.q.ArriveBy = t
	}
	req.q.StayMinutes = 60
	if v, ok := o.num("stay_minutes", false); ok {
		if v != math.Trunc(v) || v < 0 || v > transit.MaxStayMinutes {
			o.add("stay_minutes", strconv.FormatFloat(v, 'g', -1, 64), fmt.Sprintf("want whole minutes from 0 to %d", transit.MaxStayMinutes))
		} else {
			req.q.StayMinutes = int(v)
		}
	}
	if v, ok := o.str("home_by", false); ok {
		t, err := analysis.ParseDeparture(v)
		if err != nil {
			o.add("home_by", v, "want a local date-time YYYY-MM-DDTHH:MM")
		}
		req.q.HomeBy = t
	}
	req.cells = o.flag("cells")
	return req, o.finish(false)
}

func (s *server) roundTrip(w http.ResponseWriter, r *http.Request) {
	if s.deps.Analyzer != nil {
		if _, ok := s.deps.Analyzer.(TransitAnalyzer); !ok {
			s.problem(w, r, http.StatusServiceUnavailable, "analyses unavailable", "this analysis engine computes no public transport round trips", nil)
			return
		}
	}
	res, ok := analyse(s, w, r, parseRoundTrip, func(a Analyzer, ctx context.Context, req roundTripRequest) (transit.RoundTripResult, error) {
		res, err := a.(TransitAnalyzer).RoundTrips(ctx, req.q)
		if err == nil && !req.cells {
			res.Cells = nil
		}
		return res, err
	})
	if ok {
		w.Header().Set("Cache-Control", "no-store")
		reply.WriteJSON(w, http.StatusOK, res)
	}
}
