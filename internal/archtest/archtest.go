// Package archtest holds the test that enforces the dependency rule of
// docs/architecture.md: cmd → internal/* → layers → geo/*, with data/* → layers.
// The package itself has no code beyond this comment; the rule lives in
// archtest_test.go so that it runs with the rest of the suite.
package archtest
