package postgres_test

import (
	"sync"
	"testing"

	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/storetest"
)

func openURL(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(storetest.Context(t), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close) // runs before the schema's drop: cleanups run last-in first-out
	return s
}

func open(t *testing.T) *postgres.Store {
	t.Helper()
	s := openURL(t, storetest.PostgresSchema(t))
	if err := s.Migrate(storetest.Context(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// Replicas start together on a deploy and all migrate: the session lock lets one apply the
// migrations while the others wait, then find nothing to do.
func TestConcurrentMigrate(t *testing.T) {
	url := storetest.PostgresSchema(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		s := openURL(t, url)
		wg.Go(func() { errs[i] = s.Migrate(storetest.Context(t)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Migrate: %v", i, err)
		}
	}
	// And the schema works.
	s := openURL(t, url)
	if err := s.SetLanguage(storetest.Context(t), "+254712000001", "sw"); err != nil {
		t.Fatalf("SetLanguage after concurrent migrations: %v", err)
	}
}
