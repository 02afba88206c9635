// Package projects reads proposals for funding: the project schema of
// GeoJSON and GeoPackage features and of the body of POST /projects
// (ParseFeature, Decode, DecodeMembers: every invalid field reported at
// once, the schema's rules and layers.Project.Validate merged per field, in
// an *Error), the project tables of a call such as Vitale Regionen (Read,
// with the municipalities' seats for rows without a geometry, ReadSeats),
// and what a proposal lacks for a full assessment (MissingFields).
package projects

import (
	"reach/data/tables"
	"reach/data/vector"
)

const (
	pkg        = "projects"
	dateLayout = "2006-01-02"
)

// vectorOptions are the vector reader options of v, with errors prefixed
// by this package.
func vectorOptions(v tables.VectorSource) vector.Options {
	o := v.Options()
	o.Pkg = pkg
	return o
}
