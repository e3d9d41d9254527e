package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// AssignNext assigns c, read at c.Version, round-robin to the next agent of its queue who
// speaks its language and holds fewer than limit open cases, in one transaction. The
// store's transactions never overlap (see Store), so the count of an agent's open cases
// cannot change between reading it and assigning: the cap needs no locks here.
func (s *Store) AssignNext(ctx context.Context, c crm.Case, limit int, now time.Time) (crm.Case, crm.User, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case: %w", err)
	}
	defer rollback(tx)

	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM cases WHERE id = ?`, c.ID).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: %w", c.ID, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: %w", c.ID, err)
	}
	if version != c.Version {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: %w", c.ID, crm.ErrConflict)
	}
	u, err := pickAgent(ctx, tx, c, limit)
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET last_assigned_at = ? WHERE id = ?`,
		formatTimestamp(now), u.ID); err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: mark agent: %w", c.ID, err)
	}
	u.LastAssignedAt = now.UTC().Truncate(time.Microsecond) // what the column keeps
	c.AssigneeID, c.UpdatedAt = u.ID, now
	if c.Status == crm.CaseNew {
		c.Status = crm.CaseAssigned
	}
	got, err := updateCase(ctx, tx, c)
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: %w", c.ID, err)
	}
	audit := crm.AuditEntry{Actor: "system", Action: "assigned", To: u.Username}
	if err := insertAudit(ctx, tx, got.ID, got.UpdatedAt, []crm.AuditEntry{audit}); err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: %w", c.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("sqlite: assign case %d: commit: %w", c.ID, err)
	}
	s.announce(got)
	return got, u, nil
}

// pickAgent finds the agent c goes to: among the available users of c's queue who speak
// its language and hold fewer than limit open cases, the one never assigned, else assigned
// longest ago, then the lowest ID. crm.ErrNoAgent when nobody qualifies.
func pickAgent(ctx context.Context, tx *sql.Tx, c crm.Case, limit int) (crm.User, error) {
	var role crm.Role
	var queue crm.Queue // "" matches any queue
	switch c.Queue {
	case crm.QueueGeneral:
		role, queue = crm.RoleAgent, crm.QueueGeneral
	case crm.QueueIntegrity:
		role = crm.RoleIntegrityOfficer
	default:
		return crm.User{}, crm.ErrNoAgent
	}
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.available AND NOT u.disabled AND u.role = ?1 AND (?2 = '' OR u.queue = ?2)
		  AND instr(',' || u.langs || ',', ',' || ?3 || ',') > 0 AND ?3 <> ''
		  AND (SELECT count(*) FROM cases c
		       WHERE c.assignee_id = u.id AND c.status IN `+openStatuses+`) < ?4
		ORDER BY u.last_assigned_at NULLS FIRST, u.id
		LIMIT 1`, string(role), string(queue), string(c.Lang), limit))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.User{}, crm.ErrNoAgent
	}
	if err != nil {
		return crm.User{}, fmt.Errorf("find agent: %w", err)
	}
	return u, nil
}
