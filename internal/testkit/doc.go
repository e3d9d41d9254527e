// Package testkit holds the helpers every test package shares: a fake clock, a log capture
// that fails a test on an ERROR it did not expect, Eventually for waiting on an event
// instead of sleeping, and golden files rewritten by -update.
//
// They live once here so that a fix to one (a race in a clock, a missed log level) reaches
// every package, and so that tests read alike across the tree.
package testkit
