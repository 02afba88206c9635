package tables

import (
	"time"

	"github.com/paulmach/orb"

	"reach/data/vector"
	"reach/geo/crs"
	"reach/layers"
)

const pkg = "tables"

// Planning regions (Planungsregionen / Regionale Planungsverbände) of
// Saxony, spelt as the Zentrale-Orte table spells them.
const (
	RegionLeipzigWestsachsen = "Leipzig-Westsachsen"
	RegionOberesElbtal       = "Oberes Elbtal/Osterzgebirge"
	RegionOberlausitz        = "Oberlausitz-Niederschlesien"
	RegionChemnitz           = "Region Chemnitz"
)

const (
	dateLayout     = "2006-01-02"
	zensus2022Date = "2022-05-15" // Zensus 2022 reference date
)

// kreise lists the 13 Saxon Kreise and kreisfreie Städte (Gebietsstand
// since 2008) with their planning region.
var kreise = map[string]struct{ name, region string }{
	"14511": {"Chemnitz, Stadt", RegionChemnitz},
	"14521": {"Erzgebirgskreis", RegionChemnitz},
	"14522": {"Mittelsachsen", RegionChemnitz},
	"14523": {"Vogtlandkreis", RegionChemnitz},
	"14524": {"Zwickau", RegionChemnitz},
	"14612": {"Dresden, Stadt", RegionOberesElbtal},
	"14625": {"Bautzen", RegionOberlausitz},
	"14626": {"Görlitz", RegionOberlausitz},
	"14627": {"Meißen", RegionOberesElbtal},
	"14628": {"Sächsische Schweiz-Osterzgebirge", RegionOberesElbtal},
	"14713": {"Leipzig, Stadt", RegionLeipzigWestsachsen},
	"14729": {"Leipzig", RegionLeipzigWestsachsen},
	"14730": {"Nordsachsen", RegionLeipzigWestsachsen},
}

// KreisName returns the name of a Saxon Kreis by its 5-digit AGS, or "".
func KreisName(kreisAGS string) string { return kreise[kreisAGS].name }

// PlanningRegion returns the Saxon planning region of a Kreis (5-digit AGS)
// or of a municipality (8-digit AGS), or "" outside Saxony.
func PlanningRegion(ags string) string {
	if len(ags) >= 5 {
		return kreise[ags[:5]].region
	}
	return ""
}

// PlanningRegions lists the four Saxon planning regions in a stable order.
func PlanningRegions() []string {
	return []string{RegionChemnitz, RegionLeipzigWestsachsen, RegionOberesElbtal, RegionOberlausitz}
}

func validRegion(s string) bool {
	for _, r := range PlanningRegions() {
		if r == s {
			return true
		}
	}
	return false
}

// ValidAGS reports whether s is an 8-digit AGS.
func ValidAGS(s string) bool { return layers.IsAGS(s) }

// allDigits reports whether s has n characters, all ASCII digits.
func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// VectorSource says how to read a vector file (GeoJSON or GeoPackage).
type VectorSource struct {
	// CRS overrides the CRS of the coordinates; 0 = as the file says, else CRS84.
	CRS crs.Code
	// Layer names the GeoPackage table; "" = the only one.
	Layer string
	// Region is the CRS84 box every position must lie in; empty means
	// crs.SaxonyLonLat unless AnyRegion is set.
	Region orb.Bound
	// AnyRegion turns the region check off.
	AnyRegion bool
}

// Options are the options of the vector readers for v, reporting errors
// with the package prefix "tables".
func (v VectorSource) Options() vector.Options {
	o := vector.Options{Pkg: pkg, CRS: v.CRS, Layer: v.Layer, Region: v.Region}
	if o.Region.IsZero() && !v.AnyRegion {
		o.Region = crs.SaxonyLonLat
	}
	if v.AnyRegion {
		o.Region = orb.Bound{}
	}
	return o
}

func region(v VectorSource) orb.Bound { return v.Options().Region }

func mustDate(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// yearEnd returns 31 December of year y, the usual reference date of
// official population figures.
func yearEnd(y int) time.Time { return time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC) }
