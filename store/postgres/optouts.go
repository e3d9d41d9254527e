package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/huduma-connect/huduma/crm"
)

// optOutExecer is what both the pool and a transaction offer for a write.
type optOutExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// setOptOut records a phone's STOP (out) or START (!out). A phone that opted out already
// keeps its first time.
func setOptOut(ctx context.Context, q optOutExecer, phone crm.Phone, out bool, at time.Time) error {
	var err error
	if out {
		_, err = q.Exec(ctx, `INSERT INTO opt_outs (phone, at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING`, phone, at)
	} else {
		_, err = q.Exec(ctx, `DELETE FROM opt_outs WHERE phone = $1`, phone)
	}
	if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return nil
}

// OptOut records that the phone wants no non-essential messages.
func (s *Store) OptOut(ctx context.Context, phone crm.Phone, at time.Time) error {
	if err := setOptOut(ctx, s.pool, phone, true, at); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// OptIn lets non-essential messages reach the phone again.
func (s *Store) OptIn(ctx context.Context, phone crm.Phone) error {
	if err := setOptOut(ctx, s.pool, phone, false, time.Time{}); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// OptedOut reports whether the phone opted out of non-essential messages.
func (s *Store) OptedOut(ctx context.Context, phone crm.Phone) (bool, error) {
	var out bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM opt_outs WHERE phone = $1)`, phone).Scan(&out); err != nil {
		return false, fmt.Errorf("postgres: opted out: %w", err)
	}
	return out, nil
}
