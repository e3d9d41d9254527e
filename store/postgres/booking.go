package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Book reserves a place and records the appointment in one transaction; on any error the
// transaction rolls back, so nothing is written.
//
// A request that repeats an earlier one's idempotency key gets the earlier appointment back
// and reserves nothing. Two such requests can race past that first look-up (under READ
// COMMITTED it does not see the first's uncommitted row). The second then waits on the
// slot's row lock and, once the first commits, either finds the slot full or is stopped by
// the unique key at its insert; either way it rolls back and, finding the key committed,
// answers with the first one's appointment rather than "slot full".
func (s *Store) Book(ctx context.Context, a crm.NewAppointment) (crm.Appointment, error) {
	day := crm.DateOf(a.Day)
	created := a.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	var key *string // NULL when the caller has no key: the UNIQUE ignores NULLs
	if a.IdempotencyKey != "" {
		key = &a.IdempotencyKey
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", err)
	}
	defer rollback(ctx, tx)

	if key != nil {
		prev, err := byIdempotencyKey(ctx, tx, *key)
		if err == nil {
			return prev, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return crm.Appointment{}, fmt.Errorf("postgres: book: look up idempotency key: %w", err)
		}
	}
	if err := reserve(ctx, tx, a.Centre, a.Service, day, a.Start, a.Capacity); err != nil {
		if errors.Is(err, crm.ErrSlotFull) && key != nil {
			rollback(ctx, tx)
			if prev, ok, kerr := s.earlierBooking(ctx, *key); kerr != nil || ok {
				return prev, kerr
			}
		}
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", err)
	}
	appt, err := scanAppointment(tx.QueryRow(ctx, `INSERT INTO appointments
		(ref, phone, centre, service, day, start_min, status, idempotency_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'booked', $7, $8, $8)
		RETURNING `+appointmentColumns,
		a.Ref, a.Phone, a.Centre, a.Service, day, a.Start, key, created))
	if err != nil {
		return s.bookConflict(ctx, tx, key, err)
	}
	if err := insertNotifications(ctx, tx, created, a.Notifications); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: book: commit: %w", err)
	}
	return appt, nil
}

// bookConflict turns a failed appointment insert into Book's answer. The transaction is
// aborted by then, so it is rolled back first (freeing the place) and any look-up runs on
// the pool.
func (s *Store) bookConflict(ctx context.Context, tx pgx.Tx, key *string, err error) (crm.Appointment, error) {
	constraint, unique := uniqueViolation(err)
	if !unique {
		return crm.Appointment{}, fmt.Errorf("postgres: book: insert appointment: %w", err)
	}
	rollback(ctx, tx)
	// A concurrent request with the same key committed first. Whichever unique index
	// Postgres checked first, the key decides: that request's appointment is the answer.
	if key != nil {
		if prev, ok, kerr := s.earlierBooking(ctx, *key); kerr != nil || ok {
			return prev, kerr
		}
	}
	switch constraint {
	case conAppointmentRef:
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", crm.ErrReferenceTaken)
	case conOnePerDay:
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", crm.ErrAlreadyBooked)
	}
	return crm.Appointment{}, fmt.Errorf("postgres: book: insert appointment: %w", err)
}

// earlierBooking looks, outside the failed transaction, for the appointment a concurrent
// request with the same idempotency key committed.
func (s *Store) earlierBooking(ctx context.Context, key string) (crm.Appointment, bool, error) {
	prev, err := byIdempotencyKey(ctx, s.pool, key)
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.Appointment{}, false, nil
	}
	if err != nil {
		return crm.Appointment{}, false, fmt.Errorf("postgres: book: look up idempotency key: %w", err)
	}
	return prev, true, nil
}

// Cancel cancels the phone's appointment, frees its place and queues what notify builds.
// Cancelling twice is harmless: the row lock makes a concurrent second cancel wait and then
// see "cancelled", so only one of them gives the place back and tells the citizen.
func (s *Store) Cancel(ctx context.Context, phone crm.Phone, ref crm.Reference, notify ...crm.AppointmentNotifier) (crm.Appointment, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: cancel: %w", err)
	}
	defer rollback(ctx, tx)

	a, err := lockAppointment(ctx, tx, phone, ref)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: cancel: %w", err)
	}
	if a.Status == crm.StatusCancelled {
		return a, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE appointments SET status = 'cancelled', updated_at = now()
		WHERE ref = $1`, ref); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: cancel: %w", err)
	}
	if err := release(ctx, tx, a.Centre, a.Service, a.Day, a.Start); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: cancel: %w", err)
	}
	for _, f := range notify {
		if err := insertNotifications(ctx, tx, time.Now(), f(a)); err != nil {
			return crm.Appointment{}, fmt.Errorf("postgres: cancel: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: cancel: commit: %w", err)
	}
	a.Status = crm.StatusCancelled
	return a, nil
}

// Reschedule moves the phone's booked appointment to another start on another (or the same)
// day at the same centre for the same service, keeping its reference. The new place is
// reserved, the old one freed and n queued in one transaction, so on crm.ErrSlotFull, or
// crm.ErrAlreadyBooked when the phone already holds that service on the new day, nothing
// changes.
func (s *Store) Reschedule(ctx context.Context, phone crm.Phone, ref crm.Reference, day time.Time, start, capacity int, n ...crm.Notification) (crm.Appointment, error) {
	day = crm.DateOf(day)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", err)
	}
	defer rollback(ctx, tx)

	a, err := lockAppointment(ctx, tx, phone, ref)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", err)
	}
	if a.Status != crm.StatusBooked {
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", crm.ErrAppointmentEnded)
	}
	if a.Day.Equal(day) && a.Start == start {
		return a, nil
	}
	if err := move(ctx, tx, a, day, start, capacity); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE appointments SET day = $2, start_min = $3, updated_at = now()
		WHERE ref = $1`, ref, day, start); err != nil {
		if constraint, ok := uniqueViolation(err); ok && constraint == conOnePerDay {
			return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", crm.ErrAlreadyBooked)
		}
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", err)
	}
	if err := insertNotifications(ctx, tx, time.Now(), n); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: reschedule: commit: %w", err)
	}
	a.Day, a.Start = day, start
	return a, nil
}

// move reserves the new slot and frees the old one. The two slot rows are locked in key
// order (day, then start), whichever is old and new, so two reschedules crossing between
// the same two slots cannot deadlock; both happen in the caller's transaction, so the order
// does not change the outcome.
func move(ctx context.Context, tx pgx.Tx, a crm.Appointment, day time.Time, start, capacity int) error {
	take := func() error { return reserve(ctx, tx, a.Centre, a.Service, day, start, capacity) }
	free := func() error { return release(ctx, tx, a.Centre, a.Service, a.Day, a.Start) }
	first, second := take, free
	if a.Day.Before(day) || (a.Day.Equal(day) && a.Start < start) {
		first, second = free, take
	}
	if err := first(); err != nil {
		return err
	}
	return second()
}
