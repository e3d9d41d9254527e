package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/huduma-connect/huduma/crm"
)

// Timeline reads a case's audit trail and notes, each oldest first, in one transaction, so
// a note and the audit entry written with it appear together or not at all. An unknown
// case is crm.ErrNotFound.
func (s *Store) Timeline(ctx context.Context, id int64) ([]crm.AuditEntry, []crm.Note, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: case timeline: %w", err)
	}
	defer rollback(tx)

	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)`, id).Scan(&exists); err != nil {
		return nil, nil, fmt.Errorf("sqlite: case timeline: %w", err)
	}
	if !exists {
		return nil, nil, fmt.Errorf("sqlite: case timeline %d: %w", id, crm.ErrNotFound)
	}
	audit, err := collect(ctx, tx, `SELECT id, case_id, at, actor_id, actor, action, from_value, to_value, detail, request_key
		FROM case_audit WHERE case_id = ? ORDER BY at, id`,
		func(r *sql.Rows, a *crm.AuditEntry) error {
			var at string
			var actor sql.NullInt64
			if err := r.Scan(&a.ID, &a.CaseID, &at, &actor, &a.Actor, &a.Action, &a.From, &a.To, &a.Detail, &a.RequestKey); err != nil {
				return err
			}
			a.ActorID = actor.Int64
			var err error
			a.At, err = parseTimestamp(at)
			return err
		}, id)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: case timeline: audit: %w", err)
	}
	notes, err := collect(ctx, tx, `SELECT id, case_id, author_id, author, body, reply, at
		FROM case_notes WHERE case_id = ? ORDER BY at, id`, scanNoteRow, id)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: case timeline: notes: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("sqlite: case timeline: %w", err)
	}
	return audit, notes, nil
}

// scanAuditRow reads an audit entry selected as id, case_id, at, actor_id, actor, action,
// from_value, to_value, detail.
func scanAuditRow(r *sql.Rows, a *crm.AuditEntry) error {
	var at string
	var actor sql.NullInt64
	if err := r.Scan(&a.ID, &a.CaseID, &at, &actor, &a.Actor, &a.Action, &a.From, &a.To, &a.Detail); err != nil {
		return err
	}
	a.ActorID = actor.Int64
	var err error
	a.At, err = parseTimestamp(at)
	return err
}

// scanNoteRow reads a note selected as id, case_id, author_id, author, body, reply, at.
func scanNoteRow(r *sql.Rows, n *crm.Note) error {
	var at string
	var author sql.NullInt64
	if err := r.Scan(&n.ID, &n.CaseID, &author, &n.Author, &n.Body, &n.Reply, &at); err != nil {
		return err
	}
	n.AuthorID = author.Int64
	var err error
	n.At, err = parseTimestamp(at)
	return err
}
