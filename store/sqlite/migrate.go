package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// The migrations ship inside the binary so the file is migrated to the schema the binary
// was built for.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrate brings the schema up to date. goose has no lock for SQLite; none is needed for
// what this store is for (one process per file), and each migration runs in a transaction
// that takes the file's write lock, so a second process would fail rather than half-apply.
//
// goose runs SQL migrations on one *sql.Conn it holds throughout, never on the *sql.DB
// beside it, so it works with the store's single connection.
func (s *Store) Migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// Only our embedded files: a Go migration registered globally by some other package
	// must never run against this database (and would need a second connection).
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// Not p.Close: it would close the store's database.
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}
