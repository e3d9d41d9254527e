package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// AssignNext assigns c, read at c.Version, round-robin to the next agent of its queue who
// speaks its language and holds fewer than limit open cases, in one transaction.
//
// The cap holds across replicas because whoever assigns to an agent holds that agent's row
// lock until commit, and counts the agent's open cases only after taking the lock: by then
// every earlier assignment to that agent is committed and counted. Candidates are locked
// with SKIP LOCKED, so concurrent assignments spread over the agents instead of queueing on
// the first; only when every candidate is locked does a call wait for one. A candidate found
// at the cap is let go again (its lock was taken in a savepoint that is rolled back), so a
// call holds at most one agent's lock at a time and two calls cannot deadlock on agents.
//
// The case row is locked first, so a concurrent change to the case waits, and a concurrent
// assignment of the same case finds the version moved: crm.ErrConflict.
//
// Before any of that, one read asks whether anyone could take the case at all (anyCandidate):
// when nobody is on shift, or everyone is at the cap, a complaint's hop and the sweep are
// answered crm.ErrNoAgent in one round trip instead of a transaction of seven.
func (s *Store) AssignNext(ctx context.Context, c crm.Case, limit int, now time.Time) (crm.Case, crm.User, error) {
	role, queue, ok := assigneeKind(c)
	if !ok {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, crm.ErrNoAgent)
	}
	var anyone bool
	if err := s.pool.QueryRow(ctx, anyCandidate, role, queue, c.Lang, int64(limit)).Scan(&anyone); err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: look for agents: %w", c.ID, err)
	}
	if !anyone {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, crm.ErrNoAgent)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case: %w", err)
	}
	defer rollback(ctx, tx)

	var version int
	err = tx.QueryRow(ctx, `SELECT version FROM cases WHERE id = $1 FOR UPDATE`, c.ID).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, err)
	}
	if version != c.Version {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, crm.ErrConflict)
	}
	u, err := pickAgent(ctx, tx, c, limit)
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, err)
	}
	u, err = scanUser(tx.QueryRow(ctx, `UPDATE users AS u SET last_assigned_at = $2 WHERE u.id = $1
		RETURNING `+userColumns, u.ID, now))
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: mark agent: %w", c.ID, err)
	}
	c.AssigneeID, c.UpdatedAt = u.ID, now
	if c.Status == crm.CaseNew {
		c.Status = crm.CaseAssigned
	}
	got, err := updateCase(ctx, tx, c)
	if err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, err)
	}
	audit := crm.AuditEntry{Actor: "system", Action: "assigned", To: u.Username}
	if err := insertAudit(ctx, tx, got.ID, got.UpdatedAt, []crm.AuditEntry{audit}); err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: %w", c.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Case{}, crm.User{}, fmt.Errorf("postgres: assign case %d: commit: %w", c.ID, err)
	}
	return got, u, nil
}

// candidateQuery selects the next qualifying agent in round-robin order (never assigned
// first, then assigned longest ago, then lowest ID) and locks their row. $4 lists agents
// already found at the cap, to pass over. The count in the WHERE comes from the statement's
// snapshot and only narrows the search; pickAgent counts again once it holds the lock.
const candidateQuery = `SELECT ` + userColumns + ` FROM users u
	WHERE u.available AND NOT u.disabled AND u.role = $1 AND ($2 = '' OR u.queue = $2)
	  AND $3 = ANY (string_to_array(u.langs, ','))
	  AND u.id <> ALL ($4)
	  AND (SELECT count(*) FROM cases c
	       WHERE c.assignee_id = u.id AND c.status IN ` + openStatuses + `) < $5
	ORDER BY u.last_assigned_at NULLS FIRST, u.id
	LIMIT 1
	FOR UPDATE OF u`

// anyCandidate says, from the statement's snapshot and without locking, whether any agent
// could take a case of a role, queue and language under the cap. A false "yes" costs only the
// transaction that finds out; a false "no" (an agent freed in the same instant) leaves the
// case to the next sweep.
const anyCandidate = `SELECT EXISTS (SELECT FROM users u
	WHERE u.available AND NOT u.disabled AND u.role = $1 AND ($2 = '' OR u.queue = $2)
	  AND $3 = ANY (string_to_array(u.langs, ','))
	  AND (SELECT count(*) FROM cases c
	       WHERE c.assignee_id = u.id AND c.status IN ` + openStatuses + `) < $4)`

// assigneeKind is who works a case: the role, and the queue ("" matches any queue).
func assigneeKind(c crm.Case) (crm.Role, crm.Queue, bool) {
	switch c.Queue {
	case crm.QueueGeneral:
		return crm.RoleAgent, crm.QueueGeneral, true
	case crm.QueueIntegrity:
		return crm.RoleIntegrityOfficer, "", true
	}
	return "", "", false
}

// pickAgent finds and locks the agent c goes to; crm.ErrNoAgent when nobody qualifies.
func pickAgent(ctx context.Context, tx pgx.Tx, c crm.Case, limit int) (crm.User, error) {
	role, queue, ok := assigneeKind(c)
	if !ok {
		return crm.User{}, crm.ErrNoAgent
	}
	full := []int64{} // not nil: a NULL array would make "<> ALL" reject everyone
	for {
		u, ok, err := lockCandidate(ctx, tx, role, queue, c.Lang, full, limit)
		if err != nil || ok {
			return u, err
		}
		if u.ID == 0 {
			return crm.User{}, crm.ErrNoAgent
		}
		full = append(full, u.ID)
	}
}

// lockCandidate locks the next candidate in a savepoint and counts their open cases. Under
// the cap it keeps the lock and returns ok; at the cap it rolls the savepoint back, which
// lets the row go, and returns the user so the caller passes over them. A zero user means
// there is no candidate left.
func lockCandidate(ctx context.Context, tx pgx.Tx, role crm.Role, queue crm.Queue, lang crm.Lang, full []int64, limit int) (crm.User, bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return crm.User{}, false, fmt.Errorf("savepoint: %w", err)
	}
	defer rollback(ctx, sp)
	args := []any{role, queue, lang, full, int64(limit)}
	u, err := scanUser(sp.QueryRow(ctx, candidateQuery+` SKIP LOCKED`, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		// Every candidate left is being assigned right now: wait for the first.
		u, err = scanUser(sp.QueryRow(ctx, candidateQuery, args...))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.User{}, false, nil
	}
	if err != nil {
		return crm.User{}, false, fmt.Errorf("find agent: %w", err)
	}
	var open int
	if err := sp.QueryRow(ctx, `SELECT count(*) FROM cases
		WHERE assignee_id = $1 AND status IN `+openStatuses, u.ID).Scan(&open); err != nil {
		return crm.User{}, false, fmt.Errorf("count agent's open cases: %w", err)
	}
	if open >= limit {
		return u, false, nil // the deferred rollback to the savepoint lets the row go
	}
	if err := sp.Commit(ctx); err != nil {
		return crm.User{}, false, fmt.Errorf("release savepoint: %w", err)
	}
	return u, true, nil
}
