package osm

import (
	"testing"

	"reach/layers"
)

func TestCategoryFor(t *testing.T) {
	tests := []struct {
		name string
		tags map[string]string
		want layers.Category // "" = no facility
	}{
		{"doctors", map[string]string{"amenity": "doctors"}, layers.CatGeneralPractice},
		{"doctors general", map[string]string{"amenity": "doctors", "healthcare:speciality": "general"}, layers.CatGeneralPractice},
		{"doctors general in list", map[string]string{"amenity": "doctors", "healthcare:speciality": "internal;general"}, layers.CatGeneralPractice},
		{"doctors specialist", map[string]string{"amenity": "doctors", "healthcare:speciality": "orthopaedics"}, ""},
		{"healthcare doctor", map[string]string{"healthcare": "doctor"}, layers.CatGeneralPractice},
		{"healthcare doctor specialist", map[string]string{"healthcare": "doctor", "healthcare:speciality": "ophthalmology"}, ""},
		{"dentist", map[string]string{"amenity": "dentist"}, layers.CatDentist},
		{"healthcare dentist", map[string]string{"healthcare": "dentist"}, layers.CatDentist},
		{"pharmacy", map[string]string{"amenity": "pharmacy"}, layers.CatPharmacy},
		{"hospital", map[string]string{"amenity": "hospital"}, layers.CatHospital},
		{"healthcare hospital", map[string]string{"healthcare": "hospital"}, layers.CatHospital},
		{"physiotherapist", map[string]string{"healthcare": "physiotherapist"}, ""},
		{"clinic", map[string]string{"amenity": "clinic"}, ""},
		{"school unnamed", map[string]string{"amenity": "school"}, layers.CatPrimarySchool},
		{"school Grundschule", map[string]string{"amenity": "school", "name": "Grundschule „An der Elster“"}, layers.CatPrimarySchool},
		{"school Oberschule", map[string]string{"amenity": "school", "name": "Oberschule Bernsdorf"}, layers.CatSecondarySchool},
		{"school Gymnasium", map[string]string{"amenity": "school", "name": "León-Foucault-Gymnasium"}, layers.CatGymnasium},
		{"school:de beats name", map[string]string{"amenity": "school", "school:de": "Gymnasium", "name": "Johanneum"}, layers.CatGymnasium},
		{"isced 1", map[string]string{"amenity": "school", "isced:level": "1"}, layers.CatPrimarySchool},
		{"isced 2", map[string]string{"amenity": "school", "isced:level": "2"}, layers.CatSecondarySchool},
		{"isced 2;3", map[string]string{"amenity": "school", "isced:level": "2;3"}, layers.CatGymnasium},
		{"Förderschule", map[string]string{"amenity": "school", "name": "Sonderpädagogisches Förderzentrum"}, ""},
		{"Berufsschule", map[string]string{"amenity": "school", "name": "Berufliches Schulzentrum Hoyerswerda"}, ""},
		{"kindergarten", map[string]string{"amenity": "kindergarten"}, layers.CatKita},
		{"childcare", map[string]string{"amenity": "childcare"}, layers.CatKita},
		{"fire station", map[string]string{"amenity": "fire_station"}, layers.CatFireStation},
		{"townhall", map[string]string{"amenity": "townhall"}, layers.CatTownHall},
		{"community centre", map[string]string{"amenity": "community_centre"}, layers.CatCommunityCentre},
		{"nursing home", map[string]string{"amenity": "nursing_home"}, layers.CatSeniorCare},
		{"social facility senior", map[string]string{"amenity": "social_facility", "social_facility:for": "senior"}, layers.CatSeniorCare},
		{"social facility elderly", map[string]string{"amenity": "social_facility", "social_facility": "group_home", "social_facility:for": "elderly"}, layers.CatSeniorCare},
		{"social facility homeless", map[string]string{"amenity": "social_facility", "social_facility": "shelter", "social_facility:for": "homeless"}, ""},
		{"sports centre", map[string]string{"leisure": "sports_centre"}, layers.CatSports},
		{"pitch", map[string]string{"leisure": "pitch", "sport": "soccer"}, layers.CatSports},
		{"stadium", map[string]string{"leisure": "stadium"}, layers.CatSports},
		{"swimming pool", map[string]string{"leisure": "swimming_pool"}, layers.CatSports},
		{"private pool", map[string]string{"leisure": "swimming_pool", "access": "private"}, ""},
		{"park", map[string]string{"leisure": "park"}, ""},
		{"bench", map[string]string{"amenity": "bench"}, ""},
		{"empty", map[string]string{}, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CategoryFor(tt.tags)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("CategoryFor(%v) = %q, %v; want %q", tt.tags, got, ok, tt.want)
			}
			if ok && !got.Valid() {
				t.Errorf("CategoryFor(%v) = %q, not in the catalogue", tt.tags, got)
			}
		})
	}
}
