// reach map: layers from the OGC API of the same server (vector tiles for
// drawing, GeoJSON for details), travel times coloured by minutes,
// isochrones on click, project dossiers and the ranking within a budget.
// The page is served under /map/; the API lives one level up.
(function () {
  "use strict";

  var API = new URL("..", window.location.href).href.replace(/\/$/, "");
  var TILE = "/tiles/WebMercatorQuad/{z}/{y}/{x}"; // OGC order: tileMatrix/tileRow/tileCol

  // Travel-time classes in minutes and their colours (green → red).
  var TT_BREAKS = [5, 10, 15, 20, 30, 45];
  var TT_COLOURS = ["#1a9850", "#66bd63", "#d9ef8b", "#fee08b", "#fdae61", "#f46d43", "#a50026"];
  var ISO_COLOURS = ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#fddbc7", "#f4a582", "#d6604d", "#b2182b"];

  // Style per known collection; others get a colour from the palette.
  var STYLE = {
    "municipalities": { colour: "#16324f", visible: true, order: 1 },
    "population-grid": { colour: "#7b3294", visible: false, order: 0, minzoom: 9 },
    "roads": { colour: "#8c6d31", visible: false, order: 2, minzoom: 10 },
    "central-places": { colour: "#d7191c", visible: true, order: 5 },
    "facilities": { colour: "#2b83ba", visible: true, order: 4 },
    "projects": { colour: "#e66101", visible: true, order: 6 },
    "travel-times": { colour: "#1a9850", visible: true, order: 0.5, minzoom: 8 },
    "gaps": { colour: "#b3261e", visible: false, order: 0.6, minzoom: 8 },
    "assessments": { colour: "#5e3c99", visible: false, order: 6.5 }
  };
  var PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"];

  var CATEGORY_DE = {
    general_practice: "Hausarztpraxis", hospital: "Krankenhaus", pharmacy: "Apotheke", dentist: "Zahnarztpraxis",
    primary_school: "Grundschule", secondary_school: "Oberschule", gymnasium: "Gymnasium", kita: "Kita",
    fire_station: "Feuerwehr", sports: "Sportstätte", senior_care: "Senioreneinrichtung", town_hall: "Rathaus",
    community_centre: "Gemeinschaftshaus", water_supply: "Trinkwasser", sewage: "Abwasser"
  };
  var MODE_DE = { car: "Auto", bicycle: "Fahrrad", foot: "zu Fuß" };

  var $ = function (id) { return document.getElementById(id); };
  var collections = [];
  var map;
  // Collections that need category and mode filters: their tiles are
  // requested with the selection of the travel-time controls.
  var FILTERED = { "travel-times": true, "gaps": true };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function fmtInt(n) { return n == null ? "–" : Math.round(n).toLocaleString("de-DE"); }
  function fmtNum(n, d) { return n == null ? "–" : Number(n).toLocaleString("de-DE", { maximumFractionDigits: d == null ? 2 : d }); }
  function fmtMio(n) { return n == null ? "–" : (n / 1e6).toLocaleString("de-DE", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " Mio. €"; }
  function fmtEUR(n) { return n == null ? "–" : Number(n).toLocaleString("de-DE", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }); }

  function toast(msg) {
    var t = $("toast");
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, 6000);
  }

  // problemText turns a problem+json document into one readable line.
  function problemText(p, status) {
    if (!p || typeof p !== "object") return "Fehler " + status;
    var s = (p.title || "Fehler") + (p.detail && p.detail !== "see invalid_params" ? ": " + p.detail : "");
    if (p.invalid_params && p.invalid_params.length) {
      s += " — " + p.invalid_params.map(function (ip) { return ip.name + ": " + ip.reason; }).join("; ");
    }
    return s;
  }

  function api(path, opts) {
    opts = opts || {};
    var headers = { "Accept": "application/json" };
    if (opts.body) headers["Content-Type"] = "application/json";
    return fetch(API + path, { method: opts.method || "GET", headers: headers, body: opts.body ? JSON.stringify(opts.body) : undefined })
      .then(function (r) {
        return r.text().then(function (t) {
          var v = null;
          try { v = t ? JSON.parse(t) : null; } catch (e) { v = null; }
          if (!r.ok) throw new Error(problemText(v, r.status));
          return v;
        });
      });
  }

  function geometryKind(c) {
    var g = (c.geometryType || "").toLowerCase();
    if (g.indexOf("point") >= 0) return "point";
    if (g.indexOf("line") >= 0) return "line";
    if (g.indexOf("polygon") >= 0) return "polygon";
    return "any";
  }

  function styleOf(c, i) {
    var s = STYLE[c.id] || {};
    return {
      colour: s.colour || PALETTE[i % PALETTE.length],
      visible: s.visible === undefined ? false : s.visible,
      order: s.order === undefined ? 3 : s.order,
      minzoom: s.minzoom || 0
    };
  }

  function ttColourExpr() {
    var e = ["step", ["/", ["to-number", ["get", "seconds"], 1e9], 60], TT_COLOURS[0]];
    TT_BREAKS.forEach(function (b, i) { e.push(b, TT_COLOURS[i + 1]); });
    return ["case", ["==", ["get", "reached"], false], "#555555", e];
  }

  function tileURL(id) {
    var u = API + "/collections/" + encodeURIComponent(id) + TILE;
    if (FILTERED[id]) {
      u += "?category=" + encodeURIComponent($("tt-category").value || "general_practice") + "&mode=" + encodeURIComponent($("tt-mode").value || "car");
    }
    return u;
  }

  function downloadURL(id, f) {
    var u = API + "/collections/" + encodeURIComponent(id) + "/items?f=" + f;
    if (FILTERED[id]) {
      u += "&category=" + encodeURIComponent($("tt-category").value || "general_practice") + "&mode=" + encodeURIComponent($("tt-mode").value || "car");
    }
    return u;
  }

  function layerIds(id) { return ["c-" + id + "-fill", "c-" + id + "-line", "c-" + id + "-circle"]; }

  function addCollection(c, i) {
    var st = styleOf(c, i);
    var src = "c-" + c.id;
    map.addSource(src, {
      type: "vector",
      tiles: [tileURL(c.id)],
      minzoom: st.minzoom, maxzoom: 16,
      attribution: c.attribution || ""
    });
    var vis = st.visible ? "visible" : "none";
    var kind = geometryKind(c);
    var colour = c.id === "travel-times" ? ttColourExpr() : st.colour;
    var base = { source: src, "source-layer": c.id, layout: { visibility: vis } };
    if (kind === "polygon" || kind === "any") {
      var fillOpacity = c.id === "municipalities" ? 0.06 : (c.id === "population-grid" ? 0.35 : 0.45);
      var fillColour = colour;
      if (c.id === "population-grid") {
        fillColour = ["interpolate", ["linear"], ["to-number", ["get", "population"], 0], 0, "#f2f0f7", 20, "#cbc9e2", 100, "#9e9ac8", 500, "#756bb1", 2000, "#54278f"];
      }
      map.addLayer(Object.assign({ id: "c-" + c.id + "-fill", type: "fill", filter: ["==", ["geometry-type"], "Polygon"],
        paint: { "fill-color": fillColour, "fill-opacity": fillOpacity } }, base));
      map.addLayer(Object.assign({ id: "c-" + c.id + "-line", type: "line",
        filter: ["in", ["geometry-type"], ["literal", ["Polygon", "LineString"]]],
        paint: { "line-color": c.id === "population-grid" ? "rgba(84,39,143,0.25)" : colour,
          "line-width": c.id === "municipalities" ? 1.2 : (kind === "polygon" ? 0.6 : 1.5) } }, base));
    }
    if (kind === "line") {
      map.addLayer(Object.assign({ id: "c-" + c.id + "-line", type: "line",
        paint: { "line-color": colour, "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.6, 15, 3] } }, base));
    }
    if (kind === "point" || kind === "any") {
      var radius = c.id === "central-places" ? ["+", 3, ["*", 2, ["to-number", ["get", "level_rank"], 1]]] : 4;
      map.addLayer(Object.assign({ id: "c-" + c.id + "-circle", type: "circle", filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-color": colour, "circle-radius": radius, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } }, base));
    }
    layerIds(c.id).forEach(function (lid) {
      if (!map.getLayer(lid)) return;
      map.on("click", lid, function (e) { onFeatureClick(c, e); });
      map.on("mouseenter", lid, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", lid, function () { map.getCanvas().style.cursor = ""; });
    });
    return st;
  }

  function setVisible(id, on) {
    layerIds(id).forEach(function (lid) {
      if (map.getLayer(lid)) map.setLayoutProperty(lid, "visibility", on ? "visible" : "none");
    });
  }

  function propsTable(props) {
    var rows = Object.keys(props).filter(function (k) { return props[k] !== null && props[k] !== ""; }).map(function (k) {
      var v = props[k];
      if (typeof v === "number") v = fmtNum(v, 3);
      return el("tr", {}, [el("th", { text: k }), el("td", { text: String(v) })]);
    });
    return el("table", {}, rows);
  }

  function onFeatureClick(c, e) {
    if ($("iso-click").checked) return; // the map click handles isochrones
    var f = e.features && e.features[0];
    if (!f) return;
    var id = f.properties.id;
    var box = el("div", {}, [el("strong", { text: c.title + (id ? " · " + id : "") })]);
    box.appendChild(propsTable(f.properties));
    if (c.id === "projects" && id) {
      var b = el("button", { type: "button", text: "Dossier anzeigen" });
      b.addEventListener("click", function () { showDossier(id); });
      box.appendChild(b);
    }
    if (id) {
      box.appendChild(el("div", {}, [el("a", { href: API + "/collections/" + encodeURIComponent(c.id) + "/items/" + encodeURIComponent(id) + "?f=html", target: "_blank", text: "Details" })]));
    }
    new maplibregl.Popup({ maxWidth: "360px" }).setLngLat(e.lngLat).setDOMContent(box).addTo(map);
    e.preventDefault();
  }

  function renderLayerList(entries) {
    var ul = $("layers");
    ul.textContent = "";
    entries.forEach(function (x) {
      var cb = el("input", { type: "checkbox" });
      cb.checked = x.st.visible;
      cb.addEventListener("change", function () { setVisible(x.c.id, cb.checked); });
      var sw = el("span", { class: "swatch" });
      sw.style.background = x.st.colour;
      var label = el("label", {}, [cb, " ", x.c.title]);
      var li = el("li", {}, [sw, label]);
      if (x.c.synthetic) li.appendChild(el("span", { class: "muted", text: "synth." }));
      // Downloads of what the layer shows (the travel-time layers with the
      // chosen category and mode).
      ["csv", "gpkg"].forEach(function (f) {
        var a = el("a", { class: "download", text: f.toUpperCase(), title: x.c.title + " als " + (f === "csv" ? "CSV (Tabellenkalkulation)" : "GeoPackage (GIS)") + " herunterladen" });
        a.setAttribute("download", "");
        a.addEventListener("click", function () { a.href = downloadURL(x.c.id, f); });
        a.href = downloadURL(x.c.id, f);
        li.appendChild(a);
      });
      li.id = "layer-" + x.c.id;
      ul.appendChild(li);
      x.checkbox = cb;
    });
  }

  // setupTravelTimes fills the category and mode selectors; they must exist
  // before the filtered collections are added.
  function setupTravelTimes() {
    var present = collections.filter(function (c) { return FILTERED[c.id]; });
    if (!present.length) return;
    $("tt-section").hidden = false;
    var catSel = $("tt-category"), modeSel = $("tt-mode");
    Object.keys(CATEGORY_DE).forEach(function (k) { catSel.appendChild(el("option", { value: k, text: CATEGORY_DE[k] })); });
    Object.keys(MODE_DE).forEach(function (k) { modeSel.appendChild(el("option", { value: k, text: MODE_DE[k] })); });
    function apply() {
      present.forEach(function (c) {
        var src = map.getSource("c-" + c.id);
        if (src) src.setTiles([tileURL(c.id)]);
      });
    }
    catSel.addEventListener("change", apply);
    modeSel.addEventListener("change", apply);
    // Start with the first category (in catalogue order) that has facilities
    // in the data, so that the travel-time layer shows something at once.
    (function pick(keys, i) {
      if (i >= keys.length) return;
      api("/collections/facilities/items?f=json&limit=1&category=" + encodeURIComponent(keys[i]))
        .then(function (d) {
          if (d && d.numberMatched > 0) {
            if (catSel.value !== keys[i]) { catSel.value = keys[i]; apply(); }
            return;
          }
          pick(keys, i + 1);
        })
        .catch(function () {});
    })(Object.keys(CATEGORY_DE), 0);
    var legend = $("tt-legend");
    var labels = ["< 5"].concat(TT_BREAKS.slice(0, -1).map(function (b, i) { return b + "–" + TT_BREAKS[i + 1]; })).concat(["≥ " + TT_BREAKS[TT_BREAKS.length - 1]]);
    labels.forEach(function (l, i) {
      var sw = el("i", { class: "swatch" });
      sw.style.background = TT_COLOURS[i];
      legend.appendChild(el("span", {}, [sw, l + " min"]));
    });
    var sw = el("i", { class: "swatch" });
    sw.style.background = "#555";
    legend.appendChild(el("span", {}, [sw, "nicht erreichbar"]));
  }

  // --- Isochrones ---

  function isoMinutes() {
    return $("iso-minutes").value.split(/[ ,;]+/).filter(Boolean).map(Number);
  }

  function runIsochrones(lngLat) {
    var body = { mode: $("iso-mode").value, origins: [[lngLat.lng, lngLat.lat]], minutes: isoMinutes() };
    $("iso-result").textContent = "berechne …";
    api("/analyses/isochrones", { method: "POST", body: body }).then(function (fc) {
      var src = map.getSource("isochrones");
      // Draw the widest band first so that the narrower ones stay visible.
      fc.features.sort(function (a, b) { return b.properties.minutes - a.properties.minutes; });
      fc.features.forEach(function (f, i) { f.properties.colour = ISO_COLOURS[Math.min(fc.features.length - 1 - i, ISO_COLOURS.length - 1)]; });
      src.setData(fc);
      map.getSource("iso-origin").setData({ type: "FeatureCollection", features: [{ type: "Feature", geometry: { type: "Point", coordinates: body.origins[0] }, properties: {} }] });
      var rows = fc.features.slice().reverse().map(function (f) {
        var sw = el("i", { class: "swatch" });
        sw.style.background = f.properties.colour;
        sw.style.display = "inline-block";
        return el("tr", {}, [el("td", {}, [sw, " " + fmtNum(f.properties.from_minutes) + "–" + fmtNum(f.properties.minutes) + " min"]),
          el("td", { class: "num", text: fmtInt(f.properties.population) }),
          el("td", { class: "num", text: fmtInt(f.properties.cumulative_population) }), el("td", { class: "num", text: fmtInt(f.properties.cells) })]);
      });
      var out = $("iso-result");
      out.textContent = "";
      out.appendChild(el("table", {}, [el("tr", {}, [el("th", { text: "Band" }), el("th", { text: "Einwohner im Ring" }), el("th", { text: "Einwohner kumuliert" }), el("th", { text: "Zellen im Ring" })])].concat(rows)));
      if (fc.method) out.appendChild(el("div", { class: "muted", text: "Methode: " + fc.method }));
      (fc.origins || []).forEach(function (o) {
        if (!o.snapped) out.appendChild(el("div", { class: "error", text: "Startpunkt nicht am Netz: " + (o.reason || "") }));
      });
    }).catch(function (err) {
      $("iso-result").textContent = "";
      $("iso-result").appendChild(el("div", { class: "error", text: err.message }));
    });
  }

  // --- Ranking and dossier ---

  function loadRanking() {
    var budget = $("budget").value;
    var out = $("ranking");
    out.textContent = "berechne …";
    api("/ranking?budget=" + encodeURIComponent(budget)).then(function (r) {
      out.textContent = "";
      var head = el("tr", {}, ["#", "Vorhaben (Klick: Dossier)", "Punkte", "Förderung"].map(function (h) { return el("th", { text: h }); }));
      var rows = (r.projects || []).map(function (p) {
        var b = el("button", { type: "button", class: "link", text: p.title || p.id, title: "Dossier von " + p.id });
        b.addEventListener("click", function () { showDossier(p.id); });
        var why = (p.not_eligible || []).map(function (m) { return m.field + ": " + m.reason; }).join("; ");
        return el("tr", { class: p.selected ? "selected" : "" }, [el("td", { class: "num", text: String(p.rank) }),
          el("td", {}, [b, p.selected ? el("span", { class: "muted", text: " ✓ ausgewählt" }) : null,
            p.eligible === false ? el("div", { class: "muted", text: "nicht auswählbar (unvollständig): " + why }) : null]),
          el("td", { class: "num", text: fmtNum(p.score, 1) }), el("td", { class: "num", text: fmtMio(p.requested_funding) })]);
      });
      out.appendChild(el("table", {}, [head].concat(rows)));
      out.appendChild(el("div", { class: "muted", text: "Auswahl: " + fmtEUR(r.selected_funding) + " von " + fmtEUR(r.budget) +
        ", gemeinsame Punkte " + fmtNum(r.selected_score, 3) + " (Summe der Einzelpunkte " + fmtNum(r.sum_of_scores, 3) + ")" +
        (r.optimal ? " · optimal" : " · beste gefundene Auswahl, Optimalitätslücke höchstens " + fmtNum(100 * r.optimality_gap, 2) + " %") }));
    }).catch(function (err) {
      out.textContent = "";
      out.appendChild(el("div", { class: "error", text: err.message }));
    });
  }

  function showDossier(id) {
    var sec = $("dossier-section"), out = $("dossier");
    sec.hidden = false;
    out.textContent = "lade …";
    sec.scrollIntoView({ behavior: "smooth" });
    Promise.all([api("/projects/" + encodeURIComponent(id)), api("/projects/" + encodeURIComponent(id) + "/assessment")]).then(function (res) {
      var feat = res[0], a = res[1];
      out.textContent = "";
      out.appendChild(el("h3", { text: a.title || feat.properties.title || id }));
      out.appendChild(el("a", { href: "dossier.html?project=" + encodeURIComponent(id), target: "_blank", text: "Dossier als Seite (Druck A4)" }));
      if (feat.properties.synthetic) out.appendChild(el("div", { class: "synthetic", text: "SYNTHETISCH" }));
      out.appendChild(el("p", {}, [
        (CATEGORY_DE[a.category] || a.category || "") + " · " + (a.kind || "") + " · beantragt " + fmtEUR(feat.properties.requested_funding)
      ]));
      var eff = a.effect || {};
      if (eff.known === false) {
        out.appendChild(el("p", { class: "error", text: "Wirkung unbekannt: " + (eff.reason || "") }));
      } else {
        out.appendChild(el("p", {}, [el("strong", { text: fmtInt(a.newly_within_standard) }), " Einwohner neu innerhalb des Standards, ",
          el("strong", { text: fmtInt(eff.beneficiaries) }), " Nutznießer"]));
      }
      var comp = a.completeness || {};
      if (comp.complete === false) {
        out.appendChild(el("p", {}, ["Unvollständig: "].concat((comp.missing || []).map(function (m) { return m.field + " (" + m.reason + ") "; }))));
      }
      (a.overlaps || []).forEach(function (o) {
        out.appendChild(el("div", { class: "muted", text: "Überschneidung mit " + (o.title || o.project_id) + ": " +
          (o.residents_gained_by_both == null ? "gemeinsame Nutznießer unbekannt" : fmtInt(o.residents_gained_by_both) + " gemeinsame Nutznießer") +
          (o.duplicate ? " · gleicher Standort, gleiche Kategorie (Doppelantrag?)" : o.same_site ? " · gleicher Standort" : "") }));
      });
      var zo = a.zentrale_orte || {};
      out.appendChild(el("p", {}, ["Zentrale Orte: ", el("span", { class: "verdict " + (zo.verdict || ""), text: zo.verdict || "–" })]));
      if (zo.reasons && zo.reasons.length) out.appendChild(el("ul", {}, zo.reasons.map(function (r) {
        return el("li", { text: (r.text || r) + (r.rule ? " [" + r.rule + ": " + r.finding + "]" : "") });
      })));
      if (a.score) {
        out.appendChild(el("p", {}, ["Punkte gesamt: ", el("strong", { text: fmtNum(a.score.total, 3) })]));
        var crit = (a.score.criteria || []).map(function (c) {
          return el("tr", {}, [el("td", { text: c.name }), el("td", { class: "num", text: fmtNum(c.value) + (c.unit ? " " + c.unit : "") }),
            el("td", { class: "num", text: fmtNum(c.normalised, 3) }), el("td", { class: "num", text: fmtNum(c.weight, 3) }),
            el("td", { class: "num", text: fmtNum(c.contribution, 3) })]);
        });
        if (crit.length) out.appendChild(el("table", {}, [el("tr", {}, ["Kriterium", "Wert", "normiert", "Gewicht", "Beitrag"].map(function (h) { return el("th", { text: h }); }))].concat(crit)));
      }
      var bm = (a.by_municipality || []).map(function (m) {
        return el("tr", {}, [el("td", { text: (m.name || m.ags) + (m.participating ? " *" : "") }), el("td", { class: "num", text: fmtInt(m.beneficiaries) }),
          el("td", { class: "num", text: fmtInt(m.newly_within_standard) }),
          el("td", { class: "num", text: fmtNum(m.mean_seconds_before / 60, 1) + " → " + fmtNum(m.mean_seconds_after / 60, 1) })]);
      });
      if (bm.length) {
        out.appendChild(el("table", {}, [el("tr", {}, ["Gemeinde (* beteiligt)", "Nutznießer", "neu im Standard", "Ø min"].map(function (h) { return el("th", { text: h }); }))].concat(bm)));
      }
      if (a.provenance) out.appendChild(el("div", { class: "muted", text: "Berechnet " + (a.provenance.computed_at || "") + " · Engine " + (a.provenance.engine_version || "") + (a.provenance.synthetic ? " · synthetische Daten" : "") }));
      if (feat.geometry) zoomTo(feat.geometry);
    }).catch(function (err) {
      out.textContent = "";
      out.appendChild(el("div", { class: "error", text: err.message }));
    });
  }

  function zoomTo(geom) {
    var b = new maplibregl.LngLatBounds();
    (function walk(c) {
      if (typeof c[0] === "number") b.extend(c);
      else c.forEach(walk);
    })(geom.coordinates || []);
    if (!b.isEmpty()) map.fitBounds(b, { padding: 80, maxZoom: 13 });
  }

  // --- Start ---

  // baseStyle is the style without data layers: a plain background, and a
  // raster basemap only when the server was started with --basemap (the
  // landing page names it); otherwise the map makes no request elsewhere.
  function baseStyle(basemap) {
    var style = { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#eef0f2" } }] };
    if (basemap && basemap.url) {
      style.sources.osm = { type: "raster", tiles: [basemap.url], tileSize: 256, maxzoom: 19, attribution: basemap.attribution || "" };
      style.layers.push({ id: "osm", type: "raster", source: "osm", paint: { "raster-opacity": 0.55, "raster-saturation": -0.6 } });
    }
    return style;
  }

  function start(landing, colls) {
    if (landing.synthetic) $("synthetic").hidden = false;
    $("dataset").textContent = landing.title || "";
    (landing.attribution || []).forEach(function (a) { $("attribution").appendChild(el("div", { text: a })); });
    collections = colls.collections || [];
    if (collections.some(function (c) { return c.synthetic; })) $("synthetic").hidden = false;

    var bounds = null;
    collections.forEach(function (c) {
      var bb = c.extent && c.extent.spatial && c.extent.spatial.bbox && c.extent.spatial.bbox[0];
      if (!bb || bb.length < 4) return;
      bounds = bounds ? [Math.min(bounds[0], bb[0]), Math.min(bounds[1], bb[1]), Math.max(bounds[2], bb[2]), Math.max(bounds[3], bb[3])] : bb.slice(0, 4);
    });
    $("basemap-row").hidden = !(landing.basemap && landing.basemap.url);
    map = new maplibregl.Map({
      container: "map", style: baseStyle(landing.basemap),
      bounds: bounds || [11.87, 50.17, 15.04, 51.68], fitBoundsOptions: { padding: 20 },
      attributionControl: { compact: false }
    });
    // Open where the travel times show: at least the zoom from which their
    // tiles are drawn, centred on the populated cells.
    var tt = collections.find(function (c) { return c.id === "travel-times"; });
    var ttMin = (STYLE["travel-times"] || {}).minzoom || 0;
    if (tt && map.getZoom() < ttMin) {
      var e = tt.extent && tt.extent.spatial && tt.extent.spatial.bbox && tt.extent.spatial.bbox[0];
      map.jumpTo({ center: e ? [(e[0] + e[2]) / 2, (e[1] + e[3]) / 2] : map.getCenter(), zoom: ttMin });
    }
    map.addControl(new maplibregl.NavigationControl(), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
    window.reachMap = map;

    setupTravelTimes();
    map.on("load", function () {
      var entries = collections.map(function (c, i) { return { c: c, i: i, st: styleOf(c, i) }; })
        .sort(function (a, b) { return a.st.order - b.st.order; });
      entries.forEach(function (x) { x.st = addCollection(x.c, x.i); });
      renderLayerList(entries.slice().reverse());

      map.addSource("isochrones", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
      map.addLayer({ id: "isochrones-fill", type: "fill", source: "isochrones", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.35 } });
      map.addLayer({ id: "isochrones-line", type: "line", source: "isochrones", paint: { "line-color": ["get", "colour"], "line-width": 1.5 } });
      map.addSource("iso-origin", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
      map.addLayer({ id: "iso-origin", type: "circle", source: "iso-origin", paint: { "circle-radius": 6, "circle-color": "#000", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });

      var focus = decodeURIComponent((window.location.hash || "").slice(1));
      if (focus) {
        var x = entries.find(function (e) { return e.c.id === focus; });
        if (x) { setVisible(focus, true); x.checkbox.checked = true; }
      }
      document.body.setAttribute("data-ready", "true");
    });

    map.on("click", function (e) {
      if ($("iso-click").checked) runIsochrones(e.lngLat);
    });
    map.on("error", function (e) {
      // Basemap tiles may be unreachable (offline); the data layers still work.
      if (e && e.sourceId === "osm") return;
      if (e && e.error && e.error.message) console.warn("map:", e.error.message);
    });
  }

  $("basemap").addEventListener("change", function () {
    if (map && map.getLayer("osm")) map.setLayoutProperty("osm", "visibility", $("basemap").checked ? "visible" : "none");
  });
  $("rank-btn").addEventListener("click", loadRanking);
  $("dossier-close").addEventListener("click", function () { $("dossier-section").hidden = true; });
  $("iso-click").addEventListener("change", function () {
    if (map) map.getCanvas().style.cursor = $("iso-click").checked ? "crosshair" : "";
  });

  // Network coverage note: where a mode's network covers under 95 % of the
  // residents, most of its times are straight-line estimates (/readyz).
  function showCoverage() {
    api("/readyz").then(function (r) {
      var notes = (r.network_coverage || []).filter(function (c) { return c.warning; }).map(function (c) {
        var share = (100 * c.share).toFixed(1).replace(".", ",");
        return (MODE_DE[c.mode] || c.mode) + ": Netz deckt " + share + " % der Einwohner ab";
      });
      if (!notes.length) return;
      $("coverage").textContent = "Netzabdeckung unter 95 % – " + notes.join("; ") + ". Übrige Zeiten sind Luftlinien-Schätzungen (Methode straight_line).";
      $("coverage").hidden = false;
    }).catch(function () { /* not ready yet or no engine: no note */ });
  }
  showCoverage();

  Promise.all([api("/"), api("/collections")]).then(function (r) { start(r[0], r[1]); }).catch(function (err) {
    $("layers").textContent = "";
    $("layers").appendChild(el("li", { class: "error", text: "API nicht erreichbar: " + err.message }));
  });
})();
