package ogcapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// This file serves the JSON Schemas of the collections: the queryables of
// OGC API Features Part 3 (what filter may use) and the schema of the
// features (Part 5 style, linked from the collection as "describedby"), so
// that GDAL and QGIS read the field types instead of guessing them from the
// first page.

// propertySchema returns the JSON Schema of one property. Every property
// may be null (missing values are served as null); the type is still given
// as one word, because GDAL reads only that form.
func propertySchema(p layers.PropertyInfo) map[string]any {
	out := map[string]any{"title": p.Name}
	if p.Description != "" {
		out["description"] = p.Description
	}
	switch p.Type {
	case "array":
		out["type"] = "array"
		out["items"] = map[string]any{"type": "string"}
	case "object":
		out["type"] = "object"
		out["additionalProperties"] = map[string]any{"type": "number"}
	default:
		out["type"] = p.Type
	}
	if p.Format != "" {
		out["format"] = p.Format
	}
	if p.Unit != "" {
		out["x-ogc-unit"] = p.Unit
	}
	return out
}

// geometrySchema names the geometry of c by the format keywords of Part 5.
func geometrySchema(c layers.Collection) map[string]any {
	format := "geometry-any"
	switch c.GeometryType {
	case "Point":
		format = "geometry-point"
	case "MultiPoint":
		format = "geometry-multipoint"
	case "LineString":
		format = "geometry-linestring"
	case "MultiLineString":
		format = "geometry-multilinestring"
	case "Polygon":
		format = "geometry-polygon"
	case "MultiPolygon":
		format = "geometry-multipolygon"
	}
	return map[string]any{"title": "geometry", "format": format, "x-ogc-role": "primary-geometry"}
}

// collectionSchema builds the queryables (queryables true) or the feature
// schema of c. The queryables are flat (one member per property, geometry
// included, as Part 3 has them); the feature schema describes the GeoJSON
// feature that /items/{featureId} returns, with the typed properties under
// "properties", the shape GDAL's OAPIF driver reads field types from.
func (s *Server) collectionSchema(r *http.Request, c layers.Collection, queryables bool) map[string]any {
	b := reply.BaseURL(s.deps.BaseURL, r) + "/collections/" + url.PathEscape(c.ID)
	props := orderedObject{}
	for _, p := range c.Properties {
		if queryables && !p.Queryable() {
			continue
		}
		props = append(props, member{p.Name, propertySchema(p)})
	}
	doc := map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
	if queryables {
		props = append(props, member{layers.GeometryProperty, geometrySchema(c)})
		doc["$id"] = b + "/queryables"
		doc["title"] = c.Title + ": queryables"
		doc["description"] = "Properties that filter (CQL2 text or JSON) and the ?name=value parameters may use; " +
			"S_INTERSECTS applies to \"geometry\"."
		doc["properties"] = props
		doc["additionalProperties"] = false
		return doc
	}
	doc["$id"] = b + "/schema"
	doc["title"] = c.Title + ": feature"
	doc["description"] = "A feature of the collection as GeoJSON; every property may be null."
	doc["required"] = []string{"type", "geometry", "properties"}
	doc["properties"] = map[string]any{
		"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
		"id":         map[string]any{"type": "string", "title": "feature id", "x-ogc-role": "id"},
		"geometry":   geometrySchema(c),
		"properties": map[string]any{"type": "object", "properties": props},
		"links":      map[string]any{"type": "array", "items": map[string]any{"type": "object"}},
	}
	return doc
}

// Queryables answers /collections/{collectionId}/queryables.
func (s *Server) Queryables(w http.ResponseWriter, r *http.Request) { s.schemaDoc(w, r, true) }

// FeatureSchema answers /collections/{collectionId}/schema.
func (s *Server) FeatureSchema(w http.ResponseWriter, r *http.Request) { s.schemaDoc(w, r, false) }

func (s *Server) schemaDoc(w http.ResponseWriter, r *http.Request, queryables bool) {
	if err := ogc.CheckOnly(r.URL.Query(), "f"); err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	if f := strings.ToLower(r.URL.Query().Get("f")); f != "" && f != "json" {
		s.reply.Fail(w, r, ogc.ParamError{Name: "f", Value: f, Reason: "unknown format; want json"}, http.StatusBadRequest)
		return
	}
	id := reply.URLParam(r, "collectionId")
	c, err := s.Source().Collection(r.Context(), id)
	if err != nil {
		s.reply.Fail(w, r, collErr(id, err), http.StatusBadRequest)
		return
	}
	body, err := ogc.MarshalJSON(s.collectionSchema(r, c, queryables))
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	reply.Cached(w, r, ogc.MediaSchema, append(body, '\n'))
}

// orderedObject is a JSON object whose members keep their order, so that
// clients list the fields in the order the features carry them.
type orderedObject []member

type member struct {
	name  string
	value any
}

// MarshalJSON writes the members in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		v, err := ogc.MarshalJSON(m.value)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
