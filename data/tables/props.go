package tables

import (
	"errors"
	"strconv"
	"strings"

	"reach/data/vector"
)

// props gives case-insensitive access to the properties of a feature.
type props struct {
	f     vector.Feature
	lower map[string]string // lower-case name → name as in the feature
}

func newProps(f vector.Feature) props {
	p := props{f: f, lower: make(map[string]string, len(f.Properties))}
	for k := range f.Properties {
		p.lower[strings.ToLower(k)] = k
	}
	return p
}

// find returns the first of names that exists (case-insensitive), as named
// in the feature.
func (p props) find(names ...string) (string, bool) {
	for _, n := range names {
		if k, ok := p.lower[strings.ToLower(n)]; ok {
			return k, true
		}
	}
	return "", false
}

// text returns the property as text (see vector.Text), "" when missing.
func (p props) text(name string) string {
	if name == "" {
		return ""
	}
	s, _ := p.f.String(name)
	return strings.TrimSpace(s)
}

// agsOf reads an AGS property: an 8-digit string, or a number that becomes
// one (a leading zero lost in a numeric column is restored for 7 digits).
func agsOf(p props, field string) (string, error) {
	raw, ok := p.f.Properties[field]
	if !ok || raw == nil {
		return "", p.f.Errorf(field, "", "is missing")
	}
	s := strings.TrimSpace(vector.Text(raw))
	if n, isInt := raw.(int64); isInt && n >= 1000000 && n < 10000000 {
		s = "0" + strconv.FormatInt(n, 10)
	}
	if !ValidAGS(s) {
		return "", p.f.Errorf(field, s, "is not an 8-digit AGS")
	}
	return s, nil
}

// slug makes a stable ASCII key from a German name: "Städteverbund
// Göltzschtal" → "staedteverbund-goeltzschtal".
func slug(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss")
	s = strings.ToLower(r.Replace(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func asFieldError(err error, target **vector.FieldError) bool { return errors.As(err, target) }
