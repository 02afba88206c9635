package query_test

import (
	"errors"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
	"reach/layers/query"
)

func TestMatchAndCheckParams(t *testing.T) {
	f := layers.FacilityFeature(layers.Facility{ID: "x", Category: layers.CatHospital, Name: "Klinik", Location: orb.Point{411494, 5656188}, AGS: "14612000"})
	if !query.MatchParams(f, map[string]string{"category": "hospital", "ags": "14612000"}) {
		t.Error("matching filters rejected")
	}
	if query.MatchParams(f, map[string]string{"category": "pharmacy"}) {
		t.Error("non-matching filter accepted")
	}
	p := layers.CentralPlaceFeature(layers.CentralPlace{ID: "14523020", Name: "Auerbach", Level: layers.LevelMittelzentrum, Members: []string{"14523020", "14523090"}, AGS: "14523020"})
	if !query.MatchParams(p, map[string]string{"level": "Mittelzentrum"}) {
		t.Error("level filter rejected")
	}
	coll, _ := layers.CollectionInfo(layers.CollFacilities)
	if err := query.CheckParams(coll, map[string]string{"category": "x"}); err != nil {
		t.Errorf("filterable property refused: %v", err)
	}
	err := query.CheckParams(coll, map[string]string{"name": "x"})
	if !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("filter on a non-filterable property: err = %v, want layers.ErrInvalid", err)
	}
}
