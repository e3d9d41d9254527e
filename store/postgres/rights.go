package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// The citizen's rights under the Data Protection Act (crm/rights.go): everything held about a
// phone in one snapshot, its erasure in one transaction, the record of erasures, and a scan of
// every text column for what an erasure must have left nowhere.

// CitizenRecords reads everything held about phone in one read-only REPEATABLE READ
// transaction, so the copy is of one moment. The language choices this process has not
// written yet are written first.
func (s *Store) CitizenRecords(ctx context.Context, phone crm.Phone) (crm.CitizenRecords, error) {
	if err := s.flushLanguages(ctx); err != nil {
		return crm.CitizenRecords{}, err
	}
	rec := crm.CitizenRecords{Phone: phone}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var at time.Time
		err := tx.QueryRow(ctx, `SELECT lang, updated_at FROM citizens WHERE phone = $1`, phone).Scan(&rec.Lang, &at)
		switch {
		case err == nil:
			rec.LangSetAt = at.UTC()
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("language: %w", err)
		}
		err = tx.QueryRow(ctx, `SELECT at FROM opt_outs WHERE phone = $1`, phone).Scan(&at)
		switch {
		case err == nil:
			rec.OptedOutAt = at.UTC()
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("opt-out: %w", err)
		}

		rows, _ := tx.Query(ctx, `SELECT `+appointmentColumns+` FROM appointments WHERE phone = $1
			ORDER BY day, start_min, ref`, phone)
		if rec.Appointments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Appointment, error) { return scanAppointment(r) }); err != nil {
			return fmt.Errorf("appointments: %w", err)
		}

		rows, _ = tx.Query(ctx, `SELECT ref FROM requests WHERE phone = $1 ORDER BY created_at, ref`, phone)
		refs, err := pgx.CollectRows(rows, pgx.RowTo[crm.Reference])
		if err != nil {
			return fmt.Errorf("requests: %w", err)
		}
		for _, ref := range refs {
			r, err := readRequest(ctx, tx, ref)
			if err != nil {
				return fmt.Errorf("request %s: %w", ref, err)
			}
			rec.Requests = append(rec.Requests, r)
		}

		rows, _ = tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE phone = $1 ORDER BY created_at, id`, phone)
		if rec.Cases, err = collectCases(rows); err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		ids := make([]int64, len(rec.Cases))
		for i, c := range rec.Cases {
			ids[i] = c.ID
		}
		rows, _ = tx.Query(ctx, `SELECT id, case_id, author_id, author, body, reply, at
			FROM case_notes WHERE case_id = ANY($1) ORDER BY at, id`, ids)
		if rec.Notes, err = pgx.CollectRows(rows, scanNote); err != nil {
			return fmt.Errorf("case notes: %w", err)
		}
		rows, _ = tx.Query(ctx, `SELECT id, case_id, at, actor_id, actor, action, from_value, to_value, detail
			FROM case_audit WHERE case_id = ANY($1) ORDER BY at, id`, ids)
		if rec.Audit, err = pgx.CollectRows(rows, scanAudit); err != nil {
			return fmt.Errorf("case audit: %w", err)
		}

		rows, _ = tx.Query(ctx, `SELECT id, phone, text, sent_at, received_at FROM inbound_messages
			WHERE phone = $1 ORDER BY received_at, id`, phone)
		if rec.Inbound, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Inbound, error) {
			var in crm.Inbound
			var sent *time.Time
			err := r.Scan(&in.ID, &in.Phone, &in.Text, &sent, &in.ReceivedAt)
			in.SentAt, in.ReceivedAt = timeOrZero(sent), in.ReceivedAt.UTC()
			return in, err
		}); err != nil {
			return fmt.Errorf("inbound messages: %w", err)
		}

		rows, _ = tx.Query(ctx, `SELECT `+notificationColumns+` FROM outbox WHERE phone = $1 ORDER BY id`, phone)
		if rec.Messages, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Notification, error) { return scanNotification(r) }); err != nil {
			return fmt.Errorf("messages: %w", err)
		}

		rows, _ = tx.Query(ctx, `SELECT `+callColumns+` FROM calls c WHERE c.phone = $1 ORDER BY c.started_at, c.id`, phone)
		if rec.Calls, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Call, error) { return scanCall(r) }); err != nil {
			return fmt.Errorf("calls: %w", err)
		}
		return nil
	})
	if err != nil {
		return crm.CitizenRecords{}, fmt.Errorf("postgres: records of %s: %w", phone.Masked(), err)
	}
	return rec, nil
}

// openCase is openStatuses as a condition on the status column of the row being written.
const openCase = `status IN ` + openStatuses

// EraseCitizen erases a phone's data in one transaction; see crm.CitizenStore. The phone's
// cases and requests are locked first and their versions bumped, so a change read before the
// erasure (an agent's reply, an agency's push) meets a conflict, reads again and finds the
// phone gone, rather than write the old phone or text back or queue a message to it.
func (s *Store) EraseCitizen(ctx context.Context, r crm.EraseRequest) (crm.Erasure, error) {
	// A language choice still in memory would otherwise be written after the erasure.
	if err := s.flushLanguages(ctx); err != nil {
		return crm.Erasure{}, err
	}
	e := r.Erasure
	e.Counts = map[string]int{}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("postgres: erase: %w", err)
	}
	defer rollback(ctx, tx)
	phone, token := string(r.Phone), e.Token

	rows, _ := tx.Query(ctx, `SELECT id FROM cases WHERE phone = $1 ORDER BY id FOR UPDATE`, phone)
	cases, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("postgres: erase: lock cases: %w", err)
	}
	rows, _ = tx.Query(ctx, `SELECT ref FROM requests WHERE phone = $1 ORDER BY ref FOR UPDATE`, phone)
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("postgres: erase: lock requests: %w", err)
	}
	rows, _ = tx.Query(ctx, `UPDATE appointments SET status = 'cancelled', updated_at = $3
		WHERE phone = $1 AND status = 'booked' AND day >= $2
		RETURNING centre, service, day, start_min`, phone, crm.DateOf(r.Today), e.At)
	freed, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (crm.SlotKey, error) {
		var k crm.SlotKey
		err := row.Scan(&k.Centre, &k.Service, &k.Day, &k.Start)
		return k, err
	})
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("postgres: erase: cancel appointments: %w", err)
	}
	for _, k := range freed {
		if err := release(ctx, tx, k.Centre, k.Service, k.Day, k.Start); err != nil {
			return crm.Erasure{}, fmt.Errorf("postgres: erase: %w", err)
		}
	}

	for _, st := range []struct {
		table, sql string
		args       []any
	}{
		{"case_notes", `UPDATE case_notes SET body = $2 WHERE case_id = ANY($1)`, []any{cases, token}},
		{"case_audit", `UPDATE case_audit SET detail = $2 WHERE case_id = ANY($1) AND detail <> ''`, []any{cases, token}},
		// The erasure's own entry, from the status the case had; not counted.
		{"", `INSERT INTO case_audit (case_id, at, actor_id, actor, action, from_value, to_value, detail)
			SELECT id, $2, $3, $4, 'erased', status, CASE WHEN ` + openCase + ` THEN 'closed' ELSE status END, $5
			FROM cases WHERE id = ANY($1)`, []any{cases, e.At, idOrNull(e.ByID), e.By, token}},
		{"cases", `UPDATE cases SET phone = $2, description = CASE WHEN description = '' THEN '' ELSE $2 END,
			recording_url = '',
			due_at = CASE WHEN ` + openCase + ` THEN NULL ELSE due_at END,
			paused_at = CASE WHEN ` + openCase + ` THEN NULL ELSE paused_at END,
			status = CASE WHEN ` + openCase + ` THEN 'closed' ELSE status END,
			version = version + 1, updated_at = $3
			WHERE id = ANY($1)`, []any{cases, token, e.At}},
		{"calls", `UPDATE calls SET phone = CASE WHEN phone = $1 THEN $3 ELSE phone END, recording_url = ''
			WHERE phone = $1 OR case_id = ANY($2)`, []any{phone, cases, token}},
		{"appointments", `UPDATE appointments SET phone = $2 WHERE phone = $1`, []any{phone, token}},
		{"requests", `UPDATE requests SET phone = $2, reason = CASE WHEN reason = '' THEN '' ELSE $2 END,
			version = version + 1 WHERE ref = ANY($1)`, []any{refs, token}},
		{"request_events", `UPDATE request_events SET note = CASE WHEN note = '' THEN '' ELSE $2 END,
			reason = CASE WHEN reason = '' THEN '' ELSE $2 END
			WHERE ref = ANY($1) AND (note <> '' OR reason <> '')`, []any{refs, token}},
		{"inbound_messages", `UPDATE inbound_messages SET phone = $2, text = $2 WHERE phone = $1`, []any{phone, token}},
		// Queued messages, and those a worker holds (whose claim this makes stale), are
		// cancelled; the others keep their status, for the delivery figures.
		{"outbox", `UPDATE outbox SET phone = $2, params = '{}',
			failure_reason = CASE WHEN status IN ('queued', 'sending') THEN $4
				WHEN failure_reason = '' THEN '' ELSE $2 END,
			claims = CASE WHEN status = 'sending' THEN claims + 1 ELSE claims END,
			lease_until = NULL,
			status = CASE WHEN status IN ('queued', 'sending') THEN 'suppressed' ELSE status END,
			updated_at = $3
			WHERE phone = $1`, []any{phone, token, e.At, erasedReason}},
		{"citizens", `DELETE FROM citizens WHERE phone = $1`, []any{phone}},
		{"opt_outs", `DELETE FROM opt_outs WHERE phone = $1`, []any{phone}},
	} {
		tag, err := tx.Exec(ctx, st.sql, st.args...)
		if err != nil {
			return crm.Erasure{}, fmt.Errorf("postgres: erase: %s: %w", st.table, err)
		}
		if st.table != "" {
			e.Counts[st.table] += int(tag.RowsAffected())
		}
	}
	if err := tx.QueryRow(ctx, `INSERT INTO erasures (token, at, by_id, by_username, reason, counts)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.Token, e.At, idOrNull(e.ByID), e.By, e.Reason, e.Counts).Scan(&e.ID); err != nil {
		return crm.Erasure{}, fmt.Errorf("postgres: erase: record: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Erasure{}, fmt.Errorf("postgres: erase: commit: %w", err)
	}
	return e, nil
}

// erasedReason is the failure reason of a message an erasure cancelled.
const erasedReason = "cancelled: the citizen's data was erased"

// Erasures lists up to limit erasures, newest first.
func (s *Store) Erasures(ctx context.Context, limit int) ([]crm.Erasure, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, token, at, by_id, by_username, reason, counts
		FROM erasures ORDER BY id DESC LIMIT $1`, limit)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Erasure, error) {
		var e crm.Erasure
		var by *int64
		err := r.Scan(&e.ID, &e.Token, &e.At, &by, &e.By, &e.Reason, &e.Counts)
		e.At, e.ByID = e.At.UTC(), idOrZero(by)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: erasures: %w", err)
	}
	return list, nil
}

// TextColumns lists every text column (text, varchar, json, jsonb) of every table of the
// store's schema, as "table.column", from the catalogue (information_schema).
func (s *Store) TextColumns(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT c.table_name || '.' || c.column_name
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
		ORDER BY c.table_name, c.ordinal_position`)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: text columns: %w", err)
	}
	return cols, nil
}

// FindText counts, in every column TextColumns lists, the rows holding each needle anywhere
// in the value. It reads every row of every table: a check for an operator or a test after
// an erasure, not something to run in a busy hour.
func (s *Store) FindText(ctx context.Context, needles []string) ([]crm.TextMatch, error) {
	cols, err := s.TextColumns(ctx)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, errors.New("postgres: find text: the catalogue lists no text column")
	}
	var found []crm.TextMatch
	for _, tc := range cols {
		table, column, _ := strings.Cut(tc, ".")
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(%s::text, $1) > 0`,
			pgx.Identifier{table}.Sanitize(), pgx.Identifier{column}.Sanitize())
		for _, n := range needles {
			var count int
			if err := s.pool.QueryRow(ctx, q, n).Scan(&count); err != nil {
				return nil, fmt.Errorf("postgres: find text in %s: %w", tc, err)
			}
			if count > 0 {
				found = append(found, crm.TextMatch{Table: table, Column: column, Needle: n, Rows: count})
			}
		}
	}
	return found, nil
}
