package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// SavedReplies lists every saved reply, by language then name.
func (s *Store) SavedReplies(ctx context.Context) ([]crm.SavedReply, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, lang, body, updated_by, updated_at FROM saved_replies ORDER BY lang, name`)
	if err != nil {
		return nil, fmt.Errorf("postgres: saved replies: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.SavedReply, error) {
		var x crm.SavedReply
		err := r.Scan(&x.ID, &x.Name, &x.Lang, &x.Body, &x.UpdatedBy, &x.UpdatedAt)
		x.UpdatedAt = x.UpdatedAt.UTC()
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: saved replies: %w", err)
	}
	return list, nil
}

// PutSavedReply stores r, replacing the one of the same name and language.
func (s *Store) PutSavedReply(ctx context.Context, r crm.SavedReply) (crm.SavedReply, error) {
	err := s.pool.QueryRow(ctx, `INSERT INTO saved_replies (name, lang, body, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name, lang) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at
		RETURNING id`, r.Name, r.Lang, r.Body, r.UpdatedBy, r.UpdatedAt).Scan(&r.ID)
	if err != nil {
		return crm.SavedReply{}, fmt.Errorf("postgres: put saved reply: %w", err)
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	return r, nil
}

// DeleteSavedReply removes one.
func (s *Store) DeleteSavedReply(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM saved_replies WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete saved reply: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete saved reply %d: %w", id, crm.ErrNotFound)
	}
	return nil
}
