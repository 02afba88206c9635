package ogcapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"reach/layers"
)

// pageTemplates renders the HTML views of the OGC resources: plain,
// server-side, no scripts.
var pageTemplates = template.Must(template.New("page").Funcs(template.FuncMap{
	"value":   htmlValue,
	"pathEsc": url.PathEscape,
	"geomType": func(f layers.Feature) string {
		if f.Geometry == nil {
			return "none"
		}
		return f.Geometry.GeoJSONType()
	},
}).Parse(`{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · reach</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f7f8fa}
header{background:#16324f;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
nav a{color:#cfe0f3;margin-right:1rem;font-weight:400}
main{max-width:72rem;margin:1.5rem auto;padding:0 1.5rem}
.synthetic{background:#b3261e;color:#fff;font-weight:700;padding:.15rem .5rem;border-radius:3px;letter-spacing:.05em}
table{border-collapse:collapse;width:100%;background:#fff;margin:1rem 0}
th,td{border:1px solid #d6dbe1;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:14px}
th{background:#eef1f5}
code{font-size:13px}
.links a{margin-right:1rem}
.muted{color:#5b6672}
</style></head><body>
<header><a href="/?f=html">reach</a><nav><a href="/collections?f=html">Collections</a><a href="/api">API</a><a href="/map/">Map</a></nav>
{{if .Synthetic}}<span class="synthetic" title="generated demo data, not real">SYNTHETIC DATA</span>{{end}}</header>
<main><h1>{{.Title}}</h1>
{{if .Synthetic}}<p><span class="synthetic">SYNTHETIC</span> These data are generated for demonstration and describe no real place.</p>{{end}}
{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "landing"}}{{template "head" .}}
<p>{{.Data.Description}}</p>
<ul>{{range .Data.Links}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">({{.Rel}}, {{.Type}})</span></li>{{end}}</ul>
{{range .Data.Coverage}}{{if .Warning}}<p class="coverage-warning"><strong>{{if eq .Mode "transit"}}Timetable coverage{{else}}Network coverage{{end}}:</strong> {{.Warning}}.</p>{{end}}{{end}}
{{if .Data.Attribution}}<h2>Data sources</h2><ul>{{range .Data.Attribution}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{template "foot" .}}{{end}}

{{define "credits"}}{{template "head" .}}
<p>Die gezeigten und ausgelieferten Daten stammen von diesen Stellen; bitte nennen Sie sie, wo Sie die Daten zeigen oder weitergeben.</p>
<table><tr><th>Quelle und Lizenz</th><th>Geladene Ebenen</th><th>Sammlungen</th></tr>
{{range .Data.Credits}}<tr><td>{{.Text}}</td><td>{{range .Layers}}<code>{{.}}</code> {{end}}</td><td>{{range .Collections}}<a href="/collections/{{pathEsc .}}?f=html">{{.}}</a> {{end}}</td></tr>{{end}}
</table>
{{if .Data.Other}}<h2>Weitere Hinweise</h2><ul>{{range .Data.Other}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{template "foot" .}}{{end}}

{{define "conformance"}}{{template "head" .}}
<ul>{{range .Data.ConformsTo}}<li><code>{{.}}</code></li>{{end}}</ul>
{{template "foot" .}}{{end}}

{{define "collections"}}{{template "head" .}}
<table><tr><th>Collection</th><th>Description</th><th>Geometry</th><th></th></tr>
{{range .Data.Collections}}<tr><td><a href="/collections/{{pathEsc .ID}}?f=html">{{.Title}}</a><br><code>{{.ID}}</code></td>
<td>{{.Description}}{{if .Synthetic}} <span class="synthetic">SYNTHETIC</span>{{end}}</td><td>{{.GeometryType}}</td>
<td><a href="/collections/{{pathEsc .ID}}/items?f=html">features</a></td></tr>{{end}}</table>
{{template "foot" .}}{{end}}

{{define "collection"}}{{template "head" .}}
<p>{{.Data.Description}}</p>
<p class="links"><a href="/collections/{{pathEsc .Data.ID}}/items?f=html">Browse features</a>
<a href="/collections/{{pathEsc .Data.ID}}/items?f=json">GeoJSON</a>
<a href="/map/#{{pathEsc .Data.ID}}">Show on the map</a></p>
{{with .Data.Extent}}{{with .Spatial}}<p>Extent (CRS84): {{range .BBox}}{{index . 0}}, {{index . 1}} – {{index . 2}}, {{index . 3}}{{end}}</p>{{end}}{{end}}
{{if .Data.StorageCRS}}<p>Storage CRS: <code>{{.Data.StorageCRS}}</code></p>{{end}}
<h2>Properties</h2>
<table><tr><th>Name</th><th>Type</th><th>Description</th><th>Filter</th></tr>
{{range .Data.Properties}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Description}}</td><td>{{if .Filterable}}<code>?{{.Name}}=…</code>{{end}}</td></tr>{{end}}</table>
{{if .Data.Attribution}}<p class="muted">{{.Data.Attribution}}</p>{{end}}
{{template "foot" .}}{{end}}

{{define "items"}}{{template "head" .}}
<p>{{.Data.NumberReturned}} features{{if ge .Data.NumberMatched 0}} of {{.Data.NumberMatched}} matching{{end}}.
{{if .Data.Prev}}<a href="{{.Data.Prev}}" rel="prev">← Previous page</a>{{end}}
{{if .Data.Next}}<a href="{{.Data.Next}}" rel="next">Next page →</a>{{end}}</p>
{{template "featuretable" .Data}}
{{if or .Data.Prev .Data.Next}}<p>{{if .Data.Prev}}<a href="{{.Data.Prev}}" rel="prev">← Previous page</a> {{end}}{{if .Data.Next}}<a href="{{.Data.Next}}" rel="next">Next page →</a>{{end}}</p>{{end}}
{{template "foot" .}}{{end}}

{{define "item"}}{{template "head" .}}
{{template "featuretable" .Data}}
<p class="links">{{range .Data.Links}}<a href="{{.Href}}">{{.Title}}</a>{{end}}</p>
{{template "foot" .}}{{end}}

{{define "featuretable"}}{{$c := .Collection}}<table><tr><th>id</th><th>geometry</th>{{range $c.Properties}}<th>{{.Name}}</th>{{end}}</tr>
{{range .Features}}{{$f := .}}<tr><td><a href="/collections/{{pathEsc $c.ID}}/items/{{pathEsc .ID}}?f=html">{{.ID}}</a></td><td>{{geomType .}}</td>
{{range $c.Properties}}<td>{{value $f .Name}}</td>{{end}}</tr>{{end}}</table>{{end}}
`))

// htmlValue formats a property of f for a table cell.
func htmlValue(f layers.Feature, name string) string {
	v, ok := f.Get(name)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.6g", x)
	case []string, map[string]float64:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// renderHTML renders one page.
func (s *Server) renderHTML(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	var buf bytes.Buffer
	err := pageTemplates.ExecuteTemplate(&buf, name, struct {
		Title     string
		Synthetic bool
		Data      any
	}{title, s.deps.Info.Synthetic, data})
	if err != nil {
		s.reply.Fail(w, r, fmt.Errorf("httpapi: render %s: %w", name, err), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=30")
	h.Add("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
