package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Constraint names from migrations/00002_requests.sql.
const (
	conRequestRef      = "requests_pkey"                  // the reference is taken
	conRequestEventKey = "request_events_idempotency_key" // the same push recorded already
)

// requestColumns is the select list scanRequest reads.
const requestColumns = `ref, phone, service, centre, agency, status, reason, ready, version, created_at, updated_at`

func scanRequest(row pgx.Row) (crm.Request, error) {
	var r crm.Request
	var ready *time.Time
	if err := row.Scan(&r.Ref, &r.Phone, &r.Service, &r.Centre, &r.Agency, &r.Status, &r.Reason,
		&ready, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return crm.Request{}, err
	}
	r.Ready = scannedDate(ready)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC() // pgx reads timestamptz in the local zone
	return r, nil
}

// dateParam is a civil date as the driver writes it: nil (NULL) for the zero time, meaning
// "unknown".
func dateParam(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	d := crm.DateOf(t)
	return &d
}

// scannedDate reads a nullable date column back: the zero time for NULL, else midnight UTC.
func scannedDate(d *time.Time) time.Time {
	if d == nil {
		return time.Time{}
	}
	return crm.DateOf(*d)
}

// readRequest reads a request with its events, oldest first; crm.ErrNotFound when there is
// no such reference.
func readRequest(ctx context.Context, q querier, ref crm.Reference) (crm.Request, error) {
	r, err := scanRequest(q.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE ref = $1`, ref))
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Request{}, crm.ErrNotFound
	}
	if err != nil {
		return crm.Request{}, fmt.Errorf("read request: %w", err)
	}
	rows, _ := q.Query(ctx, `SELECT status, reason, ready, note, by_agency, at, coalesce(idempotency_key, '')
		FROM request_events WHERE ref = $1 ORDER BY id`, ref)
	r.Events, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (e crm.RequestEvent, err error) {
		var ready *time.Time
		err = row.Scan(&e.Status, &e.Reason, &ready, &e.Note, &e.By, &e.At, &e.IdempotencyKey)
		e.Ready, e.At = scannedDate(ready), e.At.UTC()
		return e, err
	})
	if err != nil {
		return crm.Request{}, fmt.Errorf("read request events: %w", err)
	}
	return r, nil
}

// insertRequestEvent appends e to the history of the request ref. now is its time if e has
// none.
func insertRequestEvent(ctx context.Context, tx pgx.Tx, ref crm.Reference, e crm.RequestEvent, now time.Time) error {
	at := e.At
	if at.IsZero() {
		at = now
	}
	var key *string // NULL when the push has no key: the UNIQUE ignores NULLs
	if e.IdempotencyKey != "" {
		key = &e.IdempotencyKey
	}
	_, err := tx.Exec(ctx, `INSERT INTO request_events
		(ref, status, reason, ready, note, by_agency, at, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ref, e.Status, e.Reason, dateParam(e.Ready), e.Note, e.By, at, key)
	return err
}

// RequestByRef reads a request with its events, oldest first, in one read-only
// repeatable-read transaction, so the events are those of the version it returns.
func (s *Store) RequestByRef(ctx context.Context, ref crm.Reference) (crm.Request, error) {
	var r crm.Request
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var err error
			r, err = readRequest(ctx, tx, ref)
			return err
		})
	if err != nil {
		return crm.Request{}, fmt.Errorf("postgres: request %s: %w", ref, err)
	}
	return r, nil
}

// CreateRequest registers a request at Version 1 with its first event and notifications in
// one transaction.
//
// The insert does nothing on a taken reference rather than fail, so the transaction stays
// usable to read the request that holds it: under READ COMMITTED that read sees a concurrent
// registration that committed while the insert waited on it. The same phone, service and
// centre is an agency retrying (the request comes back with created=false); anything else is
// a collision.
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

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: create request: %w", err)
	}
	defer rollback(ctx, tx)

	tag, err := tx.Exec(ctx, `INSERT INTO requests
		(ref, phone, service, centre, agency, status, reason, ready, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)
		ON CONFLICT ON CONSTRAINT `+conRequestRef+` DO NOTHING`,
		r.Ref, r.Phone, r.Service, r.Centre, r.Agency, r.Status, r.Reason, dateParam(r.Ready), created, updated)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: create request: %w", err)
	}
	if tag.RowsAffected() == 0 {
		prev, err := readRequest(ctx, tx, r.Ref)
		if err != nil {
			return crm.Request{}, false, fmt.Errorf("postgres: create request: %w", err)
		}
		if prev.Phone != r.Phone || prev.Service != r.Service || prev.Centre != r.Centre {
			return crm.Request{}, false, fmt.Errorf("postgres: create request: %w", crm.ErrReferenceTaken)
		}
		return prev, false, nil
	}
	if err := insertRequestEvent(ctx, tx, r.Ref, first, now); err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: create request: insert event: %w", err)
	}
	if err := insertNotifications(ctx, tx, now, n); err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: create request: %w", err)
	}
	got, err := readRequest(ctx, tx, r.Ref)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: create request: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: create request: commit: %w", err)
	}
	return got, true, nil
}

// AddRequestEvent records a status change in one transaction: the request's new state, the
// event and its notifications.
//
// The update is conditional on the version r was read at, so of two pushes that read the
// same state only the first to take the row lock writes; the other waits, re-checks the
// version against the committed row and updates nothing. A push with a key is answered by
// its key whenever the key is found, before the update or after it failed, so the same push
// sent twice at once records one event and the duplicate learns it was already recorded
// (added=false) rather than "changed concurrently". Should a duplicate still reach the event
// insert, the unique key stops it and the answer is the same.
func (s *Store) AddRequestEvent(ctx context.Context, r crm.Request, e crm.RequestEvent, n []crm.Notification) (crm.Request, bool, error) {
	now := time.Now()
	if e.At.IsZero() {
		e.At = now
	}
	updated := r.UpdatedAt
	if updated.IsZero() {
		updated = e.At
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", err)
	}
	defer rollback(ctx, tx)

	if prev, ok, err := recordedPush(ctx, tx, r.Ref, e.IdempotencyKey); err != nil || ok {
		return prev, false, err
	}
	tag, err := tx.Exec(ctx, `UPDATE requests
		SET status = $3, reason = $4, ready = $5, version = version + 1, updated_at = $6
		WHERE ref = $1 AND version = $2`,
		r.Ref, r.Version, r.Status, r.Reason, dateParam(r.Ready), updated)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		if prev, ok, err := recordedPush(ctx, tx, r.Ref, e.IdempotencyKey); err != nil || ok {
			return prev, false, err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM requests WHERE ref = $1)`, r.Ref).Scan(&exists); err != nil {
			return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", err)
		}
		if !exists {
			return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", crm.ErrNotFound)
		}
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", crm.ErrConflict)
	}
	if err := insertRequestEvent(ctx, tx, r.Ref, e, now); err != nil {
		if constraint, ok := uniqueViolation(err); ok && constraint == conRequestEventKey {
			// The transaction is aborted: roll it back and look on the pool.
			rollback(ctx, tx)
			if prev, ok, kerr := recordedPush(ctx, s.pool, r.Ref, e.IdempotencyKey); kerr != nil || ok {
				return prev, false, kerr
			}
			return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", crm.ErrConflict)
		}
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: insert event: %w", err)
	}
	if err := insertNotifications(ctx, tx, now, n); err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", err)
	}
	got, err := readRequest(ctx, tx, r.Ref)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: commit: %w", err)
	}
	return got, true, nil
}

// recordedPush reports whether the request ref already has an event with key (never, for an
// empty key) and if so reads the request as it stands.
func recordedPush(ctx context.Context, q querier, ref crm.Reference, key string) (crm.Request, bool, error) {
	if key == "" {
		return crm.Request{}, false, nil
	}
	var found bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM request_events
		WHERE ref = $1 AND idempotency_key = $2)`, ref, key).Scan(&found); err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: look up idempotency key: %w", err)
	}
	if !found {
		return crm.Request{}, false, nil
	}
	r, err := readRequest(ctx, q, ref)
	if err != nil {
		return crm.Request{}, false, fmt.Errorf("postgres: add request event: %w", err)
	}
	return r, true, nil
}

// RequestsOfPhone lists up to limit of a phone's requests without their events, newest first.
func (s *Store) RequestsOfPhone(ctx context.Context, phone crm.Phone, limit int) ([]crm.Request, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE phone = $1
		ORDER BY created_at DESC, ref LIMIT $2`, phone, limit)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Request, error) { return scanRequest(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: requests of %s: %w", phone.Masked(), err)
	}
	return list, nil
}
