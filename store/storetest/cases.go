package storetest

import "testing"

// runCases is the conformance suite for users, tokens, cases and assignment.
func runCases(t *testing.T, open func(t *testing.T) Store) {
}
