package query

import "reach/layers"

import "sort"

// PageOf is keyset paging over features held in memory: it orders matched
// by layers.CompareIDs for collection (in place), skips those up to and including
// the cursor after ("" for the first page), keeps at most limit (10 when
// limit ≤ 0) and sets Next when more follow. NumberMatched is len(matched);
// Version is left empty.
func PageOf(collection string, matched []layers.Feature, after string, limit int) layers.Page {
	sort.Slice(matched, func(i, j int) bool { return layers.CompareIDs(collection, matched[i].ID, matched[j].ID) < 0 })
	page := layers.Page{NumberMatched: len(matched)}
	start := 0
	if after != "" {
		start = sort.Search(len(matched), func(i int) bool { return layers.CompareIDs(collection, matched[i].ID, after) > 0 })
	}
	if limit <= 0 {
		limit = 10
	}
	end := min(start+limit, len(matched))
	page.Features = matched[start:end]
	if end < len(matched) && end > start {
		page.Next = matched[end-1].ID
	}
	return page
}
