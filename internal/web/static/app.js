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
    "assessments": { colour: "#5e3c99", visible: false, order: 6.5 },
    "stops": { colour: "#0570b0", visible: false, order: 3.5, minzoom: 11 },
    "routes": { colour: "#7a0177", visible: false, order: 2.5 }
  };
  var PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"];

  // Language: German unless the browser prefers English (the first of "de"
  // and "en" in navigator.languages, which the browser sends as
  // Accept-Language, wins).
  var EN = (function () {
    var ls = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "de"];
    for (var i = 0; i < ls.length; i++) {
      if (/^de\b/i.test(ls[i])) return false;
      if (/^en\b/i.test(ls[i])) return true;
    }
    return false;
  })();
  var LOCALE = EN ? "en-GB" : "de-DE";
  // tr gives the German text, or the English one for English readers.
  function tr(de, en) { return EN ? en : de; }

  // Titles of the known collections (the server's titles are English).
  var TITLE = {
    "municipalities": ["Gemeinden", "Municipalities"], "population-grid": ["Bevölkerungsraster (Zensus)", "Population grid (Zensus)"],
    "central-places": ["Zentrale Orte", "Central places (Zentrale Orte)"], "facilities": ["Einrichtungen", "Facilities"],
    "roads": ["Straßennetz", "Road network"], "projects": ["Vorhaben", "Proposed projects"],
    "travel-times": ["Reisezeiten zur nächsten Einrichtung", "Travel times to the nearest facility"],
    "gaps": ["Versorgungslücken", "Gap register"], "assessments": ["Bewertungen der Vorhaben", "Project assessments"],
    "stops": ["Haltestellen (ÖPNV)", "Stops (public transport)"], "routes": ["Linien (ÖPNV)", "Routes (public transport)"]
  };
  function collTitle(c) { var t = TITLE[c.id]; return t ? tr(t[0], t[1]) : c.title; }

  var CATEGORY_T = EN ? {
    general_practice: "General practice", hospital: "Hospital", pharmacy: "Pharmacy", dentist: "Dentist",
    primary_school: "Primary school", secondary_school: "Secondary school (Oberschule)", gymnasium: "Gymnasium", kita: "Day care (Kita)",
    fire_station: "Fire station", sports: "Sports facility", senior_care: "Senior care", town_hall: "Town hall",
    community_centre: "Community centre", water_supply: "Drinking water", sewage: "Sewage"
  } : {
    general_practice: "Hausarztpraxis", hospital: "Krankenhaus", pharmacy: "Apotheke", dentist: "Zahnarztpraxis",
    primary_school: "Grundschule", secondary_school: "Oberschule", gymnasium: "Gymnasium", kita: "Kita",
    fire_station: "Feuerwehr", sports: "Sportstätte", senior_care: "Senioreneinrichtung", town_hall: "Rathaus",
    community_centre: "Gemeinschaftshaus", water_supply: "Trinkwasser", sewage: "Abwasser"
  };
  var MODE_T = EN ? { car: "Car", bicycle: "Bicycle", foot: "On foot" } : { car: "Auto", bicycle: "Fahrrad", foot: "zu Fuß" };

  var VERDICT_T = EN ? { aligned: "fits the central-places system", partly_aligned: "fits partly", in_conflict: "in conflict",
    not_applicable: "not applicable", unknown: "unknown" } : { aligned: "passt ins System der Zentralen Orte", partly_aligned: "passt teilweise", in_conflict: "im Widerspruch",
    not_applicable: "nicht anwendbar", unknown: "unbekannt" };
  var RULE_T = EN ? { category_level: "level of the category", site_level: "level of the site", duplication: "duplication",
    higher_reach: "reach of higher centres" } : { category_level: "Stufe der Kategorie", site_level: "Stufe des Standorts", duplication: "Doppelung",
    higher_reach: "Erreichbarkeit höherer Zentren" };
  var FINDING_T = EN ? { fits: "fits", below: "below the level needed", yes: "yes", no: "no", unknown: "unknown",
    not_applicable: "not applicable", required: "required" } : { fits: "passt", below: "unterhalb der nötigen Stufe", yes: "ja", no: "nein", unknown: "unbekannt",
    not_applicable: "nicht anwendbar", required: "erforderlich" };
  var CRITERION_T = EN ? { newly_within_standard: "Newly within the standard", beneficiaries: "Beneficiaries",
    municipalities_benefiting: "Municipalities benefiting", kreise_benefiting: "Kreise benefiting", regions_benefiting: "Planning regions benefiting",
    participating_municipalities: "Participating municipalities", need_share: "Share in need", cost_per_newly_covered: "Cost per resident newly covered",
    zentrale_orte_alignment: "Zentrale Orte alignment", innovation: "Innovation", transferability: "Transferability" } : { newly_within_standard: "Neu innerhalb des Standards", beneficiaries: "Nutznießer",
    municipalities_benefiting: "Begünstigte Gemeinden", kreise_benefiting: "Begünstigte Kreise", regions_benefiting: "Begünstigte Planungsregionen",
    participating_municipalities: "Beteiligte Gemeinden", need_share: "Anteil mit Bedarf", cost_per_newly_covered: "Kosten je neu versorgtem Einwohner",
    zentrale_orte_alignment: "Einordnung Zentrale Orte", innovation: "Innovation", transferability: "Übertragbarkeit" };
  var UNIT_T = EN ? { residents: "residents", municipalities: "municipalities", Kreise: "Kreise", "planning regions": "planning regions", share: "",
    "EUR per resident": "€ per resident", verdict: "", "mark 0–10": "mark 0–10" } : { residents: "Einwohner", municipalities: "Gemeinden", Kreise: "Kreise", "planning regions": "Planungsregionen", share: "",
    "EUR per resident": "€ je Einwohner", verdict: "", "mark 0–10": "Note 0–10" };
  var KIND_T = EN ? { new_facility: "new facility", road_upgrade: "road upgrade", area_service: "area service", facility_upgrade: "facility upgrade" }
    : { new_facility: "neue Einrichtung", road_upgrade: "Straßenausbau", area_service: "Flächenangebot", facility_upgrade: "Ausbau einer Einrichtung" };
  var METHOD_T = EN ? { network: "road network", straight_line: "straight line (estimated)", transit: "public transport (median over the departure window)",
      unreachable: "not reachable", no_stop: "no stop with departures within walking distance (the timetable may end here)" }
    : { network: "Straßennetz", straight_line: "Luftlinie (geschätzt)", transit: "ÖPNV (Median über das Abfahrtsfenster)",
      unreachable: "nicht erreichbar", no_stop: "keine Haltestelle mit Abfahrten in Gehweite (der Fahrplan endet hier womöglich)" };
  // Cells that no stop of the loaded timetable serves (method no_stop): not
  // "unreachable", as the feed may end there.
  var NO_STOP_COLOUR = "#c9c3b8";

  // The municipalities can be coloured by a central-place indicator (the
  // mean minutes of their residents to the nearest Mittelzentrum or
  // Oberzentrum, as the federal spatial monitoring maps them): classes of
  // MUNI_BREAKS minutes, grey where a municipality has no value.
  var MUNI_INDICATORS = [
    ["car_minutes_to_mittelzentrum", "Pkw-Minuten zum nächsten Mittelzentrum", "Car minutes to the nearest Mittelzentrum"],
    ["car_minutes_to_oberzentrum", "Pkw-Minuten zum nächsten Oberzentrum", "Car minutes to the nearest Oberzentrum"],
    ["bicycle_minutes_to_mittelzentrum", "Fahrrad-Minuten zum nächsten Mittelzentrum", "Bicycle minutes to the nearest Mittelzentrum"],
    ["bicycle_minutes_to_oberzentrum", "Fahrrad-Minuten zum nächsten Oberzentrum", "Bicycle minutes to the nearest Oberzentrum"],
    ["transit_minutes_to_mittelzentrum", "ÖPNV-Minuten zum nächsten Mittelzentrum", "Public transport minutes to the nearest Mittelzentrum"],
    ["transit_minutes_to_oberzentrum", "ÖPNV-Minuten zum nächsten Oberzentrum", "Public transport minutes to the nearest Oberzentrum"]
  ];
  var MUNI_BREAKS = [10, 20, 30, 45, 60];
  var MUNI_COLOURS = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];
  var MUNI_NO_VALUE = "#bdbdbd";

  // Popup labels: key → [label, format]. Keys not listed get a readable
  // label from their name (never the raw snake_case key).
  var LABELS = {
    id: [tr("Kennung", "Id")], name: [tr("Name", "Name")], title: [tr("Titel", "Title")], ags: [tr("Gemeindeschlüssel (AGS)", "Municipality key (AGS)")], inspire_id: [tr("Zelle (INSPIRE)", "Cell (INSPIRE)")],
    seconds: [tr("Fahrzeit", "Travel time"), function (v) { return fmtNum(v / 60, v < 600 ? 1 : 0) + " min"; }],
    distance_m: [tr("Entfernung", "Distance"), fmtDist], length_m: [tr("Länge", "Length"), fmtDist],
    population: [tr("Einwohner", "Residents"), fmtInt], capacity: [tr("Kapazität", "Capacity"), fmtInt],
    category: [tr("Kategorie", "Category"), function (v) { return CATEGORY_T[v] || v; }],
    mode: [tr("Verkehrsmittel", "Mode"), function (v) { return MODE_T[v] || v; }],
    reached: [tr("erreichbar", "reached"), yesNo], known: [tr("bekannt", "known"), yesNo], synthetic: [tr("synthetisch", "synthetic"), yesNo],
    facility_id: [tr("Nächste Einrichtung", "Nearest facility")], method: [tr("Methode", "Method"), function (v) { return METHOD_T[v] || v; }],
    requested_funding: [tr("Beantragte Förderung", "Requested funding"), function (v) { return fmtEUR(v); }],
    total_cost: [tr("Gesamtkosten", "Total cost"), function (v) { return fmtEUR(v); }],
    level: [tr("Stufe", "Level")], level_rank: [tr("Rang der Stufe", "Rank of the level"), fmtInt], kind: [tr("Art", "Kind")], applicant: [tr("Antragsteller", "Applicant")],
    newly_within_standard: [tr("Neu innerhalb des Standards", "Newly within the standard"), function (v) { return typeof v === "boolean" ? yesNo(v) : fmtInt(v) + tr(" Einwohner", " residents"); }],
    before_seconds: [tr("Fahrzeit vorher", "Travel time before"), fmtMinutes], after_seconds: [tr("Fahrzeit nachher", "Travel time after"), fmtMinutes], gain_seconds: [tr("Zeitgewinn", "Time gained"), fmtMinutes],
    newly_reached: [tr("Neu erreichbar", "Newly reached"), yesNo], served: [tr("Vom Ausbau bedient", "Served by the upgrade"), yesNo],
    beneficiaries: [tr("Nutznießer", "Beneficiaries"), function (v) { return fmtInt(v) + tr(" Einwohner", " residents"); }],
    verdict: [tr("Zentrale Orte", "Zentrale Orte"), function (v) { return VERDICT_T[v] || v; }],
    score: [tr("Punkte", "Score"), function (v) { return fmtNum(v, 3); }], standard_minutes: [tr("Standard", "Standard"), function (v) { return fmtNum(v) + " min"; }],
    source: [tr("Quelle", "Source")], highway: [tr("Straßenklasse", "Road class")], maxspeed: [tr("Höchstgeschwindigkeit", "Speed limit"), function (v) { return fmtNum(v) + " km/h"; }],
    speed_kmh: [tr("Geschwindigkeit", "Speed"), function (v) { return fmtNum(v) + " km/h"; }], area_m2: [tr("Fläche", "Area"), function (v) { return fmtNum(v / 1e6, 2) + " km²"; }],
    municipality: [tr("Gemeinde", "Municipality")], address: [tr("Adresse", "Address")], operator: [tr("Träger", "Operator")],
    stop_id: [tr("Haltestelle (GTFS)", "Stop (GTFS)")], departures: [tr("Abfahrten am Betriebstag", "Departures on the service day"), fmtInt],
    departures_peak_hour: [tr("Abfahrten in der Spitzenstunde", "Departures in the peak hour"), fmtInt],
    departures_per_hour: [tr("Abfahrten je Stunde (Stunde:Anzahl)", "Departures per hour (hour:count)")], service_day: [tr("Betriebstag", "Service day")],
    route_id: [tr("Linie (GTFS)", "Route (GTFS)")], short_name: [tr("Linie", "Line")], long_name: [tr("Linienname", "Line name")],
    route_type: [tr("Verkehrsart (GTFS)", "Route type (GTFS)")], agency_id: [tr("Verkehrsunternehmen", "Operator (agency)")],
    trips: [tr("Fahrten am Betriebstag", "Trips on the service day"), fmtInt],
    car_minutes_to_mittelzentrum: [tr("Pkw zum nächsten Mittelzentrum (Ø)", "Car to the nearest Mittelzentrum (mean)"), fmtMin],
    car_minutes_to_oberzentrum: [tr("Pkw zum nächsten Oberzentrum (Ø)", "Car to the nearest Oberzentrum (mean)"), fmtMin],
    bicycle_minutes_to_mittelzentrum: [tr("Fahrrad zum nächsten Mittelzentrum (Ø)", "Bicycle to the nearest Mittelzentrum (mean)"), fmtMin],
    bicycle_minutes_to_oberzentrum: [tr("Fahrrad zum nächsten Oberzentrum (Ø)", "Bicycle to the nearest Oberzentrum (mean)"), fmtMin],
    transit_minutes_to_mittelzentrum: [tr("ÖPNV zum nächsten Mittelzentrum (Ø)", "Public transport to the nearest Mittelzentrum (mean)"), fmtMin],
    transit_minutes_to_oberzentrum: [tr("ÖPNV zum nächsten Oberzentrum (Ø)", "Public transport to the nearest Oberzentrum (mean)"), fmtMin],
    transit_share_to_mittelzentrum_pct: [tr("Einwohner mit ÖPNV-Zeit zum Mittelzentrum", "Residents with a public transport time to a Mittelzentrum"), fmtPct],
    transit_share_to_oberzentrum_pct: [tr("Einwohner mit ÖPNV-Zeit zum Oberzentrum", "Residents with a public transport time to an Oberzentrum"), fmtPct]
  };
  function fmtMin(v) { return fmtNum(v, 1) + " min"; }
  function fmtPct(v) { return fmtNum(v, 1) + " %"; }

  // downloadTitle is the tooltip of a download link of what is shown.
  function downloadTitle(what, f) {
    var kind = f === "csv" ? tr("CSV (Tabellenkalkulation)", "CSV (spreadsheet)") : tr("GeoPackage (GIS)", "GeoPackage (GIS)");
    return tr(what + " als " + kind + " herunterladen", "Download " + what + " as " + kind);
  }
  function fmtMinutes(v) { return fmtNum(v / 60, Math.abs(v) < 600 ? 1 : 0) + " min"; }
  function yesNo(v) { return v === true || v === "true" ? tr("ja", "yes") : (v === false || v === "false" ? tr("nein", "no") : String(v)); }
  function fmtDist(v) { return v >= 1000 ? fmtNum(v / 1000, 1) + " km" : fmtInt(v) + " m"; }
  // humanise turns an unknown key into words ("foo_bar_m" → "Foo bar (m)").
  function humanise(k) {
    var unit = "";
    var m = /_(m|s|km|kmh|eur|pct)$/.exec(k);
    if (m) { unit = { m: "m", s: "s", km: "km", kmh: "km/h", eur: "€", pct: "%" }[m[1]]; k = k.slice(0, -m[0].length); }
    var w = k.replace(/[_-]+/g, " ").trim();
    return w.charAt(0).toUpperCase() + w.slice(1) + (unit ? " (" + unit + ")" : "");
  }
  // labelled returns [label, value text] for one property.
  function labelled(k, v) {
    var l = LABELS[k];
    if (l) {
      var n = typeof v === "string" && v !== "" && !isNaN(Number(v)) && l[1] && l[1] !== yesNo ? Number(v) : v;
      return [l[0], l[1] ? l[1](n) : (typeof v === "number" ? fmtNum(v, 3) : String(v))];
    }
    if (typeof v === "boolean") return [humanise(k), yesNo(v)];
    return [humanise(k), typeof v === "number" ? fmtNum(v, 3) : String(v)];
  }

  var $ = function (id) { return document.getElementById(id); };

  // The page's own text: elements with data-en hold their English text.
  if (EN) {
    document.documentElement.lang = "en";
    document.title = "reach · Access to public services";
    Array.prototype.forEach.call(document.querySelectorAll("[data-en]"), function (e) { e.textContent = e.getAttribute("data-en"); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-en-title]"), function (e) { e.title = e.getAttribute("data-en-title"); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-en-label]"), function (e) { e.setAttribute("aria-label", e.getAttribute("data-en-label")); });
  }

  // --- Shareable state in the URL hash ---
  // #l=<visible layers, comma separated>&cat=<category>&mode=<mode>&mc=<indicator colouring the municipalities>&v=<zoom>/<lat>/<lon>&p=<project id>
  // (a bare #<collection id> still switches that collection on).
  function parseHash() {
    var h = (window.location.hash || "").slice(1);
    if (!h) return {};
    if (h.indexOf("=") < 0) return { focus: decodeURIComponent(h) };
    var q = new URLSearchParams(h), st = {};
    if (q.has("l")) st.layers = q.get("l").split(",").filter(Boolean);
    if (q.get("cat")) st.cat = q.get("cat");
    if (q.get("mode")) st.mode = q.get("mode");
    if (q.get("mc")) st.muniColour = q.get("mc");
    if (q.get("p")) st.project = q.get("p");
    var v = (q.get("v") || "").split("/").map(Number);
    if (v.length === 3 && v.every(isFinite) && Math.abs(v[1]) <= 90 && Math.abs(v[2]) <= 180) st.view = { zoom: v[0], center: [v[2], v[1]] };
    return st;
  }
  var initial = parseHash();
  var restoring = true; // no saving until the initial state is applied
  var currentProject = null;

  function saveState() {
    if (!map || restoring) return;
    var q = new URLSearchParams();
    q.set("l", layerEntries.filter(function (x) { return x.checkbox && x.checkbox.checked; }).map(function (x) { return x.c.id; }).join(","));
    if ($("tt-category").value) q.set("cat", $("tt-category").value);
    if ($("tt-mode").value) q.set("mode", $("tt-mode").value);
    if ($("muni-colour").value) q.set("mc", $("muni-colour").value);
    var c = map.getCenter();
    q.set("v", map.getZoom().toFixed(2) + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5));
    if (currentProject) q.set("p", currentProject);
    var h = "#" + q.toString().replace(/%2C/g, ",").replace(/%2F/g, "/");
    if (h !== window.location.hash) history.replaceState(null, "", h);
  }
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

  function fmtInt(n) { return n == null ? "–" : Math.round(n).toLocaleString(LOCALE); }
  function fmtNum(n, d) { return n == null ? "–" : Number(n).toLocaleString(LOCALE, { maximumFractionDigits: d == null ? 2 : d }); }
  function fmtMio(n) { return n == null ? "–" : (n / 1e6).toLocaleString(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + tr(" Mio. €", " m €"); }
  function fmtEUR(n) { return n == null ? "–" : Number(n).toLocaleString(LOCALE, { style: "currency", currency: "EUR", maximumFractionDigits: 0 }); }

  function toast(msg) {
    var t = $("toast");
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, 6000);
  }

  // problemText turns a problem+json document into one readable line.
  function problemText(p, status) {
    if (!p || typeof p !== "object") return tr("Fehler ", "Error ") + status;
    var s = (p.title || tr("Fehler", "Error")) + (p.detail && p.detail !== "see invalid_params" ? ": " + p.detail : "");
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
    return ["case", ["==", ["get", "method"], "no_stop"], NO_STOP_COLOUR, ["==", ["get", "reached"], false], "#555555", e];
  }

  function tileURL(id) {
    var u = API + "/collections/" + encodeURIComponent(id) + TILE;
    if (FILTERED[id]) {
      u += "?category=" + encodeURIComponent($("tt-category").value || "general_practice") + "&mode=" + encodeURIComponent($("tt-mode").value || "car");
    }
    return u;
  }

  // viewBBox is "&bbox=…" of the map's view when downloads are to hold only
  // what is in it (the switch under the layers), else "".
  function viewBBox() {
    if (!map || !$("dl-view").checked) return "";
    var b = map.getBounds();
    return "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
  }

  // downloadURL is the download of what collection id shows: the chosen
  // category and mode for the travel-time layers, the view when asked.
  function downloadURL(id, f) {
    var u = API + "/collections/" + encodeURIComponent(id) + "/items?f=" + f;
    if (FILTERED[id]) {
      u += "&category=" + encodeURIComponent($("tt-category").value || "general_practice") + "&mode=" + encodeURIComponent($("tt-mode").value || "car");
    }
    return u + viewBBox();
  }

  function layerIds(id) { return ["c-" + id + "-fill", "c-" + id + "-line", "c-" + id + "-circle"]; }

  // sourceSpec is the vector-tile source of collection c with the tile URL of
  // the current selection.
  function sourceSpec(c, st) {
    return { type: "vector", tiles: [tileURL(c.id)], minzoom: st.minzoom, maxzoom: 16, attribution: c.attribution || "" };
  }

  function addCollection(c, i) {
    var st = styleOf(c, i);
    var src = "c-" + c.id;
    map.addSource(src, sourceSpec(c, st));
    var vis = st.visible ? "visible" : "none";
    var kind = geometryKind(c);
    var colour = c.id === "travel-times" ? ttColourExpr() : st.colour;
    if (c.id === "gaps") colour = ["case", ["==", ["get", "method"], "no_stop"], NO_STOP_COLOUR, st.colour];
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
      map.on("mouseenter", lid, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", lid, function () { map.getCanvas().style.cursor = ""; });
    });
    return st;
  }

  // retile gives the layers of a filtered collection the tiles of the current
  // category and mode by replacing their source with a new one, the layers kept
  // in place with their style and visibility. Setting the new URL on the
  // existing source (setTiles) is not enough: MapLibre takes the URL over only a
  // frame later, and a tile requested before then (the layer switched on
  // together with the mode, or the map moving) is later parsed again from its
  // old response instead of being fetched anew, so the layer kept drawing the
  // previous mode's data, gaps by car under the label of transit
  // (maplibre-gl-js #6251). A new source has never known the old URL.
  function retile(c) {
    var src = "c-" + c.id, all = map.getStyle().layers, mine = [], before;
    all.forEach(function (l, k) {
      if (l.source !== src) return;
      mine.push(l);
      before = all[k + 1] ? all[k + 1].id : undefined; // the layer above the last of them
    });
    mine.forEach(function (l) { map.removeLayer(l.id); });
    map.removeSource(src);
    map.addSource(src, sourceSpec(c, styleOf(c, collections.indexOf(c))));
    mine.forEach(function (l) { map.addLayer(l, before); });
  }

  function setVisible(id, on) {
    layerIds(id).forEach(function (lid) {
      if (map.getLayer(lid)) map.setLayoutProperty(lid, "visibility", on ? "visible" : "none");
    });
  }

  function propsTable(props) {
    var keys = Object.keys(props).filter(function (k) { return props[k] !== null && props[k] !== "" && typeof props[k] !== "object"; });
    // A cell with no facility reached has no meaningful time or distance.
    if (props.reached === false || props.reached === "false") keys = keys.filter(function (k) { return k !== "seconds" && k !== "distance_m"; });
    var rows = keys.map(function (k) {
      var lv = labelled(k, props[k]);
      return el("tr", {}, [el("th", { text: lv[0] }), el("td", { text: lv[1] })]);
    });
    return el("table", { class: "props" }, rows);
  }

  // onFeatureClick opens one popup for the features under the click: the
  // topmost of each collection (at most three), top first.
  function onFeatureClick(hits, lngLat) {
    var seen = {}, box = el("div", {});
    hits.forEach(function (f) {
      var cid = f.layer.id.replace(/^c-/, "").replace(/-(fill|line|circle)$/, "");
      var c = cid === "difference" ? DIFFERENCE_COLLECTION : collections.find(function (x) { return x.id === cid; });
      if (!c || seen[cid] || Object.keys(seen).length >= 3) return;
      seen[cid] = true;
      box.appendChild(featureBox(c, f));
    });
    if (!box.childNodes.length) return;
    new maplibregl.Popup({ maxWidth: "360px" }).setLngLat(lngLat).setDOMContent(box).addTo(map);
  }

  function featureBox(c, f) {
    var id = f.properties.id;
    var box = el("div", { class: "feature", "data-collection": c.id }, [el("strong", { text: collTitle(c) + (id ? " · " + id : "") })]);
    var props = Object.assign({}, f.properties);
    // The travel-time tiles carry the chosen category and mode only in the URL.
    if (FILTERED[c.id]) {
      if (props.category == null) props.category = $("tt-category").value;
      if (props.mode == null) props.mode = $("tt-mode").value;
    }
    box.appendChild(propsTable(props));
    if (c.id === "projects" && id) {
      var b = el("button", { type: "button", text: tr("Dossier anzeigen", "Show dossier") });
      b.addEventListener("click", function () { showDossier(id); });
      box.appendChild(b);
    }
    if (id && c !== DIFFERENCE_COLLECTION) {
      box.appendChild(el("div", {}, [el("a", { href: API + "/collections/" + encodeURIComponent(c.id) + "/items/" + encodeURIComponent(id) + "?f=html", target: "_blank", text: "Details" })]));
    }
    return box;
  }

  var POP_CLASSES = [[0, "#f2f0f7"], [20, "#cbc9e2"], [100, "#9e9ac8"], [500, "#756bb1"], [2000, "#54278f"]];
  var layerEntries = [];

  function legendSwatch(colour, kind) {
    var sw = el("i", { class: "swatch " + (kind || "") });
    sw.style.background = colour;
    return sw;
  }

  // renderLegend draws a legend for every visible layer (in drawing order,
  // top first) and for the isochrone bands when there are any.
  function renderLegend() {
    var box = $("legend");
    if (!box) return;
    box.textContent = "";
    layerEntries.forEach(function (x) {
      if (!x.checkbox || !x.checkbox.checked) return;
      var id = x.c.id, items = [];
      var kind = geometryKind(x.c);
      if (id === "travel-times") {
        var cat = CATEGORY_T[$("tt-category").value] || $("tt-category").value, mode = MODE_T[$("tt-mode").value] || $("tt-mode").value;
        var labels = ["< 5"].concat(TT_BREAKS.slice(0, -1).map(function (b, i) { return b + "–" + TT_BREAKS[i + 1]; })).concat(["≥ " + TT_BREAKS[TT_BREAKS.length - 1]]);
        labels.forEach(function (l, i) { items.push([TT_COLOURS[i], l + " min", "polygon"]); });
        items.push(["#555555", tr("nicht erreichbar", "not reached"), "polygon"]);
        if ($("tt-mode").value === "transit") items.push([NO_STOP_COLOUR, tr("keine Haltestelle in Gehweite (no_stop)", "no stop within walking distance (no_stop)"), "polygon"]);
        x.note = tr("Fahrzeit zur nächsten Einrichtung: ", "Travel time to the nearest facility: ") + cat + ", " + mode;
      } else if (id === "population-grid") {
        POP_CLASSES.forEach(function (c, i) {
          var next = POP_CLASSES[i + 1];
          items.push([c[1], next ? fmtInt(c[0]) + "–" + fmtInt(next[0]) + tr(" Einwohner", " residents") : "≥ " + fmtInt(c[0]) + tr(" Einwohner", " residents"), "polygon"]);
        });
      } else if (id === "gaps") {
        items.push([x.st.colour, tr("außerhalb des Standards (", "outside the standard (") + (CATEGORY_T[$("tt-category").value] || "") + ", " + (MODE_T[$("tt-mode").value] || "") + ")", "polygon"]);
        if ($("tt-mode").value === "transit") items.push([NO_STOP_COLOUR, tr("keine Haltestelle in Gehweite: nicht als Lücke gezählt (no_stop)", "no stop within walking distance: not counted as a gap (no_stop)"), "polygon"]);
      } else if (id === "municipalities" && $("muni-colour").value) {
        MUNI_COLOURS.forEach(function (col, i) {
          var lo = i ? MUNI_BREAKS[i - 1] : 0, hi = MUNI_BREAKS[i];
          items.push([col, hi == null ? "≥ " + lo + " min" : lo + "–" + hi + " min", "polygon"]);
        });
        items.push([MUNI_NO_VALUE, tr("kein Wert (ÖPNV: keine Fahrplanzeit)", "no value (public transport: no timetable time)"), "polygon"]);
        x.note = muniIndicatorLabel($("muni-colour").value);
      } else if (id === "central-places") {
        items.push([x.st.colour, tr("Zentraler Ort (größerer Kreis: höhere Stufe)", "Central place (larger circle: higher level)"), "point"]);
      } else {
        items.push([x.st.colour, collTitle(x.c), kind]);
      }
      var block = el("div", { class: "legend-block", "data-layer": id }, [el("div", { class: "legend-title", text: collTitle(x.c) + (x.st.minzoom ? tr(" (ab Zoomstufe ", " (from zoom ") + x.st.minzoom + ")" : "") })]);
      if ((id === "travel-times" || id === "municipalities") && x.note && items.length > 1) block.appendChild(el("div", { class: "muted", text: x.note }));
      var row = el("div", { class: "legend" });
      items.forEach(function (it) { row.appendChild(el("span", {}, [legendSwatch(it[0], it[2]), it[1]])); });
      block.appendChild(row);
      box.appendChild(block);
    });
    if (difference.data) box.insertBefore(differenceLegend(), box.firstChild);
    var iso = map && map.getSource("isochrones") && map.getSource("isochrones")._data;
    var feats = iso && iso.features ? iso.features : [];
    if (feats.length) {
      var r = el("div", { class: "legend" });
      feats.slice().reverse().forEach(function (f) { r.appendChild(el("span", {}, [legendSwatch(f.properties.colour, "polygon"), fmtNum(f.properties.from_minutes) + "–" + fmtNum(f.properties.minutes) + " min"])); });
      box.appendChild(el("div", { class: "legend-block", "data-layer": "isochrones" }, [el("div", { class: "legend-title", text: tr("Isochronen (", "Isochrones (") + (MODE_T[$("iso-mode").value] || "") + ")" }), r]));
    }
    if (!box.childNodes.length) box.appendChild(el("div", { class: "muted", text: tr("Keine Ebene eingeschaltet.", "No layer switched on.") }));
  }

  function muniIndicatorLabel(key) {
    var m = MUNI_INDICATORS.find(function (x) { return x[0] === key; });
    return m ? tr(m[1], m[2]) + tr(" (Ø der Einwohner)", " (mean over the residents)") : key;
  }

  // muniFill is the fill colour of the municipalities: classes of the chosen
  // indicator, else the layer's own colour.
  function muniFill(key, own) {
    if (!key) return own;
    var step = ["step", ["get", key], MUNI_COLOURS[0]];
    MUNI_BREAKS.forEach(function (b, i) { step.push(b, MUNI_COLOURS[i + 1]); });
    return ["case", ["==", ["typeof", ["get", key]], "number"], step, MUNI_NO_VALUE];
  }

  // setupMuniColour fills the indicator choice and colours the municipalities
  // by it (switching their layer on).
  function setupMuniColour(entries) {
    var sel = $("muni-colour"), x = entries.find(function (e) { return e.c.id === "municipalities"; });
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: tr("– (nur Grenzen)", "– (outlines only)") }));
    MUNI_INDICATORS.forEach(function (m) { sel.appendChild(el("option", { value: m[0], text: tr(m[1], m[2]) })); });
    sel.disabled = !x;
    if (!x) return;
    function apply() {
      var key = sel.value;
      map.setPaintProperty("c-municipalities-fill", "fill-color", muniFill(key, x.st.colour));
      map.setPaintProperty("c-municipalities-fill", "fill-opacity", key ? 0.65 : 0.06);
      if (key && x.checkbox && !x.checkbox.checked) { x.checkbox.checked = true; setVisible("municipalities", true); }
    }
    sel.addEventListener("change", function () { apply(); renderLegend(); saveState(); });
    if (initial.muniColour && MUNI_INDICATORS.some(function (m) { return m[0] === initial.muniColour; })) {
      sel.value = initial.muniColour;
    }
    return apply;
  }

  function renderLayerList(entries) {
    var ul = $("layers");
    ul.textContent = "";
    entries.forEach(function (x) {
      var cb = el("input", { type: "checkbox" });
      cb.checked = x.st.visible;
      cb.addEventListener("change", function () { setVisible(x.c.id, cb.checked); renderLegend(); saveState(); });
      var sw = el("span", { class: "swatch" });
      sw.style.background = x.st.colour;
      var label = el("label", {}, [cb, " ", collTitle(x.c)]);
      var li = el("li", {}, [sw, label]);
      if (x.c.synthetic) li.appendChild(el("span", { class: "muted", text: tr("synth.", "synth.") }));
      // Downloads of what the layer shows (the travel-time layers with the
      // chosen category and mode).
      ["csv", "gpkg"].forEach(function (f) {
        var a = el("a", { class: "download", text: f.toUpperCase(), title: downloadTitle(collTitle(x.c), f) });
        a.setAttribute("download", "");
        a.addEventListener("click", function () { a.href = downloadURL(x.c.id, f); });
        a.href = downloadURL(x.c.id, f);
        li.appendChild(a);
      });
      li.id = "layer-" + x.c.id;
      ul.appendChild(li);
      x.checkbox = cb;
    });
    layerEntries = entries;
  }

  // setupTravelTimes fills the category and mode selectors; they must exist
  // before the filtered collections are added.
  function setupTravelTimes() {
    var present = collections.filter(function (c) { return FILTERED[c.id]; });
    if (!present.length) return;
    $("tt-section").hidden = false;
    var catSel = $("tt-category"), modeSel = $("tt-mode");
    Object.keys(CATEGORY_T).forEach(function (k) { catSel.appendChild(el("option", { value: k, text: CATEGORY_T[k] })); });
    Object.keys(MODE_T).forEach(function (k) { modeSel.appendChild(el("option", { value: k, text: MODE_T[k] })); });
    function apply() {
      present.forEach(function (c) { if (map && map.getSource("c-" + c.id)) retile(c); });
    }
    function changed() { apply(); renderLegend(); saveState(); }
    catSel.addEventListener("change", changed);
    modeSel.addEventListener("change", changed);
    if (initial.cat && CATEGORY_T[initial.cat]) catSel.value = initial.cat;
    if (initial.mode && MODE_T[initial.mode]) modeSel.value = initial.mode;
    if (initial.cat && CATEGORY_T[initial.cat]) return; // the URL chose the category
    // Start with the first category (in catalogue order) that has facilities
    // in the data, so that the travel-time layer shows something at once.
    (function pick(keys, i) {
      if (i >= keys.length) return;
      api("/collections/facilities/items?f=json&limit=1&category=" + encodeURIComponent(keys[i]))
        .then(function (d) {
          if (d && d.numberMatched > 0) {
            if (catSel.value !== keys[i]) { catSel.value = keys[i]; apply(); renderLegend(); saveState(); }
            return;
          }
          pick(keys, i + 1);
        })
        .catch(function () {});
    })(Object.keys(CATEGORY_T), 0);
  }

  // setupTransit offers public transport as a mode where the server has a timetable (it then
  // serves the stops collection): in the travel-time and isochrone selectors, with the
  // departure (07:00 on the timetable's service day) and window of isochrones.
  function setupTransit() {
    if (!collections.some(function (c) { return c.id === "stops"; })) return;
    MODE_T.transit = tr("ÖPNV", "Public transport");
    $("iso-mode").appendChild(el("option", { value: "transit", text: MODE_T.transit }));
    function shown() { $("iso-transit").hidden = $("iso-mode").value !== "transit"; }
    $("iso-mode").addEventListener("change", shown);
    shown();
    api("/collections/stops/items?f=json&limit=1").then(function (d) {
      var day = d && d.features && d.features[0] && d.features[0].properties.service_day;
      if (day && !$("iso-departure").value) $("iso-departure").value = day + "T07:00";
    }).catch(function () {});
  }

  // --- Isochrones ---

  function isoMinutes() {
    return $("iso-minutes").value.split(/[ ,;]+/).filter(Boolean).map(Number);
  }

  function runIsochrones(lngLat) {
    var body = { mode: $("iso-mode").value, origins: [[lngLat.lng, lngLat.lat]], minutes: isoMinutes() };
    if (body.mode === "transit") {
      body.departure = $("iso-departure").value;
      body.window_minutes = Number($("iso-window").value) || 60;
    }
    $("iso-result").textContent = tr("berechne …", "computing …");
    api("/analyses/isochrones", { method: "POST", body: body }).then(function (fc) {
      var src = map.getSource("isochrones");
      var origins = fc.origins || [];
      var cells = (fc.features || []).reduce(function (n, f) { return n + (f.properties.cells || 0); }, 0);
      if ((origins.length && origins.every(function (o) { return !o.snapped; })) || !(fc.features || []).length || cells === 0) {
        // Off the network (or nothing reached): say so instead of an empty table.
        src.setData({ type: "FeatureCollection", features: [] });
        renderLegend();
        map.getSource("iso-origin").setData({ type: "FeatureCollection", features: [{ type: "Feature", geometry: { type: "Point", coordinates: body.origins[0] }, properties: {} }] });
        var why = origins.filter(function (o) { return !o.snapped && o.reason; }).map(function (o) { return o.reason; }).join("; ");
        var msg = $("iso-result");
        msg.textContent = "";
        msg.appendChild(el("div", { class: "error off-network", text: tr("Dieser Punkt liegt abseits des Verkehrsnetzes für ", "This point lies off the network for ") + (MODE_T[body.mode] || body.mode) +
          tr(" – von hier ist innerhalb von ", " – from here no settled cell is reached within ") + body.minutes.join(", ") + tr(" min keine besiedelte Zelle erreichbar", " min") + (why ? " (" + why + ")" : "") +
          tr(". Bitte näher an einer Straße oder einem Weg klicken.", ". Please click closer to a road or path.") }));
        return;
      }
      // Draw the widest band first so that the narrower ones stay visible.
      fc.features.sort(function (a, b) { return b.properties.minutes - a.properties.minutes; });
      fc.features.forEach(function (f, i) { f.properties.colour = ISO_COLOURS[Math.min(fc.features.length - 1 - i, ISO_COLOURS.length - 1)]; });
      src.setData(fc);
      renderLegend();
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
      out.appendChild(el("table", {}, [el("tr", {}, [el("th", { text: tr("Band", "Band") }), el("th", { text: tr("Einwohner im Ring", "Residents in the ring") }), el("th", { text: tr("Einwohner kumuliert", "Residents, cumulative") }), el("th", { text: tr("Zellen im Ring", "Cells in the ring") })])].concat(rows)));
      if (fc.method) out.appendChild(el("div", { class: "muted", text: tr("Methode: ", "Method: ") + (EN ? fc.method : fc.method.replace(/(\d) m raster/, "$1-m-Raster")) }));
      (fc.origins || []).forEach(function (o) {
        if (!o.snapped) out.appendChild(el("div", { class: "error", text: tr("Startpunkt nicht am Netz: ", "Origin not on the network: ") + (o.reason || "") }));
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
    out.textContent = tr("berechne …", "computing …");
    api("/ranking?budget=" + encodeURIComponent(budget)).then(function (r) {
      out.textContent = "";
      var head = el("tr", {}, ["#", tr("Vorhaben (Klick: Dossier)", "Proposal (click: dossier)"), tr("Punkte", "Score"), tr("Förderung", "Funding")].map(function (h) { return el("th", { text: h }); }));
      var rows = (r.projects || []).map(function (p) {
        var b = el("button", { type: "button", class: "link", text: p.title || p.id, title: tr("Dossier von ", "Dossier of ") + p.id });
        b.addEventListener("click", function () { showDossier(p.id); });
        var why = (p.not_eligible || []).map(function (m) { return labelled(m.field, "")[0] + ": " + m.reason; }).join("; ");
        return el("tr", { class: p.selected ? "selected" : "" }, [el("td", { class: "num", text: String(p.rank) }),
          el("td", {}, [b, p.selected ? el("span", { class: "muted", text: tr(" ✓ ausgewählt", " ✓ selected") }) : null,
            p.eligible === false ? el("div", { class: "muted", text: tr("nicht auswählbar (unvollständig): ", "not eligible (incomplete): ") + why }) : null]),
          el("td", { class: "num", text: fmtNum(p.score, 1) }), el("td", { class: "num", text: fmtMio(p.requested_funding) })]);
      });
      if (!rows.length) {
        out.appendChild(el("div", { class: "hint empty-ranking", text: tr("Keine Vorhaben zu bewerten: In den geladenen Daten gibt es keine Vorhaben (Ebene „Vorhaben“). " +
          "Vorhaben werden über die API eingereicht (POST /projects, siehe README); die Demoregion bringt Beispielvorhaben mit.",
          "No proposals to rank: the loaded data hold none (layer “Proposed projects”). Proposals are submitted through the API " +
          "(POST /projects, see README); the demo region brings sample proposals.") }));
        return;
      }
      out.appendChild(el("table", {}, [head].concat(rows)));
      out.appendChild(el("div", { class: "muted", text: tr("Auswahl: ", "Selection: ") + fmtEUR(r.selected_funding) + tr(" von ", " of ") + fmtEUR(r.budget) +
        tr(", gemeinsame Punkte ", ", joint score ") + fmtNum(r.selected_score, 3) + tr(" (Summe der Einzelpunkte ", " (sum of the single scores ") + fmtNum(r.sum_of_scores, 3) + ")" +
        (r.optimal ? " · optimal" : tr(" · beste gefundene Auswahl, Optimalitätslücke höchstens ", " · best selection found, optimality gap at most ") + fmtNum(100 * r.optimality_gap, 2) + " %") }));
    }).catch(function (err) {
      out.textContent = "";
      out.appendChild(el("div", { class: "error", text: err.message }));
    });
  }

  function showDossier(id, keepView) {
    var sec = $("dossier-section"), out = $("dossier");
    currentProject = id;
    saveState();
    sec.hidden = false;
    out.textContent = tr("lade …", "loading …");
    sec.scrollIntoView({ behavior: "smooth" });
    Promise.all([api("/projects/" + encodeURIComponent(id)), api("/projects/" + encodeURIComponent(id) + "/assessment")]).then(function (res) {
      var feat = res[0], a = res[1];
      out.textContent = "";
      out.appendChild(el("h3", { text: a.title || feat.properties.title || id }));
      out.appendChild(el("a", { href: "dossier.html?project=" + encodeURIComponent(id), target: "_blank", text: tr("Dossier als Seite (Druck A4)", "Dossier as a page (A4 print)") }));
      if (feat.properties.synthetic) out.appendChild(el("div", { class: "synthetic", text: tr("SYNTHETISCH", "SYNTHETIC") }));
      out.appendChild(el("p", {}, [
        (CATEGORY_T[a.category] || a.category || "") + " · " + (KIND_T[a.kind] || a.kind || "") + tr(" · beantragt ", " · requested ") + fmtEUR(feat.properties.requested_funding)
      ]));
      var eff = a.effect || {};
      if (eff.known === false) {
        out.appendChild(el("p", { class: "error", text: tr("Wirkung unbekannt: ", "Effect unknown: ") + (eff.reason || "") }));
      } else {
        out.appendChild(el("p", {}, [el("strong", { text: fmtInt(a.newly_within_standard) }), tr(" Einwohner neu innerhalb des Standards, ", " residents newly within the standard, "),
          el("strong", { text: fmtInt(eff.beneficiaries) }), tr(" Nutznießer", " beneficiaries")]));
      }
      var comp = a.completeness || {};
      if (comp.complete === false) {
        out.appendChild(el("p", {}, [tr("Unvollständig: ", "Incomplete: ")].concat((comp.missing || []).map(function (m) { return typeof m === "string" ? humanise(m) + " " : labelled(m.field, "")[0] + " (" + m.reason + ") "; }))));
      }
      (a.overlaps || []).forEach(function (o) {
        out.appendChild(el("div", { class: "muted", text: tr("Überschneidung mit ", "Overlap with ") + (o.title || o.project_id) + ": " +
          (o.residents_gained_by_both == null ? tr("gemeinsame Nutznießer unbekannt", "shared beneficiaries unknown") : fmtInt(o.residents_gained_by_both) + tr(" gemeinsame Nutznießer", " shared beneficiaries")) +
          (o.duplicate ? tr(" · gleicher Standort, gleiche Kategorie (Doppelantrag?)", " · same site, same category (duplicate?)") : o.same_site ? tr(" · gleicher Standort", " · same site") : "") }));
      });
      var zo = a.zentrale_orte || {};
      out.appendChild(el("p", {}, [tr("Zentrale Orte: ", "Zentrale Orte: "), el("span", { class: "verdict " + (zo.verdict || ""), text: VERDICT_T[zo.verdict] || zo.verdict || "–" })]));
      if (zo.reasons && zo.reasons.length) out.appendChild(el("ul", {}, zo.reasons.map(function (r) {
        if (typeof r === "string") return el("li", { text: r });
        return el("li", { text: (RULE_T[r.rule] || humanise(r.rule || "")) + ": " + (FINDING_T[r.finding] || r.finding || "") +
          (r.level_found ? tr(" (Stufe am Standort: ", " (level at the site: ") + (r.level_found === "none" ? tr("kein Zentraler Ort", "no central place") : r.level_found) + ")" : "") +
          (r.site ? tr(" · Standort ", " · site ") + r.site : "") + (EN && r.text ? " – " + r.text : "") });
      })));
      if (a.score) {
        out.appendChild(el("p", {}, [tr("Punkte gesamt: ", "Total score: "), el("strong", { text: fmtNum(a.score.total, 3) })]));
        var crit = (a.score.criteria || []).map(function (c) {
          var unit = UNIT_T[c.unit] !== undefined ? UNIT_T[c.unit] : c.unit;
          var val = c.name === "zentrale_orte_alignment" ? (VERDICT_T[a.zentrale_orte && a.zentrale_orte.verdict] || fmtNum(c.value)) :
            (c.unit === "share" ? fmtNum(100 * c.value, 1) + " %" : fmtNum(c.value) + (unit ? " " + unit : ""));
          return el("tr", {}, [el("td", { text: CRITERION_T[c.name] || humanise(c.name) }), el("td", { class: "num", text: val }),
            el("td", { class: "num", text: fmtNum(c.normalised, 3) }), el("td", { class: "num", text: fmtNum(c.weight, 3) }),
            el("td", { class: "num", text: fmtNum(c.contribution, 3) })]);
        });
        if (crit.length) out.appendChild(el("table", {}, [el("tr", {}, [tr("Kriterium", "Criterion"), tr("Wert", "Value"), tr("normiert", "normalised"), tr("Gewicht", "Weight"), tr("Beitrag", "Contribution")].map(function (h) { return el("th", { text: h }); }))].concat(crit)));
      }
      var bm = (a.by_municipality || []).map(function (m) {
        return el("tr", {}, [el("td", { text: (m.name || m.ags) + (m.participating ? " *" : "") }), el("td", { class: "num", text: fmtInt(m.beneficiaries) }),
          el("td", { class: "num", text: fmtInt(m.newly_within_standard) }),
          el("td", { class: "num", text: fmtNum(m.mean_seconds_before / 60, 1) + " → " + fmtNum(m.mean_seconds_after / 60, 1) })]);
      });
      if (bm.length) {
        out.appendChild(el("table", {}, [el("tr", {}, [tr("Gemeinde (* beteiligt)", "Municipality (* participating)"), tr("Nutznießer", "Beneficiaries"), tr("neu im Standard", "newly within standard"), tr("Ø min", "mean min")].map(function (h) { return el("th", { text: h }); }))].concat(bm)));
      }
      if (a.provenance) out.appendChild(el("div", { class: "muted", text: tr("Berechnet ", "Computed ") + (a.provenance.computed_at || "") + " · Engine " + (a.provenance.engine_version || "") + (a.provenance.synthetic ? tr(" · synthetische Daten", " · synthetic data") : "") }));
      if (feat.geometry && !keepView) zoomTo(feat.geometry);
      sec.setAttribute("data-project", id);
      showDifference(id);
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

  // --- Before/after of a proposal ---
  // The cells a selected proposal changes (GET /projects/{id}/difference):
  // newly within the standard in magenta, the others by the minutes gained.

  var DIFFERENCE_COLLECTION = { id: "difference", title: tr("Wirkung des Vorhabens", "Effect of the proposal") };
  var GAIN_BREAKS = [2, 5, 10]; // minutes
  var GAIN_COLOURS = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  var NEWLY_COLOUR = "#d01c8b", SERVED_COLOUR = "#fdae61";
  var difference = { id: null, data: null };

  function differenceColour() {
    var gain = ["step", ["/", ["to-number", ["get", "gain_seconds"], 0], 60], GAIN_COLOURS[0]];
    GAIN_BREAKS.forEach(function (b, i) { gain.push(b, GAIN_COLOURS[i + 1]); });
    return ["case", ["==", ["get", "newly_within_standard"], true], NEWLY_COLOUR,
      ["==", ["get", "newly_reached"], true], GAIN_COLOURS[GAIN_COLOURS.length - 1],
      ["all", ["==", ["get", "served"], true], ["<", ["to-number", ["get", "gain_seconds"], 0], 60]], SERVED_COLOUR, gain];
  }

  // addDifferenceLayer draws the difference above the areas and lines but
  // beneath the points (facilities, central places, sites stay visible).
  function addDifferenceLayer() {
    map.addSource("difference", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    var points = map.getStyle().layers.filter(function (l) { return l.type === "circle"; });
    var before = points.length ? points[0].id : undefined;
    map.addLayer({ id: "difference-fill", type: "fill", source: "difference", paint: { "fill-color": differenceColour(), "fill-opacity": 0.75 } }, before);
    map.addLayer({ id: "difference-line", type: "line", source: "difference",
      paint: { "line-color": ["case", ["==", ["get", "newly_within_standard"], true], "#7a0177", "rgba(8,48,107,0.5)"], "line-width": 0.8 } }, before);
  }

  function differenceURL(id, f) {
    return API + "/projects/" + encodeURIComponent(id) + "/difference?f=" + f + viewBBox();
  }

  function showDifference(id) {
    difference.id = id;
    api("/projects/" + encodeURIComponent(id) + "/difference").then(function (fc) {
      if (difference.id !== id || !map.getSource("difference")) return;
      difference.data = fc;
      map.getSource("difference").setData(fc);
      document.body.setAttribute("data-difference", String((fc.features || []).length));
      renderLegend();
    }).catch(function (err) {
      if (difference.id !== id) return;
      difference.data = { features: [], error: err.message };
      document.body.setAttribute("data-difference", "error");
      renderLegend();
    });
  }

  function clearDifference() {
    difference.id = null;
    difference.data = null;
    if (map && map.getSource("difference")) map.getSource("difference").setData({ type: "FeatureCollection", features: [] });
    document.body.removeAttribute("data-difference");
    renderLegend();
  }

  function differenceLegend() {
    var d = difference.data, block = el("div", { class: "legend-block", "data-layer": "difference" });
    block.appendChild(el("div", { class: "legend-title", text: tr("Wirkung des Vorhabens (vorher/nachher)", "Effect of the proposal (before/after)") }));
    if (d.error) {
      block.appendChild(el("div", { class: "error", text: d.error }));
      return block;
    }
    if (d.known === false) {
      block.appendChild(el("div", { class: "muted", text: tr("Wirkung unbekannt: ", "Effect unknown: ") + (d.reason || "") }));
      return block;
    }
    block.appendChild(el("div", { class: "muted", text: (CATEGORY_T[d.category] || d.category || "") + ", " + (MODE_T[d.mode] || d.mode || "") +
      (d.standard_minutes ? ", Standard " + fmtNum(d.standard_minutes) + " min" : "") + ": " + fmtInt((d.features || []).length) + tr(" Zellen, ", " cells, ") +
      fmtInt(d.newly_within_standard) + tr(" Einwohner neu innerhalb des Standards, ", " residents newly within the standard, ") + fmtInt(d.beneficiaries) + tr(" Nutznießer", " beneficiaries") }));
    var row = el("div", { class: "legend" });
    var items = [[NEWLY_COLOUR, tr("neu innerhalb des Standards", "newly within the standard")]];
    var labels = ["< " + GAIN_BREAKS[0]].concat(GAIN_BREAKS.slice(0, -1).map(function (b, i) { return b + "–" + GAIN_BREAKS[i + 1]; }))
      .concat(["≥ " + GAIN_BREAKS[GAIN_BREAKS.length - 1]]);
    labels.forEach(function (l, i) {
      items.push([GAIN_COLOURS[i], tr("schneller um ", "faster by ") + l + " min" + (i === labels.length - 1 ? tr(" oder neu erreichbar", " or newly reached") : "")]);
    });
    if (d.kind === "facility_upgrade") items.push([SERVED_COLOUR, tr("vom Ausbau bedient", "served by the upgrade")]);
    items.forEach(function (it) { row.appendChild(el("span", {}, [legendSwatch(it[0], "polygon"), it[1]])); });
    block.appendChild(row);
    var dl = el("div", { class: "downloads" }, [tr("Herunterladen: ", "Download: ")]);
    ["csv", "gpkg"].forEach(function (f) {
      var a = el("a", { class: "download", href: differenceURL(difference.id, f), download: "", text: f.toUpperCase(),
        title: downloadTitle(DIFFERENCE_COLLECTION.title, f) });
      a.addEventListener("click", function () { a.href = differenceURL(difference.id, f); });
      dl.appendChild(a);
      dl.appendChild(document.createTextNode(" "));
    });
    block.appendChild(dl);
    return block;
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
    if (initial.view) {
      map.jumpTo(initial.view);
    } else if (tt && map.getZoom() < ttMin) {
      var e = tt.extent && tt.extent.spatial && tt.extent.spatial.bbox && tt.extent.spatial.bbox[0];
      map.jumpTo({ center: e ? [(e[0] + e[2]) / 2, (e[1] + e[3]) / 2] : map.getCenter(), zoom: ttMin });
    }
    map.addControl(new maplibregl.NavigationControl(), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
    window.reachMap = map;

    setupTransit();
    setupTravelTimes();
    map.on("load", function () {
      var entries = collections.map(function (c, i) { return { c: c, i: i, st: styleOf(c, i) }; })
        .sort(function (a, b) { return a.st.order - b.st.order; });
      entries.forEach(function (x) { x.st = addCollection(x.c, x.i); });
      renderLayerList(entries.slice().reverse());

      map.addSource("isochrones", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
      map.addLayer({ id: "isochrones-fill", type: "fill", source: "isochrones", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.35 } });
      map.addLayer({ id: "isochrones-line", type: "line", source: "isochrones", paint: { "line-color": ["get", "colour"], "line-width": 1.5 } });
      addDifferenceLayer();
      map.addSource("iso-origin", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
      map.addLayer({ id: "iso-origin", type: "circle", source: "iso-origin", paint: { "circle-radius": 6, "circle-color": "#000", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });

      if (initial.layers) {
        layerEntries.forEach(function (x) {
          var on = initial.layers.indexOf(x.c.id) >= 0;
          setVisible(x.c.id, on);
          x.checkbox.checked = on;
        });
      } else if (initial.focus) {
        var x = entries.find(function (e) { return e.c.id === initial.focus; });
        if (x) { setVisible(initial.focus, true); x.checkbox.checked = true; }
      }
      var applyMuniColour = setupMuniColour(entries);
      if (applyMuniColour && $("muni-colour").value) applyMuniColour();
      renderLegend();
      if (initial.project) showDossier(initial.project, !!initial.view);
      restoring = false;
      map.on("moveend", saveState);
      saveState();
      document.body.setAttribute("data-ready", "true");
    });

    map.on("click", function (e) {
      if ($("iso-click").checked) { runIsochrones(e.lngLat); return; }
      // One popup per click, for the topmost feature of the data layers.
      var ids = [];
      collections.forEach(function (c) { layerIds(c.id).forEach(function (lid) { if (map.getLayer(lid)) ids.push(lid); }); });
      if (map.getLayer("difference-fill")) ids.unshift("difference-fill");
      var hits = ids.length ? map.queryRenderedFeatures(e.point, { layers: ids }) : [];
      if (hits.length) onFeatureClick(hits, e.lngLat);
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
  $("dossier-close").addEventListener("click", function () { $("dossier-section").hidden = true; currentProject = null; clearDifference(); saveState(); });
  $("iso-click").addEventListener("change", function () {
    if (map) map.getCanvas().style.cursor = $("iso-click").checked ? "crosshair" : "";
  });

  // Network coverage note: where a mode's network covers under 95 % of the
  // residents, most of its times are straight-line estimates; where the
  // timetable serves under 95 %, the others are no_stop (/readyz).
  function showCoverage() {
    api("/readyz").then(function (r) {
      var low = (r.network_coverage || []).filter(function (c) { return c.warning || (c.population > 0 && c.share < 0.95); });
      var roads = low.filter(function (c) { return c.mode !== "transit"; }).map(function (c) {
        var share = fmtNum(100 * c.share, 1);
        return (MODE_T[c.mode] || c.mode) + tr(": Netz deckt ", ": the network covers ") + share + tr(" % der Einwohner ab", " % of the residents");
      });
      var texts = [];
      if (roads.length) {
        texts.push(tr("Netzabdeckung unter 95 % – ", "Network coverage below 95 % – ") + roads.join("; ") +
          tr(". Übrige Zeiten sind Luftlinien-Schätzungen (Methode straight_line).", ". The other times are straight-line estimates (method straight_line)."));
      }
      low.filter(function (c) { return c.mode === "transit"; }).forEach(function (c) {
        texts.push(tr("Fahrplanabdeckung unter 95 % – der Fahrplan bedient ", "Timetable coverage below 95 % – the timetable serves ") + fmtNum(100 * c.share, 1) +
          tr(" % der Einwohner", " % of the residents") + (c.criterion ? " (" + c.criterion + ")" : "") +
          tr(". Übrige ÖPNV-Zeiten: Methode no_stop (keine Haltestelle in Gehweite; der Fahrplan endet dort womöglich), nicht „unerreichbar“.",
            ". The other public transport times are method no_stop (no stop within walking distance; the feed may end there), not \u201cunreachable\u201d."));
      });
      if (!texts.length) return;
      $("coverage").textContent = texts.join(" ");
      $("coverage").hidden = false;
    }).catch(function () { /* not ready yet or no engine: no note */ });
  }
  showCoverage();

  Promise.all([api("/"), api("/collections")]).then(function (r) { start(r[0], r[1]); }).catch(function (err) {
    $("layers").textContent = "";
    $("layers").appendChild(el("li", { class: "error", text: tr("API nicht erreichbar: ", "API not reachable: ") + err.message }));
  });
})();
