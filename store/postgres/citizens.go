package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Language is the phone's remembered language, "" if none was chosen yet.
func (s *Store) Language(ctx context.Context, phone crm.Phone) (crm.Lang, error) {
	var l crm.Lang
	err := s.pool.QueryRow(ctx, `SELECT lang FROM citizens WHERE phone = $1`, phone).Scan(&l)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: language: %w", err)
	}
	return l, nil
}

// SetLanguage remembers the phone's language, replacing an earlier choice.
func (s *Store) SetLanguage(ctx context.Context, phone crm.Phone, lang crm.Lang) error {
	// A language preference is not something the citizen was told is done: if the server
	// crashed within the moment before its WAL reached the disk, the citizen would only be
	// asked again. So this one write does not wait for the disk (synchronous_commit off for
	// its own transaction only), sparing the language hop an fsync. Bookings, cases and
	// everything else commit synchronously.
	_, err := s.pool.Exec(ctx, `INSERT INTO citizens (phone, lang, updated_at)
		SELECT $1, $2, now() FROM (SELECT set_config('synchronous_commit', 'off', true)) AS this_transaction_only
		ON CONFLICT (phone) DO UPDATE SET lang = EXCLUDED.lang, updated_at = EXCLUDED.updated_at`, phone, lang)
	if err != nil {
		return fmt.Errorf("postgres: set language: %w", err)
	}
	return nil
}
