package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// RecordInbound records a citizen's SMS, its opt-out choice and its replies in one
// transaction. The insert of the message is conditional on its id: a message recorded
// already (or being recorded by a concurrent request, which the primary key makes this one
// wait for) inserts nothing, and then nothing else is written.
func (s *Store) RecordInbound(ctx context.Context, in crm.Inbound) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: record inbound: %w", err)
	}
	defer rollback(ctx, tx)

	tag, err := tx.Exec(ctx, `INSERT INTO inbound_messages (id, phone, text, sent_at, received_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
		in.ID, in.Phone, in.Text, timeOrNull(in.SentAt), in.ReceivedAt)
	if err != nil {
		return false, fmt.Errorf("postgres: record inbound: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if in.OptOut != nil {
		if err := setOptOut(ctx, tx, in.Phone, *in.OptOut, in.ReceivedAt); err != nil {
			return false, fmt.Errorf("postgres: record inbound: %w", err)
		}
	}
	if err := insertNotifications(ctx, tx, in.ReceivedAt, in.Replies); err != nil {
		return false, fmt.Errorf("postgres: record inbound: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: record inbound: commit: %w", err)
	}
	return true, nil
}

// InboundSeen reports whether a message with this id is recorded.
func (s *Store) InboundSeen(ctx context.Context, id string) (bool, error) {
	var seen bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE id = $1)`, id).Scan(&seen); err != nil {
		return false, fmt.Errorf("postgres: inbound seen: %w", err)
	}
	return seen, nil
}

// ForgetInbound deletes up to limit messages received before `before`, oldest first, through
// the index on received_at (migration 00008).
func (s *Store) ForgetInbound(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM inbound_messages WHERE id IN (
		SELECT id FROM inbound_messages WHERE received_at < $1 ORDER BY received_at LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: forget inbound: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
