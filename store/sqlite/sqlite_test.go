package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/huduma-connect/huduma/store/sqlite"
	"github.com/huduma-connect/huduma/store/storetest"
)

// open gives each test its own file, in a directory Open has to create.
func open(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := storetest.Context(t)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "data", "huduma.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// Migrating an up-to-date database is a no-op, as on every restart.
func TestMigrateTwice(t *testing.T) {
	s := open(t)
	if err := s.Migrate(storetest.Context(t)); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}
