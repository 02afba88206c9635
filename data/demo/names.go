package demo

import "math/rand/v2"

// Syllables for invented place names. Combinations may by chance resemble
// real places; every served name carries the suffix " (synthetisch)" and
// every key lies in the unused Kreis 14999, so nothing can be mistaken for
// a real municipality.
var (
	namePrefixes = []string{
		"Birken", "Eulen", "Kranich", "Hasel", "Erlen", "Dachs", "Falken", "Ginster", "Holunder", "Igel",
		"Lerchen", "Mispel", "Otter", "Quendel", "Reiher", "Schlehen", "Distel", "Wacholder", "Zeisig", "Ammer",
		"Brachs", "Dohlen", "Farn", "Gemsen", "Hummel", "Kiebitz", "Lärchen", "Mohn", "Nessel", "Pirol",
		"Rohrdommel", "Salbei", "Tüpfel", "Ulmen", "Weiden", "Espen", "Flieder", "Grasmücken", "Heide", "Kuckucks",
	}
	nameSuffixes = []string{
		"grund", "brück", "au", "wiese", "hain", "leithe", "rode", "tal", "born", "winkel",
		"hübel", "mühle", "dorf", "feld", "höh", "see", "bach", "furt", "stein", "walde",
	}
)

// nameSource hands out distinct invented names.
type nameSource struct {
	rng  *rand.Rand
	used map[string]bool
}

func (n *nameSource) next() string {
	for {
		s := namePrefixes[n.rng.IntN(len(namePrefixes))] + nameSuffixes[n.rng.IntN(len(nameSuffixes))]
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}
