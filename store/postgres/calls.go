package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/huduma-connect/huduma/crm"
)

// defaultCallLimit is how many calls CallsOfPhone lists when the caller does not say.
const defaultCallLimit = 50

// callColumns is the select list scanCall reads, for a query over calls AS c. The case
// number comes along so the console can name the case without a second query.
const callColumns = `c.id, c.session_id, c.direction, c.phone, c.lang, c.case_id, c.agent_id,
	c.queue, c.outcome, c.recording_url, c.duration_seconds, c.cost, c.hangup_cause, c.active,
	c.started_at, c.ended_at, (SELECT k.number FROM cases k WHERE k.id = c.case_id)`

func scanCall(row pgx.Row) (crm.Call, error) {
	var (
		c              crm.Call
		caseID, agent  *int64
		ended          *time.Time
		number         *string
		direction, out string
	)
	err := row.Scan(&c.ID, &c.SessionID, &direction, &c.Phone, &c.Lang, &caseID, &agent, &c.Queue,
		&out, &c.RecordingURL, &c.DurationSeconds, &c.Cost, &c.HangupCause, &c.Active,
		&c.StartedAt, &ended, &number)
	if err != nil {
		return crm.Call{}, err
	}
	c.Direction, c.Outcome = crm.CallDirection(direction), crm.CallOutcome(out)
	c.CaseID, c.AgentID = idOrZero(caseID), idOrZero(agent)
	c.CaseNumber = crm.Reference(textOrEmpty(number))
	c.StartedAt, c.EndedAt = c.StartedAt.UTC(), timeOrZero(ended)
	return c, nil
}

// outcomeRank is crm.CallOutcome.Rank as SQL over the outcome in col, built from the domain's
// list so the two cannot drift apart.
func outcomeRank(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, o := range crm.CallOutcomes {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", o, o.Rank())
	}
	b.WriteString(" END")
	return b.String()
}

// recordCallSQL merges one callback into the call's row in one statement, by the rules of
// crm.CallEvent. The VALUES are the row as this event alone would make it (CallEvent.Alone);
// on a known session id each column is merged from the stored row (c) and that one
// (excluded). ON CONFLICT takes the row lock, so concurrent repeats of one callback queue up
// on it and each merges into what the one before left: one row, the same whatever the order.
var recordCallSQL = func() string {
	higher := fmt.Sprintf(`CASE WHEN %s > %s THEN excluded.outcome ELSE c.outcome END`,
		outcomeRank("excluded.outcome"), outcomeRank("c.outcome"))
	return `INSERT INTO calls AS c (session_id, direction, phone, lang, case_id, agent_id, queue,
		outcome, recording_url, duration_seconds, cost, hangup_cause, active, started_at, ended_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT ON CONSTRAINT calls_session_id_key DO UPDATE SET
		direction = CASE WHEN c.direction = '' THEN excluded.direction ELSE c.direction END,
		phone = CASE WHEN c.phone = '' THEN excluded.phone ELSE c.phone END,
		lang = COALESCE(NULLIF(excluded.lang, ''), c.lang),
		case_id = COALESCE(excluded.case_id, c.case_id),
		agent_id = COALESCE(excluded.agent_id, c.agent_id),
		queue = COALESCE(NULLIF(excluded.queue, ''), c.queue),
		recording_url = COALESCE(NULLIF(excluded.recording_url, ''), c.recording_url),
		duration_seconds = GREATEST(excluded.duration_seconds, c.duration_seconds),
		cost = COALESCE(NULLIF(excluded.cost, ''), c.cost),
		hangup_cause = COALESCE(NULLIF(excluded.hangup_cause, ''), c.hangup_cause),
		active = c.active AND excluded.active,
		started_at = LEAST(c.started_at, excluded.started_at),
		ended_at = LEAST(c.ended_at, excluded.ended_at),
		outcome = CASE WHEN (` + higher + `) = 'queued' AND NOT (c.active AND excluded.active)
			THEN 'abandoned' ELSE ` + higher + ` END
	RETURNING ` + callColumns
}()

// RecordCall merges a voice callback into the call's record (see crm.CallEvent) in one
// statement. A case or agent that does not exist is crm.ErrNotFound.
func (s *Store) RecordCall(ctx context.Context, ev crm.CallEvent) (crm.Call, error) {
	v := ev.Alone()
	c, err := scanCall(s.pool.QueryRow(ctx, recordCallSQL,
		v.SessionID, string(v.Direction), string(v.Phone), string(v.Lang), idOrNull(v.CaseID),
		idOrNull(v.AgentID), v.Queue, string(v.Outcome), v.RecordingURL, v.DurationSeconds,
		v.Cost, v.HangupCause, v.Active, v.StartedAt, timeOrNull(v.EndedAt)))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return crm.Call{}, fmt.Errorf("postgres: record call %s: case %d or agent %d: %w", ev.SessionID, ev.CaseID, ev.AgentID, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Call{}, fmt.Errorf("postgres: record call %s: %w", ev.SessionID, err)
	}
	return c, nil
}

// Call reads a call by its voice session id; crm.ErrNotFound if there is none.
func (s *Store) Call(ctx context.Context, sessionID string) (crm.Call, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `SELECT `+callColumns+` FROM calls c WHERE c.session_id = $1`, sessionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Call{}, fmt.Errorf("postgres: call %s: %w", sessionID, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Call{}, fmt.Errorf("postgres: call %s: %w", sessionID, err)
	}
	return c, nil
}

// CallsOfCase lists a case's calls, oldest first.
func (s *Store) CallsOfCase(ctx context.Context, caseID int64) ([]crm.Call, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+callColumns+` FROM calls c
		WHERE c.case_id = $1 ORDER BY c.started_at, c.id`, caseID)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Call, error) { return scanCall(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: calls of case %d: %w", caseID, err)
	}
	return list, nil
}

// CallsOfPhone lists up to limit of a phone's calls, newest first.
func (s *Store) CallsOfPhone(ctx context.Context, phone crm.Phone, limit int) ([]crm.Call, error) {
	if limit <= 0 {
		limit = defaultCallLimit
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+callColumns+` FROM calls c
		WHERE c.phone = $1 ORDER BY c.started_at DESC, c.id DESC LIMIT $2`, string(phone), limit)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Call, error) { return scanCall(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: calls of %s: %w", phone.Masked(), err)
	}
	return list, nil
}
