package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/huduma-connect/huduma/crm"
)

// defaultCallLimit is how many calls CallsOfPhone lists when the caller does not say.
const defaultCallLimit = 50

// callColumns is the select list scanCall reads, for a query over calls (unaliased: SQLite's
// RETURNING knows the table only by its name). The case number comes along so the console
// can name the case without a second query.
const callColumns = `calls.id, calls.session_id, calls.direction, calls.phone, calls.lang,
	calls.case_id, calls.agent_id, calls.queue, calls.outcome, calls.recording_url,
	calls.duration_seconds, calls.cost, calls.hangup_cause, calls.active, calls.started_at,
	calls.ended_at, (SELECT k.number FROM cases k WHERE k.id = calls.case_id)`

func scanCall(row scanner) (crm.Call, error) {
	var (
		c                       crm.Call
		caseID, agent           sql.NullInt64
		ended, number           sql.NullString
		direction, out, started string
	)
	if err := row.Scan(&c.ID, &c.SessionID, &direction, &c.Phone, &c.Lang, &caseID, &agent, &c.Queue,
		&out, &c.RecordingURL, &c.DurationSeconds, &c.Cost, &c.HangupCause, &c.Active,
		&started, &ended, &number); err != nil {
		return crm.Call{}, err
	}
	c.Direction, c.Outcome = crm.CallDirection(direction), crm.CallOutcome(out)
	c.CaseID, c.AgentID, c.CaseNumber = caseID.Int64, agent.Int64, crm.Reference(number.String)
	var err error
	if c.StartedAt, err = parseTimestamp(started); err != nil {
		return crm.Call{}, fmt.Errorf("call %s: %w", c.SessionID, err)
	}
	if c.EndedAt, err = parseNullStamp(ended); err != nil {
		return crm.Call{}, fmt.Errorf("call %s: %w", c.SessionID, err)
	}
	return c, nil
}

func scanCallRow(r *sql.Rows, c *crm.Call) error {
	var err error
	*c, err = scanCall(r)
	return err
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
// crm.CallEvent, as the Postgres store's does. The VALUES are the row as this event alone
// would make it (CallEvent.Alone); on a known session id each column is merged from the
// stored row (calls) and that one (excluded). Timestamps compare as text in time order; MIN of
// two values is NULL when either is, hence the COALESCEs around ended_at. The store's one
// connection runs one statement at a time, so concurrent repeats merge one after another.
var recordCallSQL = func() string {
	higher := fmt.Sprintf(`CASE WHEN %s > %s THEN excluded.outcome ELSE calls.outcome END`,
		outcomeRank("excluded.outcome"), outcomeRank("calls.outcome"))
	return `INSERT INTO calls (session_id, direction, phone, lang, case_id, agent_id, queue,
		outcome, recording_url, duration_seconds, cost, hangup_cause, active, started_at, ended_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id) DO UPDATE SET
		direction = CASE WHEN calls.direction = '' THEN excluded.direction ELSE calls.direction END,
		phone = CASE WHEN calls.phone = '' THEN excluded.phone ELSE calls.phone END,
		lang = COALESCE(NULLIF(excluded.lang, ''), calls.lang),
		case_id = COALESCE(excluded.case_id, calls.case_id),
		agent_id = COALESCE(excluded.agent_id, calls.agent_id),
		queue = COALESCE(NULLIF(excluded.queue, ''), calls.queue),
		recording_url = COALESCE(NULLIF(excluded.recording_url, ''), calls.recording_url),
		duration_seconds = MAX(excluded.duration_seconds, calls.duration_seconds),
		cost = COALESCE(NULLIF(excluded.cost, ''), calls.cost),
		hangup_cause = COALESCE(NULLIF(excluded.hangup_cause, ''), calls.hangup_cause),
		active = calls.active AND excluded.active,
		started_at = MIN(calls.started_at, excluded.started_at),
		ended_at = MIN(COALESCE(calls.ended_at, excluded.ended_at), COALESCE(excluded.ended_at, calls.ended_at)),
		outcome = CASE WHEN (` + higher + `) = 'queued' AND NOT (calls.active AND excluded.active)
			THEN 'abandoned' ELSE ` + higher + ` END
	RETURNING ` + callColumns
}()

// RecordCall merges a voice callback into the call's record (see crm.CallEvent) in one
// statement. A case or agent that does not exist is crm.ErrNotFound.
func (s *Store) RecordCall(ctx context.Context, ev crm.CallEvent) (crm.Call, error) {
	v := ev.Alone()
	c, err := scanCall(s.db.QueryRowContext(ctx, recordCallSQL,
		v.SessionID, string(v.Direction), string(v.Phone), string(v.Lang), nullID(v.CaseID),
		nullID(v.AgentID), v.Queue, string(v.Outcome), v.RecordingURL, v.DurationSeconds,
		v.Cost, v.HangupCause, v.Active, formatTimestamp(v.StartedAt), nullStamp(v.EndedAt)))
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return crm.Call{}, fmt.Errorf("sqlite: record call %s: case %d or agent %d: %w", ev.SessionID, ev.CaseID, ev.AgentID, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Call{}, fmt.Errorf("sqlite: record call %s: %w", ev.SessionID, err)
	}
	return c, nil
}

// Call reads a call by its voice session id; crm.ErrNotFound if there is none.
func (s *Store) Call(ctx context.Context, sessionID string) (crm.Call, error) {
	c, err := scanCall(s.db.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls WHERE calls.session_id = ?`, sessionID))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Call{}, fmt.Errorf("sqlite: call %s: %w", sessionID, crm.ErrNotFound)
	}
	if err != nil {
		return crm.Call{}, fmt.Errorf("sqlite: call %s: %w", sessionID, err)
	}
	return c, nil
}

// CallsOfCase lists a case's calls, oldest first.
func (s *Store) CallsOfCase(ctx context.Context, caseID int64) ([]crm.Call, error) {
	list, err := collect(ctx, s.db, `SELECT `+callColumns+` FROM calls
		WHERE calls.case_id = ? ORDER BY calls.started_at, calls.id`, scanCallRow, caseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: calls of case %d: %w", caseID, err)
	}
	return list, nil
}

// CallsOfPhone lists up to limit of a phone's calls, newest first.
func (s *Store) CallsOfPhone(ctx context.Context, phone crm.Phone, limit int) ([]crm.Call, error) {
	if limit <= 0 {
		limit = defaultCallLimit
	}
	list, err := collect(ctx, s.db, `SELECT `+callColumns+` FROM calls
		WHERE calls.phone = ? ORDER BY calls.started_at DESC, calls.id DESC LIMIT ?`, scanCallRow, string(phone), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: calls of %s: %w", phone.Masked(), err)
	}
	return list, nil
}
