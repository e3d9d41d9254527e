package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// requestColumns is the select list scanRequest reads.
const requestColumns = `ref, phone, service, centre, agency, status, reason, ready, version, created_at, updated_at`

func scanRequest(row scanner) (crm.Request, error) {
	var r crm.Request
	var ready sql.NullString
	var created, updated string
	if err := row.Scan(&r.Ref, &r.Phone, &r.Service, &r.Centre, &r.Agency, &r.Status, &r.Reason,
		&ready, &r.Version, &created, &updated); err != nil {
		return crm.Request{}, err
	}
	var err error
	if r.Ready, err = parseDayColumn(ready); err != nil {
		return crm.Request{}, err
	}
	if r.CreatedAt, err = parseTimestamp(created); err != nil {
		return crm.Request{}, err
	}
	if r.UpdatedAt, err = parseTimestamp(updated); err != nil {
		return crm.Request{}, err
	}
	return r, nil
}

// dayParam is a civil date as the column holds it: NULL for the zero time, meaning "unknown".
func dayParam(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatDay(t)
}

// parseDayColumn reads a nullable day column back: the zero time for NULL.
func parseDayColumn(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseDay(s.String)
}

// readRequest reads a request with its events, oldest first; crm.ErrNotFound when there is
// no such reference.
func readRequest(ctx context.Context, q querier, ref crm.Reference) (crm.Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE ref = ?`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Request{}, crm.ErrNotFound
	}
	if err != nil {
		return crm.Request{}, fmt.Errorf("read request: %w", err)
	}
	r.Events, err = collect(ctx, q, `SELECT status, reason, ready, note, by_agency, at, coalesce(idempotency_key, '')
		FROM request_events WHERE ref = ? ORDER BY id`,
		func(row *sql.Rows, e *crm.RequestEvent) error {
			var ready sql.NullString
			var at string
			if err := row.Scan(&e.Status, &e.Reason, &ready, &e.Note, &e.By, &at, &e.IdempotencyKey); err != nil {
				return err
			}
			var err error
			if e.Ready, err = parseDayColumn(ready); err != nil {
				return err
			}
			e.At, err = parseTimestamp(at)
			return err
		}, ref)
	if err != nil {
		return crm.Request{}, fmt.Errorf("read request events: %w", err)
	}
	return r, nil
}

// insertRequestEvent appends e to the history of the request ref. now is its time if e has
// none.
func insertRequestEvent(ctx context.Context, tx *sql.Tx, ref crm.Reference, e crm.RequestEvent, now time.Time) error {
	at := e.At
	if at.IsZero() {
		at = now
	}
	var key any // NULL when the push has no key: the UNIQUE ignores NULLs
	if e.IdempotencyKey != "" {
		key = e.IdempotencyKey
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO request_events
		(ref, status, reason, ready, note, by_agency, at, idempotency_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ref, e.Status, e.Reason, dayParam(e.Ready), e.Note, e.By, formatTimestamp(at), key)
	return err
}

// RequestByRef reads a request with its events, oldest first, in one transaction, so the
// events are those of the version it returns even with another process writing the file.
func (s *Store) RequestByRef(ctx context.Context, ref crm.Reference) (crm.Request, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return crm.Request{}, fmt.Errorf("sqlite: request %s: %w", ref, err)
	}
	defer rollback(tx)
	r, err := readRequest(ctx, tx, ref)
	if err != nil {
		return crm.Request{}, fmt.Errorf("sqlite: request %s: %w", ref, err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Request{}, fmt.Errorf("sqlite: request %s: %w", ref, err)
	}
	return r, nil
}

// CreateRequest registers a request at Version 1 with its first event and notifications in
// one transaction. A taken reference is looked at first: the same phone, service and centre
// is an agency retrying (the request comes back with created=false), anything else a
// collision. Transactions never overlap (see Store), so nothing can take the reference
// between that look and the insert.
func (s *Store) CreateRequest(ctx context.Context, r crm.Request, first crm.RequestEvent, n []crm.Notification) (crm.Request, bool, error) {
	now := time.Now()
	created := r.CreatedAt
	if created.IsZero() {
		created = now
	}
	updated := r.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	if first.At.IsZero() {
		first.At = created
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: %w", err)
	}
	defer rollback(tx)

	prev, err := readRequest(ctx, tx, r.Ref)
	switch {
	case err == nil:
		if prev.Phone != r.Phone || prev.Service != r.Service || prev.Centre != r.Centre {
			return crm.Request{}, false, fmt.Errorf("sqlite: create request: %w", crm.ErrReferenceTaken)
		}
		return prev, false, nil
	case !errors.Is(err, crm.ErrNotFound):
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO requests
		(ref, phone, service, centre, agency, status, reason, ready, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		r.Ref, r.Phone, r.Service, r.Centre, r.Agency, r.Status, r.Reason, dayParam(r.Ready),
		formatTimestamp(created), formatTimestamp(updated)); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: %w", err)
	}
	if err := insertRequestEvent(ctx, tx, r.Ref, first, now); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: insert event: %w", err)
	}
	if err := insertNotifications(ctx, tx, now, n); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: %w", err)
	}
	got, err := readRequest(ctx, tx, r.Ref)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: create request: commit: %w", err)
	}
	return got, true, nil
}

// AddRequestEvent records a status change in one transaction: the request's new state, the
// event and its notifications. A push whose key the request already has is answered first,
// with added=false; then the update is conditional on the version r was read at, so a push
// that read an older state writes nothing. Transactions never overlap (see Store), so of
// concurrent duplicates the first records the event and the others find its key.
func (s *Store) AddRequestEvent(ctx context.Context, r crm.Request, e crm.RequestEvent, n []crm.Notification) (crm.Request, bool, error) {
	now := time.Now()
	if e.At.IsZero() {
		e.At = now
	}
	updated := r.UpdatedAt
	if updated.IsZero() {
		updated = e.At
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
	}
	defer rollback(tx)

	if e.IdempotencyKey != "" {
		var found bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM request_events
			WHERE ref = ? AND idempotency_key = ?)`, r.Ref, e.IdempotencyKey).Scan(&found); err != nil {
			return crm.Request{}, false, fmt.Errorf("sqlite: add request event: look up idempotency key: %w", err)
		}
		if found {
			prev, err := readRequest(ctx, tx, r.Ref)
			if err != nil {
				return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
			}
			return prev, false, nil
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE requests
		SET status = ?, reason = ?, ready = ?, version = version + 1, updated_at = ?
		WHERE ref = ? AND version = ?`,
		r.Status, r.Reason, dayParam(r.Ready), formatTimestamp(updated), r.Ref, r.Version)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
	}
	if changed, err := res.RowsAffected(); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
	} else if changed == 0 {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM requests WHERE ref = ?)`, r.Ref).Scan(&exists); err != nil {
			return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
		}
		if !exists {
			return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", crm.ErrNotFound)
		}
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", crm.ErrConflict)
	}
	if err := insertRequestEvent(ctx, tx, r.Ref, e, now); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: insert event: %w", err)
	}
	if err := insertNotifications(ctx, tx, now, n); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
	}
	got, err := readRequest(ctx, tx, r.Ref)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Request{}, false, fmt.Errorf("sqlite: add request event: commit: %w", err)
	}
	return got, true, nil
}

// RequestsOfPhone lists up to limit of a phone's requests without their events, newest first.
func (s *Store) RequestsOfPhone(ctx context.Context, phone crm.Phone, limit int) ([]crm.Request, error) {
	list, err := collect(ctx, s.db, `SELECT `+requestColumns+` FROM requests WHERE phone = ?
		ORDER BY created_at DESC, ref LIMIT ?`,
		func(r *sql.Rows, x *crm.Request) error {
			var err error
			*x, err = scanRequest(r)
			return err
		}, phone, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: requests of %s: %w", phone.Masked(), err)
	}
	return list, nil
}
