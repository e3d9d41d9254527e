package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// LoginFailures reads the counts of the keys that have one.
func (s *Store) LoginFailures(ctx context.Context, keys ...string) ([]crm.LoginFailures, error) {
	rows, _ := s.pool.Query(ctx, `SELECT key, failures, first_at, last_at FROM login_failures WHERE key = ANY($1) ORDER BY key`, keys)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.LoginFailures, error) {
		var f crm.LoginFailures
		err := r.Scan(&f.Key, &f.Failures, &f.FirstAt, &f.LastAt)
		f.FirstAt, f.LastAt = f.FirstAt.UTC(), f.LastAt.UTC()
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: login failures: %w", err)
	}
	return list, nil
}

// RecordLoginFailure counts one failure in one statement, so concurrent failures all count.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at time.Time, window time.Duration) (crm.LoginFailures, error) {
	f := crm.LoginFailures{Key: key}
	err := s.pool.QueryRow(ctx, `INSERT INTO login_failures AS l (key, failures, first_at, last_at) VALUES ($1, 1, $2, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN l.first_at < $3 THEN 1 ELSE l.failures + 1 END,
			first_at = CASE WHEN l.first_at < $3 THEN $2 ELSE l.first_at END,
			last_at  = greatest(l.last_at, $2)
		RETURNING failures, first_at, last_at`, key, at, at.Add(-window)).Scan(&f.Failures, &f.FirstAt, &f.LastAt)
	if err != nil {
		return crm.LoginFailures{}, fmt.Errorf("postgres: record login failure: %w", err)
	}
	f.FirstAt, f.LastAt = f.FirstAt.UTC(), f.LastAt.UTC()
	return f, nil
}

// ClearLoginFailures forgets a key's count.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, key); err != nil {
		return fmt.Errorf("postgres: clear login failures: %w", err)
	}
	return nil
}

// ForgetLoginFailures deletes the counts whose last failure is before the given time.
func (s *Store) ForgetLoginFailures(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE last_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: forget login failures: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteExpiredTokens deletes the tokens that expired before now.
func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM tokens WHERE expires < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired tokens: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
