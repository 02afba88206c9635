package layers

import (
	"sort"
	"strings"
)

// Credit is one licence credit: who published data a served layer holds.
type Credit struct {
	// Text is the credit as it must be shown, with the licence.
	Text string
	// Layers names the loaded layers it covers (layer_versions keys, e.g.
	// "municipalities", "facilities:school").
	Layers []string
	// Collections names the served collections it covers.
	Collections []string
}

// creditRule credits the publisher of every loaded layer whose key starts
// with one of prefixes.
type creditRule struct {
	prefixes    []string
	text        string
	collections []string
}

var creditRules = []creditRule{
	{[]string{"municipalities"}, "Verwaltungsgrenzen: © GeoBasis-DE / BKG (Daten verändert), dl-de/by-2-0; " +
		"amtliche Grenzen Sachsens: © Staatsbetrieb Geobasisinformation und Vermessung Sachsen (GeoSN), dl-de/by-2-0",
		[]string{CollMunicipalities}},
	{[]string{"municipalities", "population"}, "Bevölkerung und Fläche: © Statistisches Bundesamt (Destatis), dl-de/by-2-0; " +
		"© Statistisches Landesamt des Freistaates Sachsen, Kamenz, dl-de/by-2-0", []string{CollMunicipalities}},
	{[]string{"memberships"}, "Gemeindeverzeichnis (Verbände, Verwaltungsgemeinschaften): © Statistisches Bundesamt (Destatis), dl-de/by-2-0",
		[]string{CollMunicipalities, CollCentralPlaces}},
	{[]string{"population-grid"}, "Zensus-Gitter: © Statistische Ämter des Bundes und der Länder, Zensus, dl-de/by-2-0",
		[]string{CollPopulationGrid, "travel-times", "gaps"}},
	{[]string{"indicators"}, "Indikatoren: © BBSR Bonn, INKAR, dl-de/by-2-0; © Statistisches Landesamt des Freistaates Sachsen, Kamenz, dl-de/by-2-0",
		[]string{CollMunicipalities}},
	{[]string{"central-places"}, "Zentrale Orte: Landesentwicklungsplan Sachsen 2013, Sächsisches Staatsministerium für Regionalentwicklung",
		[]string{CollCentralPlaces}},
	{[]string{"roads", "facilities:osm", "facilities:poi"}, "Straßennetz und Einrichtungen aus OSM: © OpenStreetMap contributors, ODbL 1.0",
		[]string{CollRoads, CollFacilities, "travel-times", "gaps"}},
	{[]string{"facilities:school"}, "Schulen: Sächsische Schuldatenbank, Sächsisches Staatsministerium für Kultus",
		[]string{CollFacilities}},
	{[]string{"facilities:hospital", "facilities:krankenh"}, "Krankenhäuser: Eurostat GISCO Healthcare services; Deutsche Krankenhausgesellschaft (Krankenhaus-Standortverzeichnis)",
		[]string{CollFacilities}},
	{[]string{"demo"}, "Demo-Region: synthetische Daten (erzeugt, nicht real)",
		[]string{CollMunicipalities, CollPopulationGrid, CollCentralPlaces, CollFacilities, CollRoads, CollProjects, "travel-times", "gaps", "assessments"}},
}

// Credits lists the credits of the loaded layers, given the data versions
// by layer (StoreInfo.Versions), each once, in a stable order. A layer no
// rule knows gets no credit here (its source is named in the layer).
func Credits(versions map[string]string) []Credit {
	keys := make([]string, 0, len(versions))
	for k := range versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Credit
	for _, r := range creditRules {
		var hit []string
		for _, k := range keys {
			for _, p := range r.prefixes {
				if strings.HasPrefix(k, p) {
					hit = append(hit, k)
					break
				}
			}
		}
		if len(hit) > 0 {
			out = append(out, Credit{Text: r.text, Layers: hit, Collections: append([]string(nil), r.collections...)})
		}
	}
	return out
}

// CollectionAttribution joins the credits that cover collection id.
func CollectionAttribution(id string, credits []Credit) string {
	var parts []string
	for _, c := range credits {
		for _, col := range c.Collections {
			if col == id {
				parts = append(parts, c.Text)
				break
			}
		}
	}
	return strings.Join(parts, "; ")
}
