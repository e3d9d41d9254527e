package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Timeline reads a case's audit trail and notes, each oldest first. It reads both in one
// snapshot (REPEATABLE READ), so a note and the audit entry written with it appear
// together or not at all. An unknown case is crm.ErrNotFound.
func (s *Store) Timeline(ctx context.Context, id int64) ([]crm.AuditEntry, []crm.Note, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: case timeline: %w", err)
	}
	defer rollback(ctx, tx)

	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)`, id).Scan(&exists); err != nil {
		return nil, nil, fmt.Errorf("postgres: case timeline: %w", err)
	}
	if !exists {
		return nil, nil, fmt.Errorf("postgres: case timeline %d: %w", id, crm.ErrNotFound)
	}
	rows, _ := tx.Query(ctx, `SELECT id, case_id, at, actor_id, actor, action, from_value, to_value, detail, request_key
		FROM case_audit WHERE case_id = $1 ORDER BY at, id`, id)
	audit, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.AuditEntry, error) {
		var a crm.AuditEntry
		var actor *int64
		err := r.Scan(&a.ID, &a.CaseID, &a.At, &actor, &a.Actor, &a.Action, &a.From, &a.To, &a.Detail, &a.RequestKey)
		a.At, a.ActorID = a.At.UTC(), idOrZero(actor)
		return a, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: case timeline: audit: %w", err)
	}
	rows, _ = tx.Query(ctx, `SELECT id, case_id, author_id, author, body, reply, at
		FROM case_notes WHERE case_id = $1 ORDER BY at, id`, id)
	notes, err := pgx.CollectRows(rows, scanNote)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: case timeline: notes: %w", err)
	}
	return audit, notes, nil
}

// scanAudit reads an audit entry selected as id, case_id, at, actor_id, actor, action,
// from_value, to_value, detail.
func scanAudit(r pgx.CollectableRow) (crm.AuditEntry, error) {
	var a crm.AuditEntry
	var actor *int64
	err := r.Scan(&a.ID, &a.CaseID, &a.At, &actor, &a.Actor, &a.Action, &a.From, &a.To, &a.Detail)
	a.At, a.ActorID = a.At.UTC(), idOrZero(actor)
	return a, err
}

// scanNote reads a note selected as id, case_id, author_id, author, body, reply, at.
func scanNote(r pgx.CollectableRow) (crm.Note, error) {
	var n crm.Note
	var author *int64
	var at time.Time
	err := r.Scan(&n.ID, &n.CaseID, &author, &n.Author, &n.Body, &n.Reply, &at)
	n.At, n.AuthorID = at.UTC(), idOrZero(author)
	return n, err
}
