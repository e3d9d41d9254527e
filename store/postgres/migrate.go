package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// The migrations ship inside the binary so a replica migrates the schema it was built for.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrate brings the schema up to date. Replicas start at the same time on a deploy, so the
// migrations run under a Postgres session advisory lock: one replica migrates, the others wait
// and then find nothing left to do. Tables go into the first schema on the connection's
// search_path.
func (s *Store) Migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	// A fresh locker per run: its retry budget is stateful. Probing every second (goose's
	// default is five) keeps a replica that lost the race from idling long after the winner
	// is done; 300 probes still allow five minutes for a slow migration.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	// The *sql.DB borrows connections from our pool; closing it leaves the pool open.
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir,
		goose.WithSessionLocker(locker),
		// Only our embedded files: a Go migration registered globally by some other package
		// must never run against this schema.
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}
