package analysis

// muniClass is the classification of one municipality as the engine uses
// it: computed DEGURBA class (1 cities, 2 towns and suburbs, 3 rural areas;
// 0 unknown), thinly populated, structurally weak.
type muniClass struct {
	degurba    int
	thin, weak bool
}

// classInfo holds the classification of every municipality by AGS.
type classInfo struct {
	by map[string]muniClass
}

// of returns the class of the municipality with ags (the zero class when
// unknown).
func (c classInfo) of(ags string) muniClass { return c.by[ags] }
