package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"reach/data/osm"
	"reach/geo/graph"
	"reach/internal/estimate"
	"reach/internal/load"
	"reach/internal/network"
	"reach/layers"
)

// calibrationNetwork is one OSM file of the calibration and the distance
// range in which its pairs enter the fitted model.
type calibrationNetwork struct {
	Path       string  `json:"path"`
	Name       string  `json:"name"`
	Pairs      int     `json:"pairs"`
	FromM, ToM float64 `json:"-"`
	CarOnly    bool    `json:"-"`
}

func runCalibrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	origins := fs.Int("origins", 400, "random origins per network and mode")
	dests := fs.Int("destinations", 40, "destinations tried per origin")
	seed := fs.Uint64("seed", 1, "random seed")
	local := fs.Float64("local-until", 12000, "straight-line metres below which only complete networks (not --regional ones) enter the fit")
	anyRoad := fs.Bool("any-road", false, "place origins and destinations beside any road (default: only beside roads people live along, see settledHighway)")
	asJSON := fs.Bool("json", false, "print the fitted model as JSON (the form of estimate.Model)")
	var regional multiFlag
	fs.Var(&regional, "regional", "OSM file of a main-road network (repeatable): its car pairs enter the fit only beyond --local-until (a main-road network says nothing about cycling or walking)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: reach calibrate [flags] FILE.osm.pbf... [--regional FILE.osm.pbf]

Fits the straight-line model (detour factor and speed by distance, per mode)
from random origin–destination pairs routed on the given OSM networks with
reach's own profiles and engine, and prints the fit with its residuals.
The README's calibration:

  reach calibrate ../shared/data/osm/north-bayreuth.osm.pbf \
      ../shared/data/osm/hoyerswerda.osm.pbf \
      --regional ../shared/data/osm/testfeld_nds_main_roads.osm.pbf`)
		fs.PrintDefaults()
	}
	pos, err := load.ParseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 && len(regional) == 0 {
		fs.Usage()
		return fmt.Errorf("calibrate: no OSM file given")
	}
	var nets []calibrationNetwork
	for _, p := range pos {
		nets = append(nets, calibrationNetwork{Path: p, Name: netName(p), FromM: 0, ToM: *local})
	}
	for _, p := range regional {
		nets = append(nets, calibrationNetwork{Path: p, Name: netName(p), FromM: *local, ToM: 1e12, CarOnly: true})
	}
	opts := estimate.SampleOptions{Origins: *origins, Destinations: *dests, Seed: *seed}
	model := estimate.Model{Source: calibrationSource(nets, opts, *local)}
	if !*anyRoad {
		model.Source += "; places beside residential to primary roads"
	}
	all := map[layers.Mode][]estimate.Pair{}
	for i := range nets {
		cn := &nets[i]
		var roads []layers.RoadSegment
		for s, err := range osm.Roads(ctx, cn.Path, nil) {
			if err != nil {
				return fmt.Errorf("calibrate: %s: %w", cn.Path, err)
			}
			roads = append(roads, s)
		}
		highway := make(map[int64]string, len(roads))
		for _, s := range roads {
			highway[s.ID] = s.Highway
		}
		built, err := network.Build(ctx, func(yield func(layers.RoadSegment, error) bool) {
			for _, s := range roads {
				if !yield(s, nil) {
					return
				}
			}
		}, network.Options{})
		if err != nil {
			return fmt.Errorf("calibrate: %s: %w", cn.Path, err)
		}
		for _, m := range layers.Modes() {
			n := built[m]
			if n == nil || n.Graph().NumNodes() == 0 {
				continue
			}
			o := opts
			if !*anyRoad {
				g := n.Graph()
				o.Settled = func(e graph.EdgeID) bool {
					src := g.Sources(e)
					return len(src) > 0 && settledHighway[highway[src[0].ID]]
				}
			}
			pairs, err := estimate.Sample(ctx, cn.Name, n, o)
			if err != nil {
				return fmt.Errorf("calibrate: %w", err)
			}
			cn.Pairs += len(pairs)
			if !*asJSON {
				c, bins, err := estimate.Fit(pairs, estimate.DefaultBinsM, 30)
				if err == nil {
					fmt.Fprintf(stdout, "\n%s, %s: %d pairs (all of them, for comparison)\n", cn.Name, m, len(pairs))
					printBins(stdout, bins)
					_ = c
				}
			}
			if cn.CarOnly && m != layers.Car {
				continue
			}
			for _, p := range pairs {
				if p.StraightM >= cn.FromM && p.StraightM < cn.ToM {
					all[m] = append(all[m], p)
				}
			}
		}
	}
	for _, m := range layers.Modes() {
		c, bins, err := estimate.Fit(all[m], estimate.DefaultBinsM, 30)
		if err != nil {
			return fmt.Errorf("calibrate: %s: %w", m, err)
		}
		switch m {
		case layers.Car:
			model.Car = c
		case layers.Bicycle:
			model.Bicycle = c
		default:
			model.Foot = c
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "\nFITTED %s: %d pairs\n", m, len(all[m]))
			printBins(stdout, bins)
		}
	}
	if err := model.Check(); err != nil {
		return fmt.Errorf("calibrate: the fitted model is not usable: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(model)
	}
	fmt.Fprintln(stdout, "\nsource:", model.Source)
	return nil
}

func printBins(w io.Writer, bins []estimate.Bin) {
	fmt.Fprintf(w, "%-15s %6s %9s %6s %8s %8s %8s %8s %6s %6s\n", "straight km", "pairs", "mean km", "detour", "km/h", "bias s", "MAE s", "RMSE s", "p10", "p90")
	for _, b := range bins {
		fmt.Fprintf(w, "%6.2f–%-8.2f %6d %9.2f %6.3f %8.1f %8.1f %8.1f %8.1f %6.2f %6.2f\n",
			b.LoM/1000, b.HiM/1000, b.Pairs, b.Knot.DistanceM/1000, b.Knot.Detour, b.Knot.SpeedKmh, b.BiasS, b.MAES, b.RMSES, b.P10, b.P90)
	}
}

func netName(path string) string {
	b := filepath.Base(path)
	for _, ext := range []string{".osm.pbf", ".pbf", ".osm"} {
		b = strings.TrimSuffix(b, ext)
	}
	return b
}

func calibrationSource(nets []calibrationNetwork, o estimate.SampleOptions, local float64) string {
	var parts []string
	for _, n := range nets {
		if n.CarOnly {
			parts = append(parts, fmt.Sprintf("%s (car, beyond %.0f km)", n.Name, n.FromM/1000))
		} else {
			parts = append(parts, fmt.Sprintf("%s (up to %.0f km)", n.Name, n.ToM/1000))
		}
	}
	return fmt.Sprintf("reach calibrate: random pairs routed on %s; %d origins × %d destinations per network and mode, seed %d",
		strings.Join(parts, ", "), o.Origins, o.Destinations, o.Seed)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// settledHighway are the road classes people live along: origins of the
// calibration lie beside them and destinations snap to them, as populated
// cell centres and town centres do (tracks, service ways, paths and
// motorways are left out).
var settledHighway = map[string]bool{
	"residential": true, "living_street": true, "unclassified": true, "tertiary": true,
	"secondary": true, "primary": true, "road": true,
}
