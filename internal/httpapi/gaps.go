package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"reach/internal/analysis/gaps"
	"reach/internal/httpapi/reply"
	"reach/layers"
)

// GapAnalyzer answers gap registers; the engine satisfies it. An Analyzer
// without it answers the route 503.
type GapAnalyzer interface {
	Gaps(ctx context.Context, q gaps.Query) (gaps.Report, error)
}

// gapRequest is a parsed gap-register body.
type gapRequest struct {
	q     gaps.Query
	cells bool
}

// gapResult is a gap register as answered: the cells only when asked for
// (an empty list then when none is outside the standard). Its Cells, the
// shallower field, is the one encoded as "cells".
type gapResult struct {
	gaps.Report
	Cells *[]gaps.Cell `json:"cells,omitempty"`
}

func parseGaps(o *object) (gapRequest, error) {
	var req gapRequest
	if c, ok := o.str("category", true); ok {
		if !layers.Category(c).Valid() {
			o.add("category", c, "not in the catalogue; see the facilities collection's category values")
		} else {
			req.q.Category = layers.Category(c)
		}
	}
	req.q.Mode, _ = o.travelMode("mode")
	req.q.Transit = o.transitQuery(req.q.Mode, false)
	req.q.OnlyThinOrWeak = o.flag("only_thin_or_weak")
	if v, ok := o.num("max_minutes", false); ok {
		if !(v > 0) || v > maxMinutes {
			o.add("max_minutes", strconv.FormatFloat(v, 'g', -1, 64), "want minutes above 0 and at most 180 (absent: the catalogue's standard)")
		} else {
			req.q.MaxMinutes = v
		}
	}
	req.cells = o.flag("cells")
	return req, o.finish(false)
}

// gaps answers POST /analyses/gaps: the gap register of a category and
// mode (residents outside the standard per municipality, Kreis and
// planning region, the share of residents per method, the fairness of the
// travel times) and with cells: true every cell outside.
func (s *server) gaps(w http.ResponseWriter, r *http.Request) {
	if s.deps.Analyzer != nil {
		if _, ok := s.deps.Analyzer.(GapAnalyzer); !ok {
			s.problem(w, r, http.StatusServiceUnavailable, "analyses unavailable", "this analysis engine draws up no gap registers", nil)
			return
		}
	}
	res, ok := analyse(s, w, r, parseGaps, func(a Analyzer, ctx context.Context, req gapRequest) (gapResult, error) {
		rep, err := a.(GapAnalyzer).Gaps(ctx, req.q)
		if err != nil {
			return gapResult{}, err
		}
		res := gapResult{Report: rep}
		if req.cells {
			cells := rep.Cells
			if cells == nil {
				cells = []gaps.Cell{}
			}
			res.Cells = &cells
		}
		return res, nil
	})
	if ok {
		w.Header().Set("Cache-Control", "no-store")
		reply.WriteJSON(w, http.StatusOK, res)
	}
}
