package transit

// Reference searches for the external tests on real feeds.
var (
	ByRounds = byRounds
	NewCSA   = newCSA
)

func (c *csa) Run(access []Access, dep Time) []Time { return c.run(access, dep) }
