package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// LoginFailures reads the counts of the keys that have one.
func (s *Store) LoginFailures(ctx context.Context, keys ...string) ([]crm.LoginFailures, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	list, err := collect(ctx, s.db, `SELECT key, failures, first_at, last_at FROM login_failures
		WHERE key IN (?`+strings.Repeat(", ?", len(keys)-1)+`) ORDER BY key`,
		func(r *sql.Rows, f *crm.LoginFailures) error {
			var first, last string
			if err := r.Scan(&f.Key, &f.Failures, &first, &last); err != nil {
				return err
			}
			var err error
			if f.FirstAt, err = parseTimestamp(first); err != nil {
				return err
			}
			f.LastAt, err = parseTimestamp(last)
			return err
		}, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: login failures: %w", err)
	}
	return list, nil
}

// RecordLoginFailure counts one failure in one statement, so concurrent failures all count.
// The timestamps are text in one fixed layout, so they compare in time order.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at time.Time, window time.Duration) (crm.LoginFailures, error) {
	f := crm.LoginFailures{Key: key}
	var first, last string
	err := s.db.QueryRowContext(ctx, `INSERT INTO login_failures AS l (key, failures, first_at, last_at) VALUES (?1, 1, ?2, ?2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN l.first_at < ?3 THEN 1 ELSE l.failures + 1 END,
			first_at = CASE WHEN l.first_at < ?3 THEN ?2 ELSE l.first_at END,
			last_at  = max(l.last_at, ?2)
		RETURNING failures, first_at, last_at`, key, formatTimestamp(at), formatTimestamp(at.Add(-window))).Scan(&f.Failures, &first, &last)
	if err != nil {
		return crm.LoginFailures{}, fmt.Errorf("sqlite: record login failure: %w", err)
	}
	if f.FirstAt, err = parseTimestamp(first); err != nil {
		return crm.LoginFailures{}, err
	}
	if f.LastAt, err = parseTimestamp(last); err != nil {
		return crm.LoginFailures{}, err
	}
	return f, nil
}

// ClearLoginFailures forgets a key's count.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, key); err != nil {
		return fmt.Errorf("sqlite: clear login failures: %w", err)
	}
	return nil
}

// ForgetLoginFailures deletes the counts whose last failure is before the given time.
func (s *Store) ForgetLoginFailures(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE last_at < ?`, formatTimestamp(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget login failures: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredTokens deletes the tokens that expired before now.
func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE expires < ?`, formatTimestamp(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
