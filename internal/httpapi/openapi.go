package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"reach/data/tables"
	"reach/internal/analysis"
	"reach/internal/httpapi/ogcapi"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// obj is a JSON object under construction.
type obj = map[string]any

// openAPI serves the OpenAPI 3.0 document built from the route table, plus
// one items path per collection listing that collection's filters.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query(), "f"); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	cs, err := s.ogc.Source().Collections(r.Context())
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	doc := s.openAPIDoc(s.baseURL(r), cs)
	body, err := ogc.MarshalJSON(doc)
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	reply.Cached(w, r, ogc.MediaOpenAPI, append(body, '\n'))
}

// openAPIDoc builds the document.
func (s *server) openAPIDoc(base string, cs []layers.Collection) obj {
	paths := obj{}
	for _, rt := range s.routes {
		item, _ := paths[rt.pattern].(obj)
		if item == nil {
			item = obj{}
			paths[rt.pattern] = item
		}
		item[strings.ToLower(rt.method)] = operation(rt, nil, rt.opID)
		if rt.method == http.MethodGet {
			head := rt
			head.summary = "Headers of: " + rt.summary
			item["head"] = operation(head, nil, rt.opID+"Head")
		}
	}
	// Concrete items paths per collection, so that clients see the filters.
	for _, rt := range s.routes {
		if rt.opID != "getFeatures" {
			continue
		}
		for _, c := range cs {
			var extra []obj
			for _, p := range c.Properties {
				if !p.Filterable && !p.Queryable() {
					continue
				}
				extra = append(extra, obj{"name": p.Name, "in": "query", "required": false, "style": "form", "explode": false,
					"description": strings.TrimSpace("Only features whose " + p.Name + " equals the value. " + p.Description),
					"schema":      obj{"type": filterType(p.Type)}})
			}
			params := make([]string, 0, len(rt.params))
			for _, p := range rt.params {
				if p != "collectionId" {
					params = append(params, p)
				}
			}
			concrete := rt
			concrete.params = params
			concrete.summary = c.Title + ": features"
			paths["/collections/"+c.ID+"/items"] = obj{"get": operation(concrete, extra, "getFeatures-"+c.ID)}
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       "reach",
			"version":     analysis.Version,
			"description": "Reachability of public services in Saxony: OGC API Features over the layers, vector tiles, and analyses (travel-time matrix, isochrones, project assessment, ranking, site suggestions). Coordinates are CRS84 [lon, lat] unless crs is given.",
		},
		"servers":    []obj{{"url": base}},
		"paths":      paths,
		"components": obj{"parameters": parameters(), "schemas": schemas(), "responses": obj{"Problem": problemResponse("error")}},
	}
}

func filterType(t string) string {
	switch t {
	case "integer", "number", "boolean":
		return t
	}
	return "string"
}

// operation builds one OpenAPI operation of a route.
func operation(rt route, extra []obj, opID string) obj {
	params := make([]any, 0, len(rt.params)+len(extra))
	for _, p := range rt.params {
		params = append(params, obj{"$ref": "#/components/parameters/" + p})
	}
	for _, e := range extra {
		params = append(params, e)
	}
	content := obj{}
	for _, t := range rt.ok.types {
		c := obj{}
		if rt.ok.schema != "" && t != ogc.MediaHTML {
			c["schema"] = obj{"$ref": "#/components/schemas/" + rt.ok.schema}
		}
		if t == ogc.MediaMVT {
			c["schema"] = obj{"type": "string", "format": "binary"}
		}
		content[t] = c
	}
	responses := obj{strconv.Itoa(rt.ok.status): obj{"description": rt.ok.desc, "content": content}}
	for _, st := range rt.problem {
		responses[strconv.Itoa(st)] = problemResponse(http.StatusText(st))
	}
	responses["500"] = problemResponse("internal error (logged with the request id)")
	op := obj{"operationId": opID, "summary": rt.summary, "tags": []string{rt.tag}, "responses": responses}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if rt.body != "" {
		op["requestBody"] = obj{"required": true, "content": obj{
			"application/json": obj{"schema": obj{"$ref": "#/components/schemas/" + rt.body}},
		}}
	}
	return op
}

func problemResponse(desc string) obj {
	return obj{"description": desc, "content": obj{ogc.MediaProblem: obj{"schema": obj{"$ref": "#/components/schemas/Problem"}}}}
}

func pathParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
}

func queryParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "style": "form", "explode": false, "description": desc, "schema": schema}
}

// parameters are the shared parameters of the routes.
func parameters() obj {
	crsEnum := ogc.CRSURIs()
	return obj{
		"f": queryParam("f", "Output format; without it, browsers get HTML and everyone else JSON. Items also take csv (UTF-8 with BOM; x/y for points, WKT otherwise) and gpkg (GeoPackage), both with every matching feature.",
			obj{"type": "string", "enum": []string{"json", "geojson", "html", "csv", "gpkg"}}),
		"bbox": queryParam("bbox", "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs axis order; only features intersecting it.",
			obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}),
		"bbox-crs": queryParam("bbox-crs", "CRS of bbox (default CRS84; EPSG:4326 is latitude first).", obj{"type": "string", "format": "uri", "enum": crsEnum}),
		"crs":      queryParam("crs", "CRS of the returned geometries (default CRS84); answered in the Content-Crs header.", obj{"type": "string", "format": "uri", "enum": crsEnum}),
		"limit": queryParam("limit", "Page size; larger values are served as "+strconv.Itoa(ogc.MaxLimit)+".",
			obj{"type": "integer", "minimum": 1, "maximum": ogc.MaxLimit, "default": ogc.DefaultLimit}),
		"datetime": queryParam("datetime", "An instant (2024-05-01T12:00:00Z or 2024-05-01) or an interval start/end with .. for an open end; applied to the collection's time property (projects: submitted_at), accepted and without effect where a collection has no time.",
			obj{"type": "string"}),
		"filter": queryParam("filter", "A CQL2 expression over the queryables (see /collections/{collectionId}/queryables): comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL, S_INTERSECTS(geometry, BBOX(…) or a WKT geometry).",
			obj{"type": "string"}),
		"filter-lang": queryParam("filter-lang", "Language of filter (cql-text is the name earlier drafts and GDAL 3.6 use for cql2-text).",
			obj{"type": "string", "enum": []string{"cql2-text", "cql2-json", "cql-text"}, "default": "cql2-text"}),
		"filter-crs":   queryParam("filter-crs", "CRS of the geometries in filter (default CRS84).", obj{"type": "string", "format": "uri", "enum": crsEnum}),
		"cursor":       queryParam("cursor", "Opaque position from a next link; do not build it yourself.", obj{"type": "string"}),
		"budget":       queryParam("budget", "Budget in EUR for the selection.", obj{"type": "number", "exclusiveMinimum": true, "minimum": 0, "default": defaultBudget}),
		"collectionId": pathParam("collectionId", "Collection id, e.g. municipalities, population-grid, central-places, facilities, roads, projects.", obj{"type": "string"}),
		"featureId":    pathParam("featureId", "Feature id within the collection.", obj{"type": "string"}),
		"projectId":    pathParam("projectId", "Project id.", obj{"type": "string"}),
		"tileMatrix":   pathParam("tileMatrix", "Zoom level of WebMercatorQuad (0 to 24).", obj{"type": "integer", "minimum": 0, "maximum": ogcapi.MaxTileZoom}),
		"tileRow":      pathParam("tileRow", "Tile row (y, from the top).", obj{"type": "integer", "minimum": 0}),
		"tileCol":      pathParam("tileCol", "Tile column (x, from the left).", obj{"type": "integer", "minimum": 0}),
	}
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func arrayOf(items obj) obj { return obj{"type": "array", "items": items} }

// schemas are the component schemas.
func schemas() obj {
	num := obj{"type": "number"}
	str := obj{"type": "string"}
	integer := obj{"type": "integer"}
	mode := obj{"type": "string", "enum": []string{string(layers.Car), string(layers.Bicycle), string(layers.Foot)}}
	cats := []string{}
	for _, c := range layers.Categories() {
		cats = append(cats, string(c.Category))
	}
	nullableNum := obj{"type": "number", "nullable": true}
	nullableInt := obj{"type": "integer", "nullable": true}
	snap := obj{"type": "object", "properties": obj{"input": ref("Position"), "location": ref("Position"), "distance_m": num,
		"offset_s": num, "snapped": obj{"type": "boolean"}, "reason": str}}
	link := obj{"type": "object", "required": []string{"href", "rel"}, "properties": obj{"href": str, "rel": str, "type": str, "title": str}}
	return obj{
		"Position": obj{"type": "array", "description": "[lon, lat] in CRS84", "minItems": 2, "maxItems": 3, "items": num},
		"Link":     link,
		"Problem": obj{"type": "object", "required": []string{"type", "title", "status"}, "properties": obj{
			"type": str, "title": str, "status": integer, "detail": str, "instance": str, "request_id": str,
			"invalid_params": arrayOf(obj{"type": "object", "properties": obj{"name": str, "reason": str, "value": str}}),
		}},
		"LandingPage": obj{"type": "object", "required": []string{"links"}, "properties": obj{"title": str, "description": str,
			"synthetic": obj{"type": "boolean"}, "links": arrayOf(ref("Link"))}},
		"Conformance": obj{"type": "object", "required": []string{"conformsTo"}, "properties": obj{"conformsTo": arrayOf(str)}},
		"Collection": obj{"type": "object", "required": []string{"id", "links"}, "properties": obj{"id": str, "title": str,
			"description": str, "itemType": str, "crs": arrayOf(str), "storageCrs": str, "links": arrayOf(ref("Link")),
			"extent": obj{"type": "object"}, "synthetic": obj{"type": "boolean"}}},
		"Collections": obj{"type": "object", "required": []string{"links", "collections"}, "properties": obj{
			"links": arrayOf(ref("Link")), "collections": arrayOf(ref("Collection")), "crs": arrayOf(str)}},
		"Feature": obj{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": obj{
			"type": obj{"type": "string", "enum": []string{"Feature"}}, "id": str,
			"geometry": obj{"type": "object", "nullable": true}, "properties": obj{"type": "object", "nullable": true},
			"links": arrayOf(ref("Link"))}},
		"FeatureCollection": obj{"type": "object", "required": []string{"type", "features"}, "properties": obj{
			"type": obj{"type": "string", "enum": []string{"FeatureCollection"}}, "features": arrayOf(ref("Feature")),
			"timeStamp": obj{"type": "string", "format": "date-time"}, "numberMatched": obj{"type": "integer", "minimum": 0},
			"numberReturned": obj{"type": "integer", "minimum": 0}, "links": arrayOf(ref("Link")),
			"method": obj{"type": "string", "description": "isochrones: how the polygons were built"}}},
		"MatrixRequest": obj{"type": "object", "required": []string{"mode", "sources", "destinations"}, "additionalProperties": false,
			"properties": obj{"mode": obj{"type": "string", "enum": []string{"car", "bicycle", "foot", "transit"}},
				"sources": arrayOf(ref("Position")), "destinations": arrayOf(ref("Position")),
				"departure":      obj{"type": "string", "description": "mode transit (required unless arrive_by): local date-time YYYY-MM-DDTHH:MM of the first departure", "example": "2023-01-11T07:00"},
				"arrive_by":      obj{"type": "string", "description": "mode transit, instead of departure: local date-time YYYY-MM-DDTHH:MM by which to arrive; the answer is per pair the latest departure that still arrives by then (reverse range RAPTOR) and the travel time from it, waiting included", "example": "2023-01-11T10:00"},
				"window_minutes": obj{"type": "integer", "minimum": 1, "maximum": 240, "default": 60, "description": "mode transit: one departure every minute of this window; durations are medians over it, waiting included. With arrive_by: one arrival deadline every minute of the window ending at arrive_by (default 1, arrive_by alone)"}}},
		"MatrixResult": obj{"type": "object", "properties": obj{"durations": arrayOf(arrayOf(nullableNum)),
			"distances": arrayOf(arrayOf(nullableNum)), "sources": arrayOf(snap), "destinations": arrayOf(snap),
			"methods": obj{"type": "array", "description": "per pair: network; straight_line (an end off the network, calibrated estimate); transit; unreachable (null entry); no_stop (transit, null entry: an end has no stop within walking distance)",
				"items": arrayOf(obj{"type": "string", "enum": []string{"network", "straight_line", "transit", "unreachable", "no_stop"}})},
			"method": obj{"type": "string", "enum": []string{"network", "straight_line", "transit", "mixed"}},
			"transit": obj{"type": "object", "description": "mode transit: window, 10th and 90th percentiles (p10, p90) over its departures; with arrive_by also latest_departure per pair (local date-time, null when no journey arrives in time)",
				"properties": obj{"departure": str, "arrive_by": str, "window_minutes": integer,
					"p10": arrayOf(arrayOf(nullableNum)), "p90": arrayOf(arrayOf(nullableNum)),
					"latest_departure": arrayOf(arrayOf(obj{"type": "string", "nullable": true})),
					"timetable":        str, "method": str}}}},
		"IsochroneRequest": obj{"type": "object", "required": []string{"mode", "origins", "minutes"}, "additionalProperties": false,
			"properties": obj{"mode": obj{"type": "string", "enum": []string{"car", "bicycle", "foot", "transit"}}, "origins": arrayOf(ref("Position")),
				"minutes":        obj{"type": "array", "minItems": 1, "maxItems": maxBands, "items": obj{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": maxMinutes}},
				"departure":      obj{"type": "string", "description": "mode transit (required): local date-time YYYY-MM-DDTHH:MM of the first departure", "example": "2023-01-11T07:00"},
				"window_minutes": obj{"type": "integer", "minimum": 1, "maximum": 240, "default": 60, "description": "mode transit: one departure every minute of this window; each stop takes its median travel time over it"}}},
		"RoundTripRequest": obj{"type": "object", "required": []string{"category", "arrive_by"}, "additionalProperties": false,
			"properties": obj{"category": obj{"type": "string", "enum": cats},
				"arrive_by":    obj{"type": "string", "description": "the appointment: local date-time YYYY-MM-DDTHH:MM by which to be at the facility", "example": "2023-01-11T10:00"},
				"stay_minutes": obj{"type": "integer", "minimum": 0, "maximum": 720, "default": 60, "description": "minutes at the facility from the appointment on"},
				"home_by":      obj{"type": "string", "description": "latest local date-time back home; default: the end of the appointment's day (24:00)"},
				"cells":        obj{"type": "boolean", "default": false, "description": "include the answer per populated cell"}}},
		"RoundTripResult": obj{"type": "object", "properties": obj{"category": str, "arrive_by": str, "stay_minutes": integer, "home_by": str, "timetable": str,
			"population": integer, "possible": integer, "share_possible": num,
			"no_stop":        obj{"type": "integer", "description": "residents who cannot make it and have no stop with a departure that day within walking distance (the feed may end there)"},
			"municipalities": arrayOf(obj{"type": "object", "properties": obj{"ags": str, "name": str, "population": integer, "possible": integer, "share_possible": num, "no_stop": integer, "median_duration_s": num}}),
			"cells": arrayOf(obj{"type": "object", "properties": obj{"inspire_id": str, "ags": str, "population": integer, "possible": obj{"type": "boolean"},
				"method": obj{"type": "string", "enum": []string{"transit", "unreachable", "no_stop"}}, "facility_id": str,
				"leave_home": str, "back_home": str, "duration_s": num, "outbound_s": num, "return_s": num}}),
			"method": str, "provenance": obj{"type": "object"}}},
		"SiteRequest": obj{"type": "object", "required": []string{"category", "mode", "k"}, "additionalProperties": false,
			"properties": obj{"category": obj{"type": "string", "enum": cats}, "mode": mode,
				"k":          obj{"type": "integer", "minimum": 1, "maximum": maxSites},
				"candidates": obj{"type": "string", "enum": []string{"central_places", "cells", "all"}, "default": "all"}}},
		"SiteResult": obj{"type": "object", "properties": obj{"category": str, "mode": str, "sites": arrayOf(obj{"type": "object"}),
			"total_newly_covered": integer, "upper_bound": integer, "optimality_gap": num, "provenance": obj{"type": "object"}}},
		"GapRequest": obj{"type": "object", "required": []string{"category", "mode"}, "additionalProperties": false,
			"properties": obj{"category": obj{"type": "string", "enum": cats}, "mode": obj{"type": "string", "enum": []string{"car", "bicycle", "foot", "transit"}},
				"only_thin_or_weak": obj{"type": "boolean", "default": false, "description": "only cells in thinly populated or structurally weak municipalities"},
				"max_minutes":       obj{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": maxMinutes, "description": "a standard of your own; absent: the catalogue's"},
				"departure":         obj{"type": "string", "description": "mode transit (required): local date-time YYYY-MM-DDTHH:MM of the first departure", "example": "2023-01-11T07:00"},
				"window_minutes":    obj{"type": "integer", "minimum": 1, "maximum": 240, "default": 60, "description": "mode transit: the departure window; times are medians over it"},
				"cells":             obj{"type": "boolean", "default": false, "description": "include every cell outside the standard"}}},
		"GapArea": obj{"type": "object", "properties": obj{"level": str, "key": str, "name": str, "population": integer, "outside": integer, "share_outside": num,
			"no_stop": obj{"type": "integer", "description": "mode transit: residents with no stop with a departure in the window within walking distance (not in outside)"}, "share_no_stop": num,
			"median_seconds": obj{"type": "number", "nullable": true}, "p90_seconds": obj{"type": "number", "nullable": true},
			"thinly_populated": obj{"type": "boolean"}, "structurally_weak": obj{"type": "boolean"}}},
		"GapResult": obj{"type": "object", "properties": obj{"category": str, "mode": str, "standard_minutes": num, "standard_source": str,
			"only_thin_or_weak": obj{"type": "boolean"}, "method": str,
			"method_shares": obj{"type": "object", "description": "share of residents per method: network, straight_line, unreachable, unknown (no facility loaded); by transit: transit, unreachable, no_stop", "additionalProperties": num},
			"unknown":       obj{"type": "string", "description": "why the register cannot be drawn up (no facility of the category loaded)"},
			"population":    integer, "outside": integer, "share_outside": num,
			"no_stop": obj{"type": "integer", "description": "mode transit: residents with no stop with a departure in the window within walking distance; counted apart, not in outside"}, "share_no_stop": num,
			"median_seconds": obj{"type": "number", "nullable": true}, "p90_seconds": obj{"type": "number", "nullable": true},
			"municipalities": arrayOf(ref("GapArea")), "kreise": arrayOf(ref("GapArea")), "planning_regions": arrayOf(ref("GapArea")),
			"cells": arrayOf(obj{"type": "object", "properties": obj{"inspire_id": str, "ags": str, "population": integer, "reached": obj{"type": "boolean"},
				"seconds": obj{"type": "number", "nullable": true}, "facility_id": str, "method": str, "thinly_populated": obj{"type": "boolean"}, "structurally_weak": obj{"type": "boolean"}}}),
			"fairness": arrayOf(obj{"type": "object", "description": "the distribution of the travel times today and in every loaded projection",
				"properties": obj{"scenario": str, "year": integer, "variant": str, "fairness": ref("Fairness")}}),
			"provenance": obj{"type": "object"}}},
		"NeedRequest": obj{"type": "object", "required": []string{"category"}, "additionalProperties": false,
			"properties": obj{"category": obj{"type": "string", "enum": cats}, "mode": obj{"type": "string", "enum": []string{"car", "bicycle", "foot"}, "description": "default: the need catalogue's mode"},
				"year":    obj{"type": "integer", "minimum": 2000, "maximum": 2100, "description": "projection year; absent: today"},
				"variant": obj{"type": "string", "description": "projection variant (with year)"},
				"cells":   obj{"type": "boolean", "default": false, "description": "include per-cell values"}}},
		"Distribution": obj{"type": "object", "properties": obj{"residents": num, "unreached": num, "mean_minutes": num,
			"percentiles": obj{"type": "object", "description": "p10, p25, p50, p75, p90, p95 in minutes; null where among the unreached", "additionalProperties": num},
			"gini":        num, "palma": num}},
		"Fairness": obj{"type": "object", "properties": obj{"measure": str, "weight": str, "all": ref("Distribution"),
			"by_degurba": obj{"type": "object", "additionalProperties": ref("Distribution")}, "by_age_group": obj{"type": "object", "additionalProperties": ref("Distribution")},
			"by_structural_weakness": obj{"type": "object", "additionalProperties": ref("Distribution")}}},
		"NeedResult": obj{"type": "object", "properties": obj{"category": str, "mode": str, "scenario": str, "year": integer, "variant": str,
			"demand_group": str, "min_age": integer, "max_age": integer, "demand_source": str, "demand": num, "decay": str, "decay_source": str,
			"supply": obj{"type": "object", "properties": obj{"unit": str, "facilities": integer, "total": num, "from_data": integer, "assumed": integer,
				"default_capacity": num, "capacity_source": str, "distributed": num, "unreached": num}},
			"planning_ratio": obj{"type": "object", "properties": obj{"residents_per_unit": num, "source": str, "assumption": obj{"type": "boolean"}}},
			"units_per_1000": num, "residents_per_unit": num,
			"municipalities": arrayOf(obj{"type": "object", "properties": obj{"ags": str, "name": str, "degurba": integer, "weak": obj{"type": "boolean"},
				"demand": num, "units_per_1000": num, "residents_per_unit": num, "below_planning_ratio": obj{"type": "boolean"}, "median_minutes": num}}),
			"facilities": arrayOf(obj{"type": "object"}), "cells": arrayOf(obj{"type": "object"}), "fairness": ref("Fairness"),
			"method": str, "warnings": arrayOf(str), "provenance": obj{"type": "object"}}},
		"FireRequest": obj{"type": "object", "additionalProperties": false, "properties": obj{
			"year": obj{"type": "integer", "minimum": 2000, "maximum": 2100}, "variant": str, "cells": obj{"type": "boolean", "default": false},
			"add": obj{"type": "array", "maxItems": maxFireSites, "items": obj{"type": "object", "required": []string{"point"}, "additionalProperties": false, "properties": obj{
				"name": str, "point": ref("Position"), "full_time": obj{"type": "boolean", "default": false}, "turnout_minutes": obj{"type": "number", "minimum": 0, "maximum": 60}}}},
			"close": obj{"type": "array", "items": str, "description": "facility ids of stations taken out"}}},
		"FireCoverage": obj{"type": "object", "properties": obj{"residents": integer, "within_limit": integer, "unreached": integer, "share": num, "cell_share": num,
			"cells": integer, "cells_within": integer, "stations": arrayOf(obj{"type": "object"}), "municipalities": arrayOf(obj{"type": "object"}),
			"fairness": ref("Fairness"), "cells_detail": arrayOf(obj{"type": "object"})}},
		"FireResult": obj{"type": "object", "properties": obj{"mode": str, "scenario": str, "year": integer, "variant": str,
			"limit_minutes": num, "limit_source": str, "target_share": num, "share_source": str,
			"turnout_volunteer_minutes": num, "turnout_full_time_minutes": num, "turnout_source": str,
			"today": ref("FireCoverage"), "after": ref("FireCoverage"), "changes": arrayOf(obj{"type": "object"}),
			"method": str, "warnings": arrayOf(str), "provenance": obj{"type": "object"}}},
		"Assessment": obj{"type": "object", "required": []string{"project_id", "effect", "completeness", "overlaps", "zentrale_orte", "score"},
			"properties": obj{"project_id": str, "title": str, "kind": str, "category": str,
				"newly_within_standard": obj{"type": "integer", "nullable": true, "description": "null when the effect is unknown"},
				"effect":                ref("Effect"), "completeness": ref("Completeness"), "overlaps": arrayOf(ref("Overlap")),
				"by_municipality": arrayOf(obj{"type": "object", "properties": obj{"ags": str, "name": str, "participating": obj{"type": "boolean"},
					"beneficiaries": integer, "newly_within_standard": integer, "mean_seconds_before": num, "mean_seconds_after": num}}),
				"zentrale_orte": ref("Alignment"),
				"score": obj{"type": "object", "properties": obj{"total": num, "max_total": num, "complete": obj{"type": "boolean"},
					"missing": arrayOf(str), "criteria": arrayOf(obj{"type": "object", "properties": obj{"name": str, "value": num, "unit": str,
						"normalised": num, "normalisation": str, "weight": num, "contribution": num,
						"missing": obj{"type": "boolean"}, "not_applicable": obj{"type": "boolean"}}})}},
				"provenance": obj{"type": "object"},
				"details":    ref("Details")}},
		"Details": obj{"type": "object", "description": "what only one kind of project has: the members of the project's kind (NewFacilityDetails, RoadUpgradeDetails, AreaServiceDetails or FacilityUpgradeDetails) at the top level, with site_municipalities for new facilities and upgrades",
			"properties": obj{"site_municipalities": arrayOf(str)},
			"allOf":      []any{ref("NewFacilityDetails"), ref("RoadUpgradeDetails"), ref("AreaServiceDetails"), ref("FacilityUpgradeDetails")}},
		"NewFacilityDetails": obj{"type": "object", "description": "new_facility", "properties": obj{
			"catchment": arrayOf(obj{"type": "object", "properties": obj{"from_minutes": num, "to_minutes": num,
				"population": obj{"type": "integer", "description": "residents of the ring from_minutes–to_minutes"}, "cumulative_population": obj{"type": "integer", "description": "residents within to_minutes"},
				"cells": integer, "geometry": obj{"type": "object", "description": "GeoJSON geometry, CRS84: the area within to_minutes"}}}),
			"sites": arrayOf(snap)}},
		"RoadUpgradeDetails": obj{"type": "object", "description": "road_upgrade", "properties": obj{
			"road_changes": obj{"type": "object", "properties": obj{"upgraded_segments": arrayOf(integer), "new_links": integer, "speed_kmh": num}},
			"categories": arrayOf(obj{"type": "object", "properties": obj{"category": str, "standard_minutes": num, "newly_within_standard": integer,
				"beneficiaries": integer, "cells_changed": integer}})}},
		"AreaServiceDetails": obj{"type": "object", "description": "area_service", "properties": obj{"population_inside": integer, "cells_inside": integer, "area_km2": num}},
		"FacilityUpgradeDetails": obj{"type": "object", "description": "facility_upgrade", "properties": obj{"capacity_change": nullableNum, "opening_hours_change": nullableNum,
			"accessible_for": str, "facility_id": str, "facility_name": str, "facility_distance_m": num, "served_residents": integer}},
		"Effect": obj{"type": "object", "required": []string{"known"}, "properties": obj{
			"known": obj{"type": "boolean"}, "reason": obj{"type": "string", "description": "why the effect is unknown"},
			"mode": str, "standard_minutes": num, "standard_source": str, "method": str,
			"beneficiaries": nullableInt, "beneficiaries_participating": nullableInt, "beneficiaries_other": nullableInt,
			"newly_within_standard": nullableInt, "municipalities_benefiting": integer, "kreise_benefiting": integer,
			"planning_regions_benefiting": integer, "need_share": nullableNum,
			"mean_seconds_before": nullableNum, "mean_seconds_after": nullableNum, "p90_seconds_before": nullableNum, "p90_seconds_after": nullableNum,
			"unreached_before": nullableInt, "unreached_after": nullableInt, "cost_per_newly_covered": nullableNum}},
		"Completeness": obj{"type": "object", "required": []string{"complete", "missing"}, "properties": obj{
			"complete": obj{"type": "boolean"}, "missing": arrayOf(obj{"type": "object", "properties": obj{"field": str, "reason": str}})}},
		"Overlap": obj{"type": "object", "properties": obj{"project_id": str, "title": str,
			"residents_gained_by_both": nullableInt, "newly_within_standard_by_both": nullableInt,
			"same_site": obj{"type": "boolean"}, "duplicate": obj{"type": "boolean"}}},
		"Alignment": obj{"type": "object", "properties": obj{
			"verdict": obj{"type": "string", "enum": []string{"aligned", "partly_aligned", "in_conflict", "not_applicable", "unknown"}},
			"reasons": arrayOf(obj{"type": "object", "required": []string{"rule", "finding", "text"}, "properties": obj{
				"rule":    obj{"type": "string", "enum": []string{"category_level", "site_level", "duplication", "higher_reach"}},
				"finding": obj{"type": "string", "enum": []string{"required", "fits", "below", "yes", "no", "unknown", "not_applicable"}},
				"site":    str, "level_found": str, "level_required": str, "text": str}}),
			"min_level": str, "min_level_source": str, "sites": arrayOf(obj{"type": "object"})}},
		"Ranking": obj{"type": "object", "properties": obj{"budget": num, "selected_funding": num, "selected_score": num, "sum_of_scores": num,
			"optimal": obj{"type": "boolean"}, "optimality_gap": num, "upper_bound": num, "deadline_seconds": num,
			"projects": arrayOf(obj{"type": "object", "properties": obj{"rank": integer, "id": str, "title": str, "score": num,
				"requested_funding": num, "selected": obj{"type": "boolean"}, "eligible": obj{"type": "boolean"},
				"not_eligible": arrayOf(obj{"type": "object", "properties": obj{"field": str, "reason": str}})}}), "method": str, "provenance": obj{"type": "object"}}},
		"ProjectFeature": obj{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": obj{
			"type": obj{"type": "string", "enum": []string{"Feature"}}, "id": obj{"type": "string", "description": "made up when absent"},
			"geometry": obj{"type": "object", "description": "CRS84, inside Saxony; Point/MultiPoint for new_facility, LineString/MultiLineString for road_upgrade, Polygon/MultiPolygon for area_service"},
			"properties": obj{"type": "object", "required": []string{"title", "municipalities", "kind"},
				"additionalProperties": false, "properties": obj{
					"title": str, "applicant": str, "municipalities": arrayOf(obj{"type": "string", "pattern": "^[0-9]{8}$"}),
					"category":        obj{"type": "string", "enum": append(append([]string(nil), cats...), string(layers.CatOther))},
					"kind":            obj{"type": "string", "enum": []string{string(layers.KindNewFacility), string(layers.KindRoadUpgrade), string(layers.KindAreaService), string(layers.KindFacilityUpgrade)}},
					"investment_cost": obj{"type": "number", "minimum": 0, "maximum": layers.MaxMoneyEUR}, "requested_funding": obj{"type": "number", "minimum": 0, "maximum": layers.MaxMoneyEUR},
					"facility_id": str, "capacity_change": num, "opening_hours_change": num, "accessible_for": str, "location_source": str,
					"planning_region": obj{"type": "string", "enum": tables.PlanningRegions()},
					"status":          obj{"type": "string", "enum": []string{"draft", "submitted", "selected", "funded", "rejected", "withdrawn"}, "default": "submitted"},
					"submitted_at":    obj{"type": "string", "format": "date-time"},
					"speed_kmh":       num, "innovation": obj{"type": "number", "minimum": 0, "maximum": 10},
					"transferability": obj{"type": "number", "minimum": 0, "maximum": 10}, "synthetic": obj{"type": "boolean"}}}}},
	}
}
