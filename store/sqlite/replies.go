package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// SavedReplies lists every saved reply, by language then name.
func (s *Store) SavedReplies(ctx context.Context) ([]crm.SavedReply, error) {
	list, err := collect(ctx, s.db, `SELECT id, name, lang, body, updated_by, updated_at FROM saved_replies ORDER BY lang, name`,
		func(r *sql.Rows, x *crm.SavedReply) error {
			var at string
			if err := r.Scan(&x.ID, &x.Name, &x.Lang, &x.Body, &x.UpdatedBy, &at); err != nil {
				return err
			}
			var err error
			x.UpdatedAt, err = parseTimestamp(at)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: saved replies: %w", err)
	}
	return list, nil
}

// PutSavedReply stores r, replacing the one of the same name and language.
func (s *Store) PutSavedReply(ctx context.Context, r crm.SavedReply) (crm.SavedReply, error) {
	err := s.db.QueryRowContext(ctx, `INSERT INTO saved_replies (name, lang, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name, lang) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at
		RETURNING id`, r.Name, r.Lang, r.Body, r.UpdatedBy, formatTimestamp(r.UpdatedAt)).Scan(&r.ID)
	if err != nil {
		return crm.SavedReply{}, fmt.Errorf("sqlite: put saved reply: %w", err)
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	return r, nil
}

// DeleteSavedReply removes one.
func (s *Store) DeleteSavedReply(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM saved_replies WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete saved reply: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlite: delete saved reply %d: %w", id, crm.ErrNotFound)
	}
	return nil
}
