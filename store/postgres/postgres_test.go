package postgres_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/storetest"
)

// schema creates a schema no other test uses, dropped with everything in it when the test
// ends, and returns a URL whose connections work in it (search_path as a runtime parameter).
func schema(t *testing.T) string {
	t.Helper()
	base := storetest.DatabaseURL(t)
	name := storetest.UniqueName("crm_test")
	admin := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin(storetest.Context(t), "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// The test's context may be done by now: give the drop its own.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("database URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

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
	s := openURL(t, schema(t))
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
	url := schema(t)
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
