package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// The citizen's rights under the Data Protection Act (crm/rights.go): everything held about a
// phone in one transaction, its erasure in one transaction, the record of erasures, and a
// scan of every text column for what an erasure must have left nowhere. Lists of IDs travel
// as one JSON array, read back with json_each.

// jsonList encodes ids (or refs) as a JSON array for `IN (SELECT value FROM json_each(?))`.
func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v) // ints and strings always encode
	return string(b)
}

// CitizenRecords reads everything held about phone in one read transaction, so the copy is of
// one moment.
func (s *Store) CitizenRecords(ctx context.Context, phone crm.Phone) (crm.CitizenRecords, error) {
	rec := crm.CitizenRecords{Phone: phone}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return crm.CitizenRecords{}, fmt.Errorf("sqlite: records of %s: %w", phone.Masked(), err)
	}
	defer rollback(tx)
	if err := readCitizen(ctx, tx, &rec); err != nil {
		return crm.CitizenRecords{}, fmt.Errorf("sqlite: records of %s: %w", phone.Masked(), err)
	}
	if err := tx.Commit(); err != nil {
		return crm.CitizenRecords{}, fmt.Errorf("sqlite: records of %s: %w", phone.Masked(), err)
	}
	return rec, nil
}

func readCitizen(ctx context.Context, tx *sql.Tx, rec *crm.CitizenRecords) error {
	phone := rec.Phone
	var at string
	err := tx.QueryRowContext(ctx, `SELECT lang, updated_at FROM citizens WHERE phone = ?`, phone).Scan(&rec.Lang, &at)
	switch {
	case err == nil:
		if rec.LangSetAt, err = parseTimestamp(at); err != nil {
			return fmt.Errorf("language: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("language: %w", err)
	}
	err = tx.QueryRowContext(ctx, `SELECT at FROM opt_outs WHERE phone = ?`, phone).Scan(&at)
	switch {
	case err == nil:
		if rec.OptedOutAt, err = parseTimestamp(at); err != nil {
			return fmt.Errorf("opt-out: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("opt-out: %w", err)
	}

	if rec.Appointments, err = collect(ctx, tx, `SELECT `+appointmentColumns+` FROM appointments WHERE phone = ?
		ORDER BY day, start_min, ref`, func(r *sql.Rows, a *crm.Appointment) error {
		var err error
		*a, err = scanAppointment(r)
		return err
	}, phone); err != nil {
		return fmt.Errorf("appointments: %w", err)
	}

	refs, err := collect(ctx, tx, `SELECT ref FROM requests WHERE phone = ? ORDER BY created_at, ref`,
		func(r *sql.Rows, ref *crm.Reference) error { return r.Scan(ref) }, phone)
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

	if rec.Cases, err = collect(ctx, tx, `SELECT `+caseColumns+` FROM cases WHERE phone = ? ORDER BY created_at, id`,
		scanCaseRow, phone); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	ids := make([]int64, len(rec.Cases))
	for i, c := range rec.Cases {
		ids[i] = c.ID
	}
	if rec.Notes, err = collect(ctx, tx, `SELECT id, case_id, author_id, author, body, reply, at
		FROM case_notes WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY at, id`, scanNoteRow, jsonList(ids)); err != nil {
		return fmt.Errorf("case notes: %w", err)
	}
	if rec.Audit, err = collect(ctx, tx, `SELECT id, case_id, at, actor_id, actor, action, from_value, to_value, detail
		FROM case_audit WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY at, id`, scanAuditRow, jsonList(ids)); err != nil {
		return fmt.Errorf("case audit: %w", err)
	}

	if rec.Inbound, err = collect(ctx, tx, `SELECT id, phone, text, sent_at, received_at FROM inbound_messages
		WHERE phone = ? ORDER BY received_at, id`, func(r *sql.Rows, in *crm.Inbound) error {
		var sent sql.NullString
		var received string
		if err := r.Scan(&in.ID, &in.Phone, &in.Text, &sent, &received); err != nil {
			return err
		}
		var err error
		if in.SentAt, err = parseNullStamp(sent); err != nil {
			return err
		}
		in.ReceivedAt, err = parseTimestamp(received)
		return err
	}, phone); err != nil {
		return fmt.Errorf("inbound messages: %w", err)
	}

	if rec.Messages, err = collect(ctx, tx, `SELECT `+notificationColumns+` FROM outbox WHERE phone = ? ORDER BY id`,
		func(r *sql.Rows, n *crm.Notification) error {
			var err error
			*n, err = scanNotification(r)
			return err
		}, phone); err != nil {
		return fmt.Errorf("messages: %w", err)
	}

	if rec.Calls, err = collect(ctx, tx, `SELECT `+callColumns+` FROM calls WHERE phone = ? ORDER BY started_at, id`,
		scanCallRow, phone); err != nil {
		return fmt.Errorf("calls: %w", err)
	}
	return nil
}

// openCase is openStatuses as a condition on the status column of the row being written.
const openCase = `status IN ` + openStatuses

// erasedReason is the failure reason of a message an erasure cancelled.
const erasedReason = "cancelled: the citizen's data was erased"

// EraseCitizen erases a phone's data in one transaction; see crm.CitizenStore. The cases'
// and requests' versions are bumped, so a change read before the erasure meets a conflict,
// reads again and finds the phone gone. The store's feed announces the changed cases.
func (s *Store) EraseCitizen(ctx context.Context, r crm.EraseRequest) (crm.Erasure, error) {
	e := r.Erasure
	e.Counts = map[string]int{}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: %w", err)
	}
	defer rollback(tx)
	phone, token, at := string(r.Phone), e.Token, formatTimestamp(e.At)

	ids, err := collect(ctx, tx, `SELECT id FROM cases WHERE phone = ? ORDER BY id`,
		func(r *sql.Rows, id *int64) error { return r.Scan(id) }, phone)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: cases: %w", err)
	}
	refs, err := collect(ctx, tx, `SELECT ref FROM requests WHERE phone = ? ORDER BY ref`,
		func(r *sql.Rows, ref *string) error { return r.Scan(ref) }, phone)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: requests: %w", err)
	}
	type slotKey struct {
		centre, service, day string
		start                int
	}
	freed, err := collect(ctx, tx, `UPDATE appointments SET status = 'cancelled', updated_at = ?3
		WHERE phone = ?1 AND status = 'booked' AND day >= ?2
		RETURNING centre, service, day, start_min`,
		func(r *sql.Rows, k *slotKey) error { return r.Scan(&k.centre, &k.service, &k.day, &k.start) },
		phone, formatDay(r.Today), at)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: cancel appointments: %w", err)
	}
	for _, k := range freed {
		if err := release(ctx, tx, k.centre, k.service, k.day, k.start); err != nil {
			return crm.Erasure{}, fmt.Errorf("sqlite: erase: %w", err)
		}
	}
	caseIDs, refList := jsonList(ids), jsonList(refs)
	const inCases = `(SELECT value FROM json_each(?1))`
	for _, st := range []struct {
		table, sql string
		args       []any
	}{
		{"case_notes", `UPDATE case_notes SET body = ?2 WHERE case_id IN ` + inCases, []any{caseIDs, token}},
		{"case_audit", `UPDATE case_audit SET detail = ?2 WHERE case_id IN ` + inCases + ` AND detail <> ''`, []any{caseIDs, token}},
		// The erasure's own entry, from the status the case had; not counted.
		{"", `INSERT INTO case_audit (case_id, at, actor_id, actor, action, from_value, to_value, detail)
			SELECT id, ?2, ?3, ?4, 'erased', status, CASE WHEN ` + openCase + ` THEN 'closed' ELSE status END, ?5
			FROM cases WHERE id IN ` + inCases, []any{caseIDs, at, nullID(e.ByID), e.By, token}},
		{"cases", `UPDATE cases SET phone = ?2, description = CASE WHEN description = '' THEN '' ELSE ?2 END,
			recording_url = '',
			due_at = CASE WHEN ` + openCase + ` THEN NULL ELSE due_at END,
			paused_at = CASE WHEN ` + openCase + ` THEN NULL ELSE paused_at END,
			status = CASE WHEN ` + openCase + ` THEN 'closed' ELSE status END,
			version = version + 1, updated_at = ?3
			WHERE id IN ` + inCases, []any{caseIDs, token, at}},
		{"calls", `UPDATE calls SET phone = CASE WHEN phone = ?2 THEN ?3 ELSE phone END, recording_url = ''
			WHERE phone = ?2 OR case_id IN ` + inCases, []any{caseIDs, phone, token}},
		{"appointments", `UPDATE appointments SET phone = ?2 WHERE phone = ?1`, []any{phone, token}},
		{"requests", `UPDATE requests SET phone = ?2, reason = CASE WHEN reason = '' THEN '' ELSE ?2 END,
			version = version + 1 WHERE ref IN ` + inCases, []any{refList, token}},
		{"request_events", `UPDATE request_events SET note = CASE WHEN note = '' THEN '' ELSE ?2 END,
			reason = CASE WHEN reason = '' THEN '' ELSE ?2 END
			WHERE ref IN ` + inCases + ` AND (note <> '' OR reason <> '')`, []any{refList, token}},
		{"inbound_messages", `UPDATE inbound_messages SET phone = ?2, text = ?2 WHERE phone = ?1`, []any{phone, token}},
		// Queued messages, and those a worker holds (whose claim this makes stale), are
		// cancelled; the others keep their status, for the delivery figures.
		{"outbox", `UPDATE outbox SET phone = ?2, params = '{}',
			failure_reason = CASE WHEN status IN ('queued', 'sending') THEN ?4
				WHEN failure_reason = '' THEN '' ELSE ?2 END,
			claims = CASE WHEN status = 'sending' THEN claims + 1 ELSE claims END,
			lease_until = NULL,
			status = CASE WHEN status IN ('queued', 'sending') THEN 'suppressed' ELSE status END,
			updated_at = ?3
			WHERE phone = ?1`, []any{phone, token, at, erasedReason}},
		{"citizens", `DELETE FROM citizens WHERE phone = ?1`, []any{phone}},
		{"opt_outs", `DELETE FROM opt_outs WHERE phone = ?1`, []any{phone}},
	} {
		res, err := tx.ExecContext(ctx, st.sql, st.args...)
		if err != nil {
			return crm.Erasure{}, fmt.Errorf("sqlite: erase: %s: %w", st.table, err)
		}
		if st.table != "" {
			n, err := res.RowsAffected()
			if err != nil {
				return crm.Erasure{}, fmt.Errorf("sqlite: erase: %s: %w", st.table, err)
			}
			e.Counts[st.table] += int(n)
		}
	}
	counts, err := json.Marshal(e.Counts)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO erasures (token, at, by_id, by_username, reason, counts)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		e.Token, at, nullID(e.ByID), e.By, e.Reason, string(counts)).Scan(&e.ID); err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: record: %w", err)
	}
	changed, err := collect(ctx, tx, `SELECT `+caseColumns+` FROM cases WHERE id IN (SELECT value FROM json_each(?))`,
		scanCaseRow, caseIDs)
	if err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Erasure{}, fmt.Errorf("sqlite: erase: commit: %w", err)
	}
	for _, c := range changed {
		s.announce(c)
	}
	return e, nil
}

// Erasures lists up to limit erasures, newest first.
func (s *Store) Erasures(ctx context.Context, limit int) ([]crm.Erasure, error) {
	list, err := collect(ctx, s.db, `SELECT id, token, at, by_id, by_username, reason, counts
		FROM erasures ORDER BY id DESC LIMIT ?`, func(r *sql.Rows, e *crm.Erasure) error {
		var at, counts string
		var by sql.NullInt64
		if err := r.Scan(&e.ID, &e.Token, &at, &by, &e.By, &e.Reason, &counts); err != nil {
			return err
		}
		e.ByID = by.Int64
		if err := json.Unmarshal([]byte(counts), &e.Counts); err != nil {
			return fmt.Errorf("erasure %d counts: %w", e.ID, err)
		}
		var err error
		e.At, err = parseTimestamp(at)
		return err
	}, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: erasures: %w", err)
	}
	return list, nil
}

// TextColumns lists every column of every table, as "table.column", from the catalogue
// (sqlite_schema and pragma table_info): STRICT tables declare TEXT for every text column,
// and JSON is held as TEXT.
func (s *Store) TextColumns(ctx context.Context) ([]string, error) {
	list, err := collect(ctx, s.db, `SELECT m.name || '.' || p.name
		FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND upper(p.type) IN ('TEXT', 'ANY', '')
		ORDER BY m.name, p.cid`, func(r *sql.Rows, c *string) error { return r.Scan(c) })
	if err != nil {
		return nil, fmt.Errorf("sqlite: text columns: %w", err)
	}
	return list, nil
}

// FindText counts, in every column TextColumns lists, the rows holding each needle anywhere
// in the value. It reads every row of every table: a check for an operator or a test after
// an erasure.
func (s *Store) FindText(ctx context.Context, needles []string) ([]crm.TextMatch, error) {
	cols, err := s.TextColumns(ctx)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, errors.New("sqlite: find text: the catalogue lists no text column")
	}
	var found []crm.TextMatch
	for _, tc := range cols {
		table, column, _ := strings.Cut(tc, ".")
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE instr(CAST(%s AS TEXT), ?) > 0`, quoteIdent(table), quoteIdent(column))
		for _, n := range needles {
			var count int
			if err := s.db.QueryRowContext(ctx, q, n).Scan(&count); err != nil {
				return nil, fmt.Errorf("sqlite: find text in %s: %w", tc, err)
			}
			if count > 0 {
				found = append(found, crm.TextMatch{Table: table, Column: column, Needle: n, Rows: count})
			}
		}
	}
	return found, nil
}

// quoteIdent quotes a table or column name from the catalogue for SQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
