package analysis

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

func TestConcurrentTravelTimesShareOneField(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	var wg sync.WaitGroup
	results := make([][]TravelTime, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tts, err := e.TravelTimes(context.Background(), layers.CatGeneralPractice, layers.Car)
			if err != nil {
				t.Error(err)
			}
			results[i] = tts
		}()
	}
	wg.Wait()
	for i := 1; i < len(results); i++ {
		if !reflect.DeepEqual(results[i], results[0]) {
			t.Fatalf("call %d differs from call 0", i)
		}
	}
	if len(e.fields) != 1 {
		t.Fatalf("%d cached fields, want 1", len(e.fields))
	}
}

func TestCancelledComputationIsNotCached(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car); err == nil {
		t.Fatal("cancelled context: want an error")
	}
	if _, err := e.TravelTimes(context.Background(), layers.CatGeneralPractice, layers.Car); err != nil {
		t.Fatalf("after a cancelled call: %v", err)
	}
}

func TestRequestValidation(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	ctx := context.Background()
	ll, _ := crs.ToLonLat(crs.UTM33N, origin)
	for name, err := range map[string]error{
		"iso no minutes": func() error {
			_, err := e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{ll}})
			return err
		}(),
		"iso bad origin": func() error {
			_, err := e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{{200, 100}}, Minutes: []float64{5}})
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
