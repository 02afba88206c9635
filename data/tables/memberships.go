package tables

import (
	"context"
	"iter"
	"strconv"

	"reach/data/vector"
	"reach/layers"
)

// MembershipOptions tune ReadMemberships.
type MembershipOptions struct {
	// Kind selects what to read; "" detects it from the header: verband_ars
	// → KindVerwaltungsgemeinschaft (GV table), verbund → KindVerbund
	// (Zentrale-Orte table).
	Kind layers.MembershipKind
}

// ReadMemberships streams memberships from a CSV table keyed by AGS.
//
// From the Gemeindeverzeichnis (columns ags, verband_ars, verband_name) it
// gives KindVerwaltungsgemeinschaft memberships for every Verband with more
// than one member municipality (Verwaltungsgemeinschaften and
// Verwaltungsverbände); a Verband of one municipality is that municipality
// itself and gives nothing. GroupID is the Verband ARS.
//
// From the Zentrale-Orte table (columns ags, verbund) it gives KindVerbund
// memberships for every row that names a Verbund; GroupID is a slug of the
// Verbund name ("staedteverbund-goeltzschtal").
//
// The table is read whole before the first membership is yielded, because
// group sizes are only known at the end; records come in file order.
func ReadMemberships(ctx context.Context, path string, opts MembershipOptions) iter.Seq2[layers.Membership, error] {
	return func(yield func(layers.Membership, error) bool) {
		var (
			kind    = opts.Kind
			out     []layers.Membership
			members = map[string]int{}
			seen    = map[string]int{}
			started bool
		)
		for row, err := range vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg}) {
			if err != nil {
				yield(layers.Membership{}, err)
				return
			}
			if !started {
				started = true
				if kind == "" {
					switch {
					case row.Header.Has("verband_ars"):
						kind = layers.KindVerwaltungsgemeinschaft
					case row.Header.Has("verbund"):
						kind = layers.KindVerbund
					default:
						yield(layers.Membership{}, missingColumn(row, "", "verband_ars", "verbund"))
						return
					}
				}
				need := []string{"ags", "verband_ars", "verband_name"}
				if kind == layers.KindVerbund {
					need = []string{"ags", "verbund"}
				}
				for _, c := range need {
					if !row.Header.Has(c) {
						yield(layers.Membership{}, missingColumn(row, c))
						return
					}
				}
			}
			ags := row.Get("ags")
			var m layers.Membership
			switch kind {
			case layers.KindVerbund:
				name := row.Get("verbund")
				if name == "" {
					continue
				}
				m = layers.Membership{AGS: ags, Kind: kind, GroupID: slug(name), GroupName: name}
			default:
				id := row.Get("verband_ars")
				if !allDigits(id, 9) {
					yield(layers.Membership{}, row.Errorf("verband_ars", id, "is not a 9-digit Verband key"))
					return
				}
				m = layers.Membership{AGS: ags, Kind: kind, GroupID: id, GroupName: row.Get("verband_name")}
			}
			key := m.GroupID + "\x00" + ags
			if prev, dup := seen[key]; dup {
				yield(layers.Membership{}, row.Errorf("ags", ags, "repeats the membership of line "+strconv.Itoa(prev)))
				return
			}
			seen[key] = row.Pos.Line
			if err := m.Validate(); err != nil {
				yield(layers.Membership{}, row.Err(err))
				return
			}
			members[m.GroupID]++
			out = append(out, m)
		}
		for _, m := range out {
			if kind == layers.KindVerwaltungsgemeinschaft && members[m.GroupID] < 2 {
				continue
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}
