package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Language is the phone's remembered language, "" if none was chosen yet.
func (s *Store) Language(ctx context.Context, phone crm.Phone) (crm.Lang, error) {
	var l crm.Lang
	err := s.db.QueryRowContext(ctx, `SELECT lang FROM citizens WHERE phone = ?`, phone).Scan(&l)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: language: %w", err)
	}
	return l, nil
}

// SetLanguage remembers the phone's language, replacing an earlier choice.
func (s *Store) SetLanguage(ctx context.Context, phone crm.Phone, lang crm.Lang) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO citizens (phone, lang, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (phone) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at`,
		phone, lang, formatTimestamp(time.Now()))
	if err != nil {
		return fmt.Errorf("sqlite: set language: %w", err)
	}
	return nil
}
