package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// optOutExecer is what both *sql.DB and *sql.Tx offer for a write.
type optOutExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// setOptOut records a phone's STOP (out) or START (!out). A phone that opted out already
// keeps its first time.
func setOptOut(ctx context.Context, q optOutExecer, phone crm.Phone, out bool, at time.Time) error {
	var err error
	if out {
		_, err = q.ExecContext(ctx, `INSERT INTO opt_outs (phone, at) VALUES (?, ?) ON CONFLICT (phone) DO NOTHING`,
			phone, formatTimestamp(at))
	} else {
		_, err = q.ExecContext(ctx, `DELETE FROM opt_outs WHERE phone = ?`, phone)
	}
	if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return nil
}

// OptOut records that the phone wants no non-essential messages.
func (s *Store) OptOut(ctx context.Context, phone crm.Phone, at time.Time) error {
	if err := setOptOut(ctx, s.db, phone, true, at); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// OptIn lets non-essential messages reach the phone again.
func (s *Store) OptIn(ctx context.Context, phone crm.Phone) error {
	if err := setOptOut(ctx, s.db, phone, false, time.Time{}); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// OptedOut reports whether the phone opted out of non-essential messages.
func (s *Store) OptedOut(ctx context.Context, phone crm.Phone) (bool, error) {
	var out bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM opt_outs WHERE phone = ?)`, phone).Scan(&out); err != nil {
		return false, fmt.Errorf("sqlite: opted out: %w", err)
	}
	return out, nil
}
