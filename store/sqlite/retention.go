package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// The retention schedule's batches (crm/retention.go). Each picks up to limit rows still to do
// through its partial index (migration 00019; the predicates repeat the indexes' word for
// word, which SQLite needs to use a partial index) and changes them so they leave the index:
// a row is changed once, and a second run finds nothing. One transaction per batch; the
// store's one connection runs them one at a time, so concurrent callers never meet.

// AnonymiseClosedCases anonymises up to limit cases resolved before `before`; see
// crm.CitizenStore. The version is bumped, so an agent's change read before it conflicts
// instead of writing the phone or the text back.
func (s *Store) AnonymiseClosedCases(ctx context.Context, before, now time.Time, limit int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: anonymise closed cases: %w", err)
	}
	defer rollback(tx)
	type picked struct {
		ID            int64
		Number, Phone string
	}
	// INDEXED BY: without statistics SQLite prefers cases_status, which holds every closed
	// case ever, to this range; and a query the index cannot serve fails rather than scans.
	list, err := collect(ctx, tx, `SELECT id, number, phone FROM cases INDEXED BY cases_retention
		WHERE status IN ('resolved', 'closed') AND substr(phone, 1, 7) <> 'erased:' AND resolved_at < ?
		ORDER BY resolved_at LIMIT ?`, func(r *sql.Rows, p *picked) error { return r.Scan(&p.ID, &p.Number, &p.Phone) },
		formatTimestamp(before), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: anonymise closed cases: %w", err)
	}
	if len(list) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	marker, at := crm.AnonymisedMarker, formatTimestamp(now)
	const inPicked = `(SELECT value FROM json_each(?1))`
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE case_notes SET body = ?2 WHERE case_id IN ` + inPicked, []any{jsonList(ids), marker}},
		{`UPDATE case_audit SET detail = ?2 WHERE case_id IN ` + inPicked + ` AND detail <> ''`, []any{jsonList(ids), marker}},
		{`INSERT INTO case_audit (case_id, at, actor_id, actor, action, from_value, to_value, detail)
			SELECT value, ?2, NULL, 'system', 'anonymised', '', '', '' FROM json_each(?1)`, []any{jsonList(ids), at}},
		{`UPDATE calls SET phone = ?2, recording_url = '' WHERE case_id IN ` + inPicked, []any{jsonList(ids), marker}},
		{`UPDATE cases SET phone = ?2, description = CASE WHEN description = '' THEN '' ELSE ?2 END,
			recording_url = '', version = version + 1, updated_at = ?3 WHERE id IN ` + inPicked, []any{jsonList(ids), marker, at}},
	} {
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return 0, fmt.Errorf("sqlite: anonymise closed cases: %w", err)
		}
	}
	for _, p := range list {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET phone = ?, params = '{}'
			WHERE phone = ? AND subject = ? AND status NOT IN ('queued', 'sending')`,
			marker, p.Phone, crm.CaseSubject(crm.Reference(p.Number))); err != nil {
			return 0, fmt.Errorf("sqlite: anonymise closed cases: messages: %w", err)
		}
	}
	changed, err := collect(ctx, tx, `SELECT `+caseColumns+` FROM cases WHERE id IN (SELECT value FROM json_each(?))`,
		scanCaseRow, jsonList(ids))
	if err != nil {
		return 0, fmt.Errorf("sqlite: anonymise closed cases: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: anonymise closed cases: commit: %w", err)
	}
	for _, c := range changed {
		s.announce(c)
	}
	return len(list), nil
}

// DropRecordings empties up to limit recording links of calls and up to limit of cases.
func (s *Store) DropRecordings(ctx context.Context, before time.Time, limit int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: drop recordings: %w", err)
	}
	defer rollback(tx)
	total := 0
	for _, q := range []string{
		`UPDATE calls SET recording_url = '' WHERE id IN (
			SELECT id FROM calls WHERE recording_url <> '' AND started_at < ? ORDER BY started_at LIMIT ?)`,
		`UPDATE cases SET recording_url = '' WHERE id IN (
			SELECT id FROM cases WHERE recording_url <> '' AND created_at < ? ORDER BY created_at LIMIT ?)`,
	} {
		res, err := tx.ExecContext(ctx, q, formatTimestamp(before), limit)
		if err != nil {
			return 0, fmt.Errorf("sqlite: drop recordings: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: drop recordings: %w", err)
		}
		total += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: drop recordings: commit: %w", err)
	}
	return total, nil
}

// ForgetMessageBodies empties the arguments of up to limit settled outbox rows.
func (s *Store) ForgetMessageBodies(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET params = '{}' WHERE id IN (
		SELECT id FROM outbox WHERE params <> '{}' AND created_at < ?
			AND status IN ('sent', 'failed', 'suppressed')
		ORDER BY created_at LIMIT ?)`, formatTimestamp(before), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget message bodies: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget message bodies: %w", err)
	}
	return int(n), nil
}

// ForgetAppointmentPhones replaces the phone of up to limit appointments before dayBefore, and
// of their settled outbox rows, by the marker and the reference.
func (s *Store) ForgetAppointmentPhones(ctx context.Context, dayBefore time.Time, limit int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget appointments' phones: %w", err)
	}
	defer rollback(tx)
	type picked struct{ Ref, Phone string }
	list, err := collect(ctx, tx, `SELECT ref, phone FROM appointments
		WHERE substr(phone, 1, 7) <> 'erased:' AND day < ? ORDER BY day LIMIT ?`,
		func(r *sql.Rows, p *picked) error { return r.Scan(&p.Ref, &p.Phone) }, formatDay(dayBefore), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget appointments' phones: %w", err)
	}
	for _, p := range list {
		to := crm.AnonymisedMarker + ":" + p.Ref
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET phone = ?, params = '{}'
			WHERE phone = ? AND subject = ? AND status NOT IN ('queued', 'sending')`,
			to, p.Phone, crm.AppointmentSubject(crm.Reference(p.Ref))); err != nil {
			return 0, fmt.Errorf("sqlite: forget appointments' phones: messages: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE appointments SET phone = ? WHERE ref = ?`, to, p.Ref); err != nil {
			return 0, fmt.Errorf("sqlite: forget appointments' phones: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: forget appointments' phones: commit: %w", err)
	}
	return len(list), nil
}
