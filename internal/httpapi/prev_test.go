package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"reach/internal/ogc"
)

// TestPrevLinks pages forward through a collection with next links, then
// back with prev links: each prev page is the page seen before it, the
// second page's prev is the first page (no cursor), the first has none,
// and the HTML page links both ways.
func TestPrevLinks(t *testing.T) {
	h, _ := demoHandler(t)
	type page struct {
		ids        []string
		next, prev string
	}
	read := func(target string) page {
		t.Helper()
		w := get(t, h, "GET", target)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d %s", target, w.Code, w.Body.String())
		}
		var doc struct {
			Features []struct{ ID string } `json:"features"`
			Links    []ogc.Link            `json:"links"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var p page
		for _, f := range doc.Features {
			p.ids = append(p.ids, f.ID)
		}
		for _, l := range doc.Links {
			u, _ := url.Parse(l.Href)
			switch l.Rel {
			case "next":
				p.next = u.RequestURI()
			case "prev":
				p.prev = u.RequestURI()
			}
		}
		return p
	}
	var pages []page
	for target := "/collections/facilities/items?limit=23"; target != ""; {
		p := read(target)
		pages = append(pages, p)
		target = p.next
	}
	if len(pages) < 3 {
		t.Fatalf("%d pages; the test needs three or more", len(pages))
	}
	if pages[0].prev != "" {
		t.Errorf("first page has prev %s", pages[0].prev)
	}
	if p := pages[1].prev; p == "" || strings.Contains(p, "cursor=") || !strings.Contains(p, "limit=23") {
		t.Errorf("second page's prev %q: want the first page with the same parameters", p)
	}
	for i := len(pages) - 1; i > 0; i-- {
		back := read(pages[i].prev)
		if strings.Join(back.ids, ",") != strings.Join(pages[i-1].ids, ",") {
			t.Errorf("prev of page %d gives %v, want page %d %v", i, back.ids, i-1, pages[i-1].ids)
		}
		if back.next == "" || strings.Join(read(back.next).ids, ",") != strings.Join(pages[i].ids, ",") {
			t.Errorf("next of the page reached by prev from page %d is not page %d", i, i)
		}
	}
	u, _ := url.Parse(pages[2].next)
	q := u.Query()
	q.Set("f", "html")
	html := get(t, h, "GET", u.Path+"?"+q.Encode()).Body.String()
	if !strings.Contains(html, `rel="prev"`) || !strings.Contains(html, `rel="next"`) {
		t.Errorf("HTML page 4 lacks prev or next link")
	}
}
