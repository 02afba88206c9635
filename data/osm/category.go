package osm

import (
	"strings"

	"reach/layers"
)

// CategoryFor maps the OSM tags of a node, way or POI record to a service
// category. It returns false for tags that describe no facility of the
// catalogue. The rules, first match wins:
//
//   - access=private or access=no: no facility (private pools, closed
//     pitches).
//   - amenity=doctors, or healthcare=doctor: general_practice when
//     healthcare:speciality is empty or names general practice (general,
//     general_practice, general_medicine, family_medicine,
//     allgemeinmedizin, among ";"-separated values); specialists are not
//     general practices and give false.
//   - amenity or healthcare = dentist → dentist; pharmacy → pharmacy;
//     hospital → hospital.
//   - amenity=school → primary_school, secondary_school or gymnasium, see
//     schoolCategory; special-needs (Förderschule), vocational and other
//     non-general schools give false.
//   - amenity=kindergarten or childcare → kita; fire_station → fire_station;
//     townhall → town_hall; community_centre → community_centre;
//     nursing_home → senior_care; social_facility with social_facility:for
//     senior/elderly, or social_facility=nursing_home/assisted_living →
//     senior_care.
//   - healthcare=nursing_home → senior_care.
//   - leisure = sports_centre, sports_hall, pitch, stadium, swimming_pool →
//     sports.
//
// The map is only read.
func CategoryFor(tags map[string]string) (layers.Category, bool) {
	switch tags["access"] {
	case "private", "no":
		return "", false
	}
	switch amenity := tags["amenity"]; amenity {
	case "doctors":
		return doctorCategory(tags)
	case "school":
		return schoolCategory(tags)
	case "social_facility":
		if isSeniorFacility(tags) {
			return layers.CatSeniorCare, true
		}
	default:
		if c, ok := amenityCategories[amenity]; ok {
			return c, true
		}
	}
	switch healthcare := tags["healthcare"]; healthcare {
	case "doctor":
		return doctorCategory(tags)
	default:
		if c, ok := healthcareCategories[healthcare]; ok {
			return c, true
		}
	}
	switch tags["leisure"] {
	case "sports_centre", "sports_hall", "pitch", "stadium", "swimming_pool":
		return layers.CatSports, true
	}
	return "", false
}

// amenityCategories and healthcareCategories map the tag values that name a
// category by themselves; doctors, schools and social facilities need more
// tags and are decided in CategoryFor.
var (
	amenityCategories = map[string]layers.Category{
		"dentist":          layers.CatDentist,
		"pharmacy":         layers.CatPharmacy,
		"hospital":         layers.CatHospital,
		"kindergarten":     layers.CatKita,
		"childcare":        layers.CatKita,
		"fire_station":     layers.CatFireStation,
		"townhall":         layers.CatTownHall,
		"community_centre": layers.CatCommunityCentre,
		"nursing_home":     layers.CatSeniorCare,
	}
	healthcareCategories = map[string]layers.Category{
		"dentist":      layers.CatDentist,
		"pharmacy":     layers.CatPharmacy,
		"hospital":     layers.CatHospital,
		"nursing_home": layers.CatSeniorCare,
	}
)

func doctorCategory(tags map[string]string) (layers.Category, bool) {
	spec := strings.TrimSpace(tags["healthcare:speciality"])
	if spec == "" {
		return layers.CatGeneralPractice, true
	}
	for part := range strings.SplitSeq(spec, ";") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "general", "general_practice", "general_practitioner", "general_medicine", "family_medicine", "allgemeinmedizin":
			return layers.CatGeneralPractice, true
		}
	}
	return "", false
}

func isSeniorFacility(tags map[string]string) bool {
	switch tags["social_facility"] {
	case "nursing_home", "assisted_living":
		return true
	}
	for part := range strings.SplitSeq(tags["social_facility:for"], ";") {
		switch strings.TrimSpace(part) {
		case "senior", "seniors", "elderly":
			return true
		}
	}
	return false
}

// schoolCategory decides the school type of an amenity=school, in this
// order:
//  1. school:de (Grundschule → primary; Oberschule, Mittelschule,
//     Realschule, Hauptschule, Gesamtschule, Gemeinschaftsschule,
//     Sekundarschule → secondary; Gymnasium → gymnasium; Förderschule,
//     Berufsschule and the like → not a general school);
//  2. the name (the same words, plus "Förderzentrum", "Berufs",
//     "Musikschule", "Volkshochschule", "Fahrschule", …);
//  3. isced:level (only 1 or 0–1 → primary; 3 present → gymnasium; 2 →
//     secondary);
//  4. otherwise primary_school: Grundschulen are the most common general
//     school in Saxony (842 of 1,467 sites in the Schuldatenbank against
//     384 Oberschulen and 209 Gymnasien), so an unnamed school or a school
//     building without hints is most likely one.
func schoolCategory(tags map[string]string) (layers.Category, bool) {
	if c, decided, ok := schoolByWords(tags["school:de"]); decided {
		return c, ok
	}
	if c, decided, ok := schoolByWords(tags["name"]); decided {
		return c, ok
	}
	if lv := tags["isced:level"]; lv != "" {
		has := func(d string) bool { return strings.Contains(lv, d) }
		switch {
		case has("3"):
			return layers.CatGymnasium, true
		case has("2"):
			return layers.CatSecondarySchool, true
		case has("1"):
			return layers.CatPrimarySchool, true
		}
	}
	return layers.CatPrimarySchool, true
}

// schoolByWords looks for school-type words in s. decided is false when s
// holds none; ok is false for schools outside the catalogue.
func schoolByWords(s string) (c layers.Category, decided, ok bool) {
	l := strings.ToLower(s)
	if l == "" {
		return "", false, false
	}
	for _, w := range []string{"förder", "foerder", "berufs", "berufliches", "bsz", "musikschule", "volkshochschule",
		"fahrschule", "tanzschule", "sprachschule", "kunstschule", "hochschule", "universität", "fachschule", "abendschule"} {
		if strings.Contains(l, w) {
			return "", true, false
		}
	}
	switch {
	case strings.Contains(l, "gymnasium"):
		return layers.CatGymnasium, true, true
	case strings.Contains(l, "oberschule"), strings.Contains(l, "mittelschule"), strings.Contains(l, "realschule"),
		strings.Contains(l, "hauptschule"), strings.Contains(l, "gesamtschule"), strings.Contains(l, "gemeinschaftsschule"),
		strings.Contains(l, "sekundarschule"), strings.Contains(l, "regelschule"):
		return layers.CatSecondarySchool, true, true
	case strings.Contains(l, "grundschule"):
		return layers.CatPrimarySchool, true, true
	}
	return "", false, false
}
