package storetest

import "testing"

// runRequests is the conformance suite for tracked requests, agencies and the outbox.
func runRequests(t *testing.T, open func(t *testing.T) Store) {
}
