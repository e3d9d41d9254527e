package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// The retention schedule's batches (crm/retention.go). Each statement picks up to limit rows
// still to do through its partial index (migration 00019), FOR UPDATE SKIP LOCKED so that
// replicas running the schedule at once take different rows, and changes them so they leave
// the index: a row is changed once, and a second run finds nothing. The predicates repeat the
// indexes' word for word so the planner can prove they apply.

// anonymiseCasesSQL anonymises a batch of closed cases with their notes, audit details,
// calls and settled outbox rows, and adds an "anonymised" audit entry to each. Its
// sub-statements touch different rows, as one statement's data-modifying WITHs must.
var anonymiseCasesSQL = `WITH picked AS (
		SELECT id, number, phone FROM cases
		WHERE status IN ('resolved', 'closed') AND substr(phone, 1, 7) <> 'erased:' AND resolved_at < $1
		ORDER BY resolved_at LIMIT $2
		FOR UPDATE SKIP LOCKED
	), notes AS (
		UPDATE case_notes SET body = $3 WHERE case_id IN (SELECT id FROM picked)
	), audit AS (
		UPDATE case_audit SET detail = $3 WHERE case_id IN (SELECT id FROM picked) AND detail <> ''
	), logged AS (
		INSERT INTO case_audit (case_id, at, actor_id, actor, action, from_value, to_value, detail)
		SELECT id, $4, NULL, 'system', 'anonymised', '', '', '' FROM picked
	), calls AS (
		UPDATE calls SET phone = $3, recording_url = '' WHERE case_id IN (SELECT id FROM picked)
	), messages AS (
		UPDATE outbox o SET phone = $3, params = '{}' FROM picked p
		WHERE o.phone = p.phone AND o.subject = 'case:' || p.number AND o.status NOT IN ('queued', 'sending')
	)
	UPDATE cases c SET phone = $3, description = CASE WHEN c.description = '' THEN '' ELSE $3 END,
		recording_url = '', version = c.version + 1, updated_at = $4
	FROM picked p WHERE c.id = p.id`

// AnonymiseClosedCases anonymises up to limit cases resolved before `before`; see
// crm.CitizenStore. The version is bumped, so an agent's change read before it conflicts
// instead of writing the phone or the text back.
func (s *Store) AnonymiseClosedCases(ctx context.Context, before, now time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, anonymiseCasesSQL, before, limit, crm.AnonymisedMarker, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: anonymise closed cases: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// DropRecordings empties up to limit recording links of calls and up to limit of cases.
func (s *Store) DropRecordings(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `WITH calls AS (
			UPDATE calls SET recording_url = '' WHERE id IN (
				SELECT id FROM calls WHERE recording_url <> '' AND started_at < $1
				ORDER BY started_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING 1
		), cases AS (
			UPDATE cases SET recording_url = '' WHERE id IN (
				SELECT id FROM cases WHERE recording_url <> '' AND created_at < $1
				ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING 1
		)
		SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM cases)`, before, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: drop recordings: %w", err)
	}
	return n, nil
}

// ForgetMessageBodies empties the arguments of up to limit settled outbox rows.
func (s *Store) ForgetMessageBodies(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET params = '{}' WHERE id IN (
		SELECT id FROM outbox WHERE params <> '{}'::jsonb AND created_at < $1
			AND status IN ('sent', 'failed', 'suppressed')
		ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: forget message bodies: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ForgetAppointmentPhones replaces the phone of up to limit appointments before dayBefore, and
// of their settled outbox rows, by the marker and the reference.
func (s *Store) ForgetAppointmentPhones(ctx context.Context, dayBefore time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `WITH picked AS (
			SELECT ref, phone FROM appointments
			WHERE substr(phone, 1, 7) <> 'erased:' AND day < $1
			ORDER BY day LIMIT $2
			FOR UPDATE SKIP LOCKED
		), messages AS (
			UPDATE outbox o SET phone = $3 || ':' || p.ref, params = '{}' FROM picked p
			WHERE o.phone = p.phone AND o.subject = 'appointment:' || p.ref /* crm.AppointmentSubject */ AND o.status NOT IN ('queued', 'sending')
		)
		UPDATE appointments a SET phone = $3 || ':' || a.ref FROM picked p WHERE a.ref = p.ref`,
		crm.DateOf(dayBefore), limit, crm.AnonymisedMarker)
	if err != nil {
		return 0, fmt.Errorf("postgres: forget appointments' phones: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
