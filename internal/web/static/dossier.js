// reach dossier: the committee's view of one proposal, built from the API
// of the same server and laid out for A4 paper. German by default; the
// labels follow the browser's language for English readers.
(function () {
  "use strict";

  var API = new URL("..", window.location.href).href.replace(/\/$/, "");
  // German unless the browser prefers English: the first of "de" and "en"
  // in navigator.languages (what it sends as Accept-Language) wins.
  var EN = (function () {
    var ls = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "de"];
    for (var i = 0; i < ls.length; i++) {
      if (/^de\b/i.test(ls[i])) return false;
      if (/^en\b/i.test(ls[i])) return true;
    }
    return false;
  })();
  var T = EN ? {
    title: "Dossier", application: "Application", applicant: "Applicant", municipalities: "Municipalities", kind: "Kind", category: "Category",
    cost: "Investment", funding: "Requested funding", submitted: "Submitted", effect: "Effect", map: "Site, travel-time bands and the cells it changes",
    newly: "residents newly within the standard", beneficiaries: "beneficiaries", byMun: "Effects per municipality",
    mun: "Municipality (* participating)", ben: "Beneficiaries", newCol: "Newly within standard", mean: "Mean minutes before → after",
    zo: "Zentrale Orte", verdict: "Verdict", score: "Score", criterion: "Criterion", value: "Value", normalised: "Normalised",
    weight: "Weight", contribution: "Contribution", total: "Total", completeness: "Completeness", complete: "complete",
    incomplete: "incomplete", provenance: "Provenance", unknown: "Effect unknown", overlaps: "Overlaps", none: "none",
    standard: "Standard", band: "Band", population: "Residents", cells: "Cells", synthetic: "SYNTHETIC DATA",
    notFound: "No project with this id", print: "Print (A4)", minutes: "min",
    newlyCells: "newly within the standard", faster: "faster by", orReached: "or newly reached", served: "served by the upgrade",
    changedCells: "cells changed", diffUnknown: "Cells changed: unknown"
  } : {
    title: "Dossier", application: "Antrag", applicant: "Antragsteller", municipalities: "Gemeinden", kind: "Art", category: "Kategorie",
    cost: "Investition", funding: "Beantragte Förderung", submitted: "Eingereicht", effect: "Wirkung", map: "Standort, Reisezeitbänder und die Zellen, die das Vorhaben verändert",
    newly: "Einwohner neu innerhalb des Standards", beneficiaries: "Nutznießer", byMun: "Wirkung je Gemeinde",
    mun: "Gemeinde (* beteiligt)", ben: "Nutznießer", newCol: "Neu im Standard", mean: "Ø Minuten vorher → nachher",
    zo: "Zentrale Orte", verdict: "Urteil", score: "Punkte", criterion: "Kriterium", value: "Wert", normalised: "normiert",
    weight: "Gewicht", contribution: "Beitrag", total: "Gesamt", completeness: "Vollständigkeit", complete: "vollständig",
    incomplete: "unvollständig", provenance: "Herkunft der Angaben", unknown: "Wirkung unbekannt", overlaps: "Überschneidungen", none: "keine",
    standard: "Standard", band: "Band", population: "Einwohner", cells: "Zellen", synthetic: "SYNTHETISCHE DATEN",
    notFound: "Kein Vorhaben mit dieser Kennung", print: "Drucken (A4)", minutes: "min",
    newlyCells: "neu innerhalb des Standards", faster: "schneller um", orReached: "oder neu erreichbar", served: "vom Ausbau bedient",
    changedCells: "veränderte Zellen", diffUnknown: "Veränderte Zellen: unbekannt"
  };
  var LOCALE = EN ? "en-GB" : "de-DE";
  var KIND = EN ? { new_facility: "new facility", road_upgrade: "road upgrade", area_service: "area service", facility_upgrade: "facility upgrade" }
    : { new_facility: "neue Einrichtung", road_upgrade: "Straßenausbau", area_service: "Flächenangebot", facility_upgrade: "Ausbau einer Einrichtung" };
  var VERDICT = EN ? { aligned: "aligned", partly_aligned: "partly aligned", in_conflict: "in conflict" }
    : { aligned: "im Einklang", partly_aligned: "teilweise im Einklang", in_conflict: "im Widerspruch" };
  var CATEGORY = EN ? {
    general_practice: "General practice", hospital: "Hospital", pharmacy: "Pharmacy", dentist: "Dentist",
    primary_school: "Primary school", secondary_school: "Secondary school (Oberschule)", gymnasium: "Gymnasium", kita: "Day care (Kita)",
    fire_station: "Fire station", sports: "Sports facility", senior_care: "Senior care", town_hall: "Town hall",
    community_centre: "Community centre", water_supply: "Water supply", sewage: "Sewage", other: "Other"
  } : {
    general_practice: "Hausarztpraxis", hospital: "Krankenhaus", pharmacy: "Apotheke", dentist: "Zahnarzt",
    primary_school: "Grundschule", secondary_school: "Oberschule", gymnasium: "Gymnasium", kita: "Kita",
    fire_station: "Feuerwehr", sports: "Sportstätte", senior_care: "Pflege", town_hall: "Rathaus",
    community_centre: "Bürgerhaus", water_supply: "Wasserversorgung", sewage: "Abwasser", other: "Sonstiges"
  };
  var CRITERION = EN ? {
    newly_within_standard: "Newly within the standard", beneficiaries: "Beneficiaries", municipalities_benefiting: "Municipalities benefiting",
    kreise_benefiting: "Kreise benefiting", regions_benefiting: "Planning regions benefiting", participating_municipalities: "Participating municipalities",
    need_share: "Share in need", innovation: "Innovation", transferability: "Transferability", cost_per_newly_covered: "Cost per resident newly covered",
    zentrale_orte_alignment: "Zentrale Orte alignment"
  } : {
    newly_within_standard: "Neu innerhalb des Standards", beneficiaries: "Nutznießer", municipalities_benefiting: "Begünstigte Gemeinden",
    need_share: "Anteil mit Bedarf", innovation: "Innovation", transferability: "Übertragbarkeit", cost_per_newly_covered: "Kosten je neu Versorgtem",
    thinly_populated: "Dünn besiedelt", structurally_weak: "Strukturschwach", zentrale_orte: "Zentrale Orte",
    kreise_benefiting: "Begünstigte Kreise", regions_benefiting: "Begünstigte Planungsregionen",
    participating_municipalities: "Beteiligte Gemeinden", zentrale_orte_alignment: "Einordnung Zentrale Orte"
  };
  var UNIT = EN ? { share: "", verdict: "", "EUR per resident": "€ per resident" } : { residents: "Einwohner", municipalities: "Gemeinden",
    Kreise: "Kreise", "planning regions": "Planungsregionen", share: "", verdict: "", "EUR per resident": "€ je Einwohner", "mark 0–10": "Note 0–10" };
  // The reasons of the Zentrale-Orte verdict in German, from their fields
  // (the server's text is English and is shown to English readers).
  var RULE = { category_level: "Stufe der Kategorie", site_level: "Stufe des Standorts", duplication: "Doppelung",
    higher_reach: "Erreichbarkeit höherer Zentren" };
  var FINDING = { fits: "passt", below: "unterhalb der nötigen Stufe", yes: "ja", no: "nein", unknown: "unbekannt",
    not_applicable: "nicht anwendbar", required: "erforderlich" };
  var FIELD = EN ? { investment_cost: "investment cost", requested_funding: "requested funding", effect: "effect" }
    : { investment_cost: "Investitionskosten", requested_funding: "Beantragte Förderung", effect: "Wirkung" };
  function reasonText(r) {
    if (typeof r === "string") return r;
    if (EN) return r.text || r.rule;
    var parts = [];
    if (r.level_required) parts.push("nötig: " + r.level_required);
    if (r.level_found) parts.push("am Standort: " + (r.level_found === "none" ? "kein Zentraler Ort" : r.level_found));
    if (r.site) parts.push("Standort " + r.site);
    return (RULE[r.rule] || r.rule) + ": " + (FINDING[r.finding] || r.finding || "–") + (parts.length ? " (" + parts.join(", ") + ")" : "");
  }
  var BAND_COLOURS = ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#fddbc7", "#f4a582"];
  // The cells the proposal changes, as on the map: newly within the
  // standard in magenta, the others by the minutes gained.
  var GAIN_BREAKS = [2, 5, 10];
  var GAIN_COLOURS = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  var NEWLY_COLOUR = "#d01c8b", SERVED_COLOUR = "#fdae61";

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c == null) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function fmtInt(n) { return n == null ? "–" : Math.round(n).toLocaleString(LOCALE); }
  function fmtNum(n, d) { return n == null ? "–" : Number(n).toLocaleString(LOCALE, { maximumFractionDigits: d == null ? 2 : d }); }
  // fmtMoney: "2,9 Mio. €" from a million up, else "850.000 €".
  function fmtMoney(n) {
    if (n == null) return "–";
    if (Math.abs(n) >= 1e6) {
      return (n / 1e6).toLocaleString(LOCALE, { maximumFractionDigits: 1 }) + (EN ? " m €" : " Mio. €");
    }
    return Math.round(n).toLocaleString(LOCALE) + " €";
  }
  function fmtMin(s) { return s == null ? "–" : fmtNum(s / 60, 1); }
  function th(t, cls) { return el("th", { text: t, class: cls || "" }); }
  function td(t, cls) { return el("td", { text: t == null ? "–" : String(t), class: cls || "" }); }
  function table(head, rows) { return el("table", {}, [el("tr", {}, head)].concat(rows)); }
  function section(id, title, children, long) {
    return el("section", { id: "sec-" + id, class: long ? "long" : "" }, [el("h2", { text: title })].concat(children));
  }

  function api(path) {
    return fetch(API + path, { headers: { "Accept": "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && (body.detail || body.title)) || r.statusText);
        return body;
      });
    });
  }

  function render(feat, a, diff) {
    var p = feat.properties || {};
    var out = $("dossier");
    out.textContent = "";
    document.title = T.title + ": " + (a.title || p.title || a.project_id) + " · reach";
    var head = [el("h1", { text: a.title || p.title || a.project_id })];
    if (p.synthetic || (a.provenance && a.provenance.synthetic)) head.push(el("span", { class: "synthetic", text: T.synthetic }));
    out.appendChild(el("header", { id: "sec-title" }, head));

    out.appendChild(section("applicant", T.application, [el("dl", {}, [
      el("dt", { text: T.applicant }), el("dd", { text: p.applicant || "–" }),
      el("dt", { text: T.municipalities }), el("dd", { text: (p.municipalities || []).join(", ") || "–" }),
      el("dt", { text: T.kind }), el("dd", { text: KIND[a.kind] || a.kind || "–" }),
      el("dt", { text: T.category }), el("dd", { text: CATEGORY[a.category] || a.category || "–" }),
      el("dt", { text: T.cost }), el("dd", { text: fmtMoney(p.investment_cost) }),
      el("dt", { text: T.funding }), el("dd", { text: fmtMoney(p.requested_funding) }),
      el("dt", { text: T.submitted }), el("dd", { text: p.submitted_at ? new Date(p.submitted_at).toLocaleDateString(LOCALE) : "–" })
    ])]));

    var mapDiv = el("div", { id: "dossier-map" });
    var bands = ((a.details || {}).catchment || []);
    var legend = el("div", { class: "legend muted" }, bands.map(function (b, i) {
      var sw = el("span");
      sw.style.background = BAND_COLOURS[i % BAND_COLOURS.length];
      return el("span", {}, [sw, fmtNum(b.from_minutes, 0) + "–" + fmtNum(b.to_minutes, 0) + " " + T.minutes + ": " + fmtInt(b.population) + " " + T.population]);
    }));
    var diffLegend = el("div", { class: "legend muted", id: "difference-legend" });
    if (!diff || diff.known === false) {
      diffLegend.appendChild(document.createTextNode(T.diffUnknown + (diff && diff.reason ? ": " + diff.reason : "")));
    } else {
      var items = [[NEWLY_COLOUR, T.newlyCells + " (" + fmtInt(diff.newly_within_standard) + " " + T.population + ")"]];
      var labels = ["< " + GAIN_BREAKS[0]].concat(GAIN_BREAKS.slice(0, -1).map(function (b, i) { return b + "–" + GAIN_BREAKS[i + 1]; }))
        .concat(["≥ " + GAIN_BREAKS[GAIN_BREAKS.length - 1]]);
      labels.forEach(function (l, i) { items.push([GAIN_COLOURS[i], T.faster + " " + l + " " + T.minutes + (i === labels.length - 1 ? " " + T.orReached : "")]); });
      if (diff.kind === "facility_upgrade") items.push([SERVED_COLOUR, T.served]);
      diffLegend.appendChild(document.createTextNode(fmtInt((diff.features || []).length) + " " + T.changedCells + ": "));
      items.forEach(function (it) {
        var sw = el("span");
        sw.style.background = it[0];
        diffLegend.appendChild(el("span", {}, [sw, it[1]]));
      });
    }
    out.appendChild(section("map", T.map, [mapDiv, legend, diffLegend]));

    var eff = a.effect || {};
    var effKids = [];
    if (eff.known === false) {
      effKids.push(el("p", { class: "error", text: T.unknown + ": " + (eff.reason || "") }));
    } else {
      effKids.push(el("p", {}, [el("strong", { text: fmtInt(a.newly_within_standard) }), " " + T.newly + ", ",
        el("strong", { text: fmtInt(eff.beneficiaries) }), " " + T.beneficiaries + "."]));
      effKids.push(el("p", { class: "muted", text: T.standard + ": " + fmtNum(eff.standard_minutes, 0) + " " + T.minutes +
        (eff.standard_source ? " (" + eff.standard_source + ")" : "") }));
    }
    if ((a.overlaps || []).length) {
      effKids.push(el("p", { text: T.overlaps + ": " + a.overlaps.map(function (o) { return o.title || o.project_id; }).join(", ") }));
    }
    out.appendChild(section("effect", T.effect, effKids));

    var rows = (a.by_municipality || []).map(function (m) {
      return el("tr", {}, [td((m.name || m.ags) + (m.participating ? " *" : "")), td(fmtInt(m.beneficiaries), "num"),
        td(fmtInt(m.newly_within_standard), "num"), td(fmtMin(m.mean_seconds_before) + " → " + fmtMin(m.mean_seconds_after), "num")]);
    });
    out.appendChild(section("municipalities", T.byMun, rows.length ? [table([th(T.mun), th(T.ben, "num"), th(T.newCol, "num"), th(T.mean, "num")], rows)]
      : [el("p", { class: "muted", text: T.none })], true));

    if (a.need) out.appendChild(needSection(a.need));

    var zo = a.zentrale_orte || {};
    out.appendChild(section("zentrale-orte", T.zo, [
      el("p", {}, [T.verdict + ": ", el("span", { class: "verdict " + (zo.verdict || ""), text: VERDICT[zo.verdict] || zo.verdict || "–" })]),
      el("ol", {}, (zo.reasons || []).map(function (r) { return el("li", { text: reasonText(r) }); }))
    ]));

    var sc = a.score || {};
    var crit = (sc.criteria || []).map(function (c) {
      return el("tr", {}, [td(CRITERION[c.name] || c.name), td(c.unit === "share" ? fmtNum(100 * c.value, 1) + " %" : fmtNum(c.value) + (c.unit && (UNIT[c.unit] !== undefined ? UNIT[c.unit] : c.unit) ? " " + (UNIT[c.unit] !== undefined ? UNIT[c.unit] : c.unit) : ""), "num"),
        td(fmtNum(c.normalised, 3), "num"), td(fmtNum(c.weight, 2), "num"), td(fmtNum(c.contribution, 2), "num")]);
    });
    crit.push(el("tr", {}, [el("th", { text: T.total }), td(""), td(""), td(fmtNum(sc.max_total, 0), "num"), el("th", { class: "num", text: fmtNum(sc.total, 2) })]));
    out.appendChild(section("score", T.score, [table([th(T.criterion), th(T.value, "num"), th(T.normalised, "num"), th(T.weight, "num"), th(T.contribution, "num")], crit)], true));

    var comp = a.completeness || {};
    out.appendChild(section("completeness", T.completeness, [el("p", { text: comp.complete === false ? T.incomplete : T.complete }),
      el("ul", {}, (comp.missing || []).map(function (m) {
        return el("li", { text: (FIELD[m.field] || m.field || "") + ": " + (EN || m.field === "effect" ? (m.reason || "") : "nicht angegeben") });
      }))]));

    var pv = a.provenance || {};
    var dv = pv.data_versions || {};
    out.appendChild(section("provenance", T.provenance, [el("dl", {}, [
      el("dt", { text: "Engine" }), el("dd", { text: pv.engine_version || "–" }),
      el("dt", { text: EN ? "Catalogue" : "Katalog" }), el("dd", { text: pv.catalogue || "–" }),
      el("dt", { text: EN ? "Method" : "Methode" }), el("dd", { text: pv.method || "–" }),
      el("dt", { text: EN ? "Computed" : "Berechnet" }), el("dd", { text: pv.computed_at ? new Date(pv.computed_at).toLocaleString(LOCALE) : "–" }),
      el("dt", { text: EN ? "Data" : "Daten" }), el("dd", { text: Object.keys(dv).sort().map(function (k) { return k + ": " + dv[k]; }).join("; ") || "–" })
    ])]));

    drawMap(mapDiv, feat, bands, diff);
  }

  // needSection shows the need side of the dossier: per scenario (today and
  // every projection) the travel times of the demand group before → after
  // (median, 90th percentile, Gini, Palma), the supply ratio before → after,
  // and for a fire station the share within the limit per municipality.
  function needSection(n) {
    var arrow = function (b, x, f) { return f(b) + " → " + f(x); };
    var gini = function (v) { return fmtNum(v, 3); };
    var rows = (n.scenarios || []).map(function (sc) {
      var b = (sc.fairness_before || {}).all || {}, x = (sc.fairness_after || {}).all || {};
      var bp = b.percentiles || {}, xp = x.percentiles || {};
      var sup = sc.supply ? arrow(sc.supply.units_per_1000_before, sc.supply.units_per_1000_after, function (v) { return fmtNum(v, 3); }) + " " + sc.supply.unit : "–";
      return el("tr", {}, [td(sc.scenario === "today" ? (EN ? "today" : "heute") : sc.scenario), td(fmtInt(sc.demand), "num"),
        td(arrow(bp.p50, xp.p50, function (v) { return fmtNum(v, 1); }), "num"), td(arrow(bp.p90, xp.p90, function (v) { return fmtNum(v, 1); }), "num"),
        td(arrow(b.gini, x.gini, gini), "num"), td(arrow(b.palma, x.palma, gini), "num"), td(sup, "num")]);
    });
    var kids = [el("p", { class: "muted", text: (EN ? "Demand group: ages " : "Bedarfsgruppe: Alter ") + n.demand_group + ", " + n.category + " (" + n.mode + ")" }),
      table([th(EN ? "Scenario" : "Szenario"), th(EN ? "Residents in need" : "Einwohner mit Bedarf", "num"), th(EN ? "Median min" : "Median Min.", "num"),
        th(EN ? "90 % min" : "90 % Min.", "num"), th("Gini", "num"), th("Palma", "num"), th(EN ? "Supply per 1,000" : "Angebot je 1.000", "num")], rows)];
    if (n.fire && n.fire.changes) {
      kids.push(table([th(EN ? "Municipality" : "Gemeinde"), th((EN ? "Share within " : "Anteil in ") + fmtNum(n.fire.limit_minutes, 0) + " min", "num"), th(EN ? "Residents gained" : "Einwohner dazu", "num")],
        n.fire.changes.map(function (c) { return el("tr", {}, [td(c.name || c.ags), td(fmtNum(100 * c.share_before, 1) + " % → " + fmtNum(100 * c.share_after, 1) + " %", "num"), td(fmtInt(c.residents_gained), "num")]); })));
    }
    (n.warnings || []).forEach(function (w) { kids.push(el("p", { class: "muted", text: w })); });
    return section("need", EN ? "Need, today and in the projection years" : "Bedarf heute und in den Projektionsjahren", kids, true);
  }

  function differenceColour() {
    var gain = ["step", ["/", ["to-number", ["get", "gain_seconds"], 0], 60], GAIN_COLOURS[0]];
    GAIN_BREAKS.forEach(function (b, i) { gain.push(b, GAIN_COLOURS[i + 1]); });
    return ["case", ["==", ["get", "newly_within_standard"], true], NEWLY_COLOUR,
      ["==", ["get", "newly_reached"], true], GAIN_COLOURS[GAIN_COLOURS.length - 1],
      ["all", ["==", ["get", "served"], true], ["<", ["to-number", ["get", "gain_seconds"], 0], 60]], SERVED_COLOUR, gain];
  }

  // drawMap shows the site and the catchment bands with no basemap (the
  // dossier makes no request elsewhere); the canvas keeps its drawing so
  // that it prints.
  function drawMap(div, feat, bands, diff) {
    var cells = diff && diff.features ? diff.features : [];
    var features = bands.map(function (b, i) {
      return { type: "Feature", geometry: b.geometry, properties: { colour: BAND_COLOURS[i % BAND_COLOURS.length], order: -i } };
    }).filter(function (f) { return f.geometry; }).reverse();
    var bounds = new maplibregl.LngLatBounds();
    function walk(c) { if (typeof c[0] === "number") bounds.extend(c); else c.forEach(walk); }
    features.forEach(function (f) { walk(f.geometry.coordinates); });
    cells.forEach(function (f) { if (f.geometry) walk(f.geometry.coordinates); });
    if (feat.geometry) walk(feat.geometry.coordinates);
    var map = new maplibregl.Map({
      container: div, canvasContextAttributes: { preserveDrawingBuffer: true }, interactive: false, attributionControl: false,
      style: { version: 8, sources: {
        bands: { type: "geojson", data: { type: "FeatureCollection", features: features } },
        cells: { type: "geojson", data: { type: "FeatureCollection", features: cells } },
        site: { type: "geojson", data: feat.geometry ? { type: "Feature", geometry: feat.geometry, properties: {} } : { type: "FeatureCollection", features: [] } }
      }, layers: [
        { id: "bg", type: "background", paint: { "background-color": "#f4f5f7" } },
        { id: "bands", type: "fill", source: "bands", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.55, "fill-outline-color": "#555" } },
        { id: "cells", type: "fill", source: "cells", paint: { "fill-color": differenceColour(), "fill-opacity": 0.85 } },
        { id: "cells-line", type: "line", source: "cells", paint: { "line-color": ["case", ["==", ["get", "newly_within_standard"], true], "#7a0177", "rgba(8,48,107,0.5)"], "line-width": 0.6 } },
        { id: "site-line", type: "line", source: "site", paint: { "line-color": "#000", "line-width": 2.5 } },
        { id: "site", type: "circle", source: "site", filter: ["any", ["==", ["geometry-type"], "Point"], ["==", ["geometry-type"], "MultiPoint"]],
          paint: { "circle-radius": 6, "circle-color": "#000", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } }
      ] }
    });
    window.reachDossierMap = map;
    if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 20, duration: 0 });
    map.on("idle", function () { $("dossier").setAttribute("data-ready", "true"); });
    map.on("error", function (e) { console.warn("dossier map:", e && e.error && e.error.message); $("dossier").setAttribute("data-ready", "true"); });
  }

  $("print").textContent = T.print;
  if (EN) {
    document.documentElement.lang = "en";
    document.querySelector("nav a").textContent = "← Map";
    $("status").textContent = "loading …";
  }
  $("print").addEventListener("click", function () { window.print(); });
  var id = new URLSearchParams(window.location.search).get("project");
  if (!id) {
    $("status").textContent = T.notFound;
    $("dossier").setAttribute("data-ready", "true");
    return;
  }
  // The difference is drawn when it can be had; the dossier stands without it.
  var diff = api("/projects/" + encodeURIComponent(id) + "/difference").catch(function (err) { return { known: false, reason: err.message }; });
  Promise.all([api("/projects/" + encodeURIComponent(id)), api("/projects/" + encodeURIComponent(id) + "/assessment"), diff])
    .then(function (r) { render(r[0], r[1], r[2]); })
    .catch(function (err) {
      $("dossier").textContent = "";
      $("dossier").appendChild(el("p", { class: "error", text: err.message }));
      $("dossier").setAttribute("data-ready", "true");
    });
})();
