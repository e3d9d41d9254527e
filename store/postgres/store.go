// Package postgres is the production crm.Store: PostgreSQL through a pgx connection pool.
//
// Every method runs in one transaction, so when it returns without error the change is
// committed and a channel may tell the citizen. The one exception is a citizen's language
// choice, written in batches a few milliseconds later (see languageWriter). Places are
// counted in slot rows that booking increments with one conditional upsert, so concurrent
// bookings of the last place serialise on that row's lock instead of on anything wider, and
// the CHECK on the row makes overbooking impossible even for a buggy caller.
package postgres

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/huduma-connect/huduma/crm"
)

// Store is a crm.Store on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool  *pgxpool.Pool
	langs *languageWriter
	feed  *caseFeed
}

var _ crm.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or key=value DSN; pgxpool's
// pool_* parameters and runtime parameters such as search_path are honoured) and checks
// that it answers, so a wrong URL fails at start-up rather than on a citizen's first hop.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn masks the password in the URL it quotes.
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: ping: %w", err)
	}
	return &Store{pool: pool, langs: newLanguageWriter(pool, slog.Default()), feed: newCaseFeed()}, nil
}

// Close writes the language choices not yet written and closes every connection; the store
// must not be used afterwards.
func (s *Store) Close() {
	s.feed.close()
	s.langs.close()
	s.pool.Close()
}

// Ping checks that the database answers, for the health check.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// querier is what both the pool and a transaction offer, so a read can run inside or
// outside a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// rollback ends a transaction that did not commit. Its error is dropped on purpose: after a
// commit it is pgx.ErrTxClosed, and after a failure the caller already has the error that
// matters.
func rollback(ctx context.Context, tx pgx.Tx) { _ = tx.Rollback(context.WithoutCancel(ctx)) }
