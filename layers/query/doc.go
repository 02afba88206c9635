// Package query answers feature queries over features held in memory, with
// the semantics the PostGIS store mirrors in SQL: filter expressions
// (layers.Expr, CQL2) checked against a collection's queryables (Check) and
// evaluated on a served feature in SQL's three-valued logic (Match), the
// properties and envelope an expression needs (Properties, Envelope), the
// plain property=value parameters (CheckParams, MatchParams), bbox queries
// in any supported CRS answered exactly as ST_Intersects would (BoxPlan,
// PlanBox, PlanLonLat, Domain), and keyset paging (PageOf).
//
// The vocabulary (Expr, Feature, Collection, ItemsQuery) lives in layers;
// this package holds only their evaluation, for the in-memory store, the
// derived collections and the tests that hold both stores to it.
package query
