// Package realstore opens the real record stores, SQLite and Postgres, for the tests of the
// packages above them (crm, console, sms): one table of store kinds instead of a copy in each
// package. It lives apart from storetest because the sqlite package's own tests import
// storetest, and storetest importing sqlite would be a cycle.
package realstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/sqlite"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Store is a record store as tests use it: the domain's Store plus schema and seeding.
type Store interface {
	crm.Store
	Migrate(ctx context.Context) error
	Seed(ctx context.Context, d crm.RefData) error
}

// Kind is one kind of real store.
type Kind struct {
	Name string
	open func(t testing.TB) Store
}

// Kinds are the stores every cross-package test runs against: SQLite in a temporary file,
// Postgres in a schema of its own (which fails under CI=true when Postgres is unreachable,
// as storetest.DatabaseURL does).
var Kinds = []Kind{
	{"sqlite", func(t testing.TB) Store {
		s, err := sqlite.Open(storetest.Context(t), filepath.Join(t.TempDir(), "huduma.db"))
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(s.Close)
		return s
	}},
	{"postgres", func(t testing.TB) Store {
		s, err := postgres.Open(storetest.Context(t), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(s.Close)
		return s
	}},
}

// Open opens a fresh, migrated, empty store of this kind, closed when the test ends.
func (k Kind) Open(t testing.TB) Store {
	t.Helper()
	s := k.open(t)
	if err := s.Migrate(storetest.Context(t)); err != nil {
		t.Fatalf("migrate %s: %v", k.Name, err)
	}
	return s
}

// OpenSeeded is Open with the embedded reference data (centres, services, holidays) loaded.
func (k Kind) OpenSeeded(t testing.TB) Store {
	t.Helper()
	s := k.Open(t)
	data, err := crm.DefaultRefData()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(storetest.Context(t), data); err != nil {
		t.Fatalf("seed %s: %v", k.Name, err)
	}
	return s
}
