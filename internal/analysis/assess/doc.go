// Package assess judges proposals on the engine's read model: the effect of
// each project (new or changed sites, road upgrades, services for an
// area), computed once per fingerprint of its
// inputs and reused, with unknown effects and their reason; the dossier of
// each proposal with completeness, overlaps and the Zentrale-Orte verdict;
// the ranking within a budget; the features of the assessments collection
// and the documents written by `reach analyze`. The proposals of a call are
// passed in, never read. Road upgrades and new sites are searched on the
// engine's network with its places (overlay.go, sites.go).
package assess
