package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// RecordInbound records a citizen's SMS, its opt-out choice and its replies in one
// transaction. A message whose id is recorded already inserts nothing, and then nothing else
// is written.
func (s *Store) RecordInbound(ctx context.Context, in crm.Inbound) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: record inbound: %w", err)
	}
	defer rollback(tx)

	res, err := tx.ExecContext(ctx, `INSERT INTO inbound_messages (id, phone, text, sent_at, received_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		in.ID, in.Phone, in.Text, nullStamp(in.SentAt), formatTimestamp(in.ReceivedAt))
	if err != nil {
		return false, fmt.Errorf("sqlite: record inbound: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if in.OptOut != nil {
		if err := setOptOut(ctx, tx, in.Phone, *in.OptOut, in.ReceivedAt); err != nil {
			return false, fmt.Errorf("sqlite: record inbound: %w", err)
		}
	}
	if err := insertNotifications(ctx, tx, in.ReceivedAt, in.Replies); err != nil {
		return false, fmt.Errorf("sqlite: record inbound: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: record inbound: commit: %w", err)
	}
	return true, nil
}

// InboundSeen reports whether a message with this id is recorded.
func (s *Store) InboundSeen(ctx context.Context, id string) (bool, error) {
	var seen bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE id = ?)`, id).Scan(&seen); err != nil {
		return false, fmt.Errorf("sqlite: inbound seen: %w", err)
	}
	return seen, nil
}

// ForgetInbound deletes up to limit messages received before `before`, oldest first, through
// the index on received_at (migration 00008).
func (s *Store) ForgetInbound(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM inbound_messages WHERE id IN (
		SELECT id FROM inbound_messages WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
		formatTimestamp(before), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget inbound: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget inbound: %w", err)
	}
	return int(n), nil
}
