package demo

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"reach/data/tables"
	"reach/geo/access"
)

// AgesYear is the base year of the demo's population by age; the demo's
// projection runs to AgesProjectionYear in two variants.
const (
	AgesYear           = CellYear
	AgesProjectionYear = 2040
)

// ageBand is one group of the demo tables, with its share of a Saxon-like
// population and its change to 2040 in the two variants.
type ageBand struct {
	label  string
	share  float64
	v1, v2 float64
}

// ageBands follow the groups of the Saxon statistical office's tables;
// shares and changes are invented, shaped like a shrinking, ageing rural
// Kreis.
var ageBands = []ageBand{
	{"unter 3 Jahre", 2.5, 0.80, 0.72},
	{"3 bis unter 6 Jahre", 2.6, 0.82, 0.74},
	{"6 bis unter 10 Jahre", 3.6, 0.85, 0.78},
	{"10 bis unter 16 Jahre", 5.2, 0.95, 0.88},
	{"16 bis unter 18 Jahre", 1.6, 0.97, 0.90},
	{"18 bis unter 25 Jahre", 5.5, 0.95, 0.90},
	{"25 bis unter 40 Jahre", 17, 0.80, 0.74},
	{"40 bis unter 65 Jahre", 35, 0.88, 0.84},
	{"65 bis unter 75 Jahre", 12, 0.95, 0.92},
	{"75 Jahre und mehr", 15, 1.25, 1.20},
}

// AgeTablesCSV returns the demo's population by age per municipality for
// AgesYear and its projection to AgesProjectionYear ("Variante 1" and
// "Variante 2") in the table layout tables.ReadAgeTables reads. It is
// generated from the region's seed on a random stream of its own (the
// other layers do not change with it); the base-year groups of a
// municipality sum to its population. SYNTHETIC, like the whole region.
func (r *Region) AgeTablesCSV() []byte {
	rng := rand.New(rand.NewPCG(uint64(r.Seed), 2040))
	var b bytes.Buffer
	b.WriteString("Jahr;Variante;Schluessel;Gebiet;Altersgruppe;Anzahl\n")
	type proj struct{ v1, v2 []int64 }
	projs := make([]proj, len(r.Municipalities))
	for mi, m := range r.Municipalities {
		// Smaller places are older and shrink faster.
		older := 1 + 0.2*rng.Float64()
		if m.Population > 20000 {
			older = 0.9 + 0.1*rng.Float64()
		}
		ws := make([]float64, len(ageBands))
		for i, a := range ageBands {
			ws[i] = a.share
			if i >= 8 {
				ws[i] *= older
			}
		}
		base := apportion(m.Population, ws)
		shrink := 1 - 0.08*rng.Float64()
		if m.Population > 20000 {
			shrink = 1 + 0.03*rng.Float64()
		}
		var p proj
		for i, a := range ageBands {
			p.v1 = append(p.v1, int64(float64(base[i])*a.v1*shrink+0.5))
			p.v2 = append(p.v2, int64(float64(base[i])*a.v2*shrink+0.5))
		}
		projs[mi] = p
		writeAgeRows(&b, AgesYear, "", m.AGS, m.Name, base)
	}
	for mi, m := range r.Municipalities {
		writeAgeRows(&b, AgesProjectionYear, "Variante 1", m.AGS, m.Name, projs[mi].v1)
	}
	for mi, m := range r.Municipalities {
		writeAgeRows(&b, AgesProjectionYear, "Variante 2", m.AGS, m.Name, projs[mi].v2)
	}
	return b.Bytes()
}

func writeAgeRows(b *bytes.Buffer, year int, variant, ags, name string, counts []int64) {
	var total int64
	name = strings.ReplaceAll(name, ";", ",")
	for i, a := range ageBands {
		fmt.Fprintf(b, "%d;%s;%s;%s;%s;%d\n", year, variant, ags, name, a.label, counts[i])
		total += counts[i]
	}
	fmt.Fprintf(b, "%d;%s;%s;%s;Insgesamt;%s\n", year, variant, ags, name, strconv.FormatInt(total, 10))
}

// Demography returns AgeTablesCSV read back by tables.DecodeAgeTables.
func (r *Region) Demography(ctx context.Context) (*access.Demography, error) {
	return tables.DecodeAgeTables(ctx, bytes.NewReader(r.AgeTablesCSV()), fmt.Sprintf("demo population by age (seed %d)", r.Seed))
}

// SeedOf returns the seed of a demo store from its data versions.
func SeedOf(versions map[string]string) (int64, bool) {
	v, ok := versions["demo"]
	if !ok {
		return 0, false
	}
	s, _, _ := strings.Cut(strings.TrimPrefix(v, "seed "), ",")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
