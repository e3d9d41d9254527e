package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// Book reserves a place, records the appointment and queues its notifications in one SQL
// statement (bookSQL), so a booking costs one round trip to the server: the statement is its
// own transaction, and on any error nothing of it is written.
//
// A request that repeats an earlier one's idempotency key gets the earlier appointment back
// and reserves nothing. Two such requests can race past the look-up (under READ COMMITTED
// neither sees the other's uncommitted row). The second then waits on the slot's row lock
// and, once the first commits, either finds the slot full or is stopped by the unique key at
// its insert; either way nothing of it is written and, finding the key committed, it answers
// with the first one's appointment rather than "slot full".
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
	n, err := notificationColumnsOf(created, a.Notifications)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", err)
	}

	var (
		outcome string
		appt    crm.Appointment
	)
	err = s.pool.QueryRow(ctx, bookSQL,
		a.Ref, a.Phone, a.Centre, a.Service, day, a.Start, key, created, a.Capacity,
		n.phones, n.langs, n.kinds, n.params, n.priorities, n.essentials, n.subjects, n.created,
	).Scan(&outcome, &appt.Ref, &appt.Phone, &appt.Centre, &appt.Service, &appt.Day, &appt.Start,
		&appt.Status, &appt.CreatedAt)
	switch {
	case err == nil:
		appt.CreatedAt = appt.CreatedAt.UTC() // as scanAppointment: pgx answers in the local zone
		return appt, nil
	case errors.Is(err, pgx.ErrNoRows): // no earlier booking, and no place taken
		if key != nil {
			if prev, ok, kerr := s.earlierBooking(ctx, *key); kerr != nil || ok {
				return prev, kerr
			}
		}
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", crm.ErrSlotFull)
	}
	return s.bookConflict(ctx, key, err)
}

// bookSQL is a booking in one statement. Its parts:
//
//   - prev: the appointment an earlier request with the same idempotency key ($7) made;
//   - taken: one place in the slot, unless prev exists. With a capacity ($9 > 0) a missing
//     slot row is created; an existing row (the operator's capacity wins) is counted up only
//     while a place is free. Without one, only an existing row is counted up;
//   - made: the appointment, only if a place was taken;
//   - the notifications ($10–$17, one array per column), only if the appointment was made.
//
// It returns one row, 'prev' or 'new' with the appointment, or none when the slot is full.
// Data-modifying parts run whether or not the final SELECT reads them, and all or nothing.
const bookSQL = `WITH prev AS (
	SELECT ` + appointmentColumns + ` FROM appointments
	WHERE $7::text IS NOT NULL AND idempotency_key = $7
), created AS (
	INSERT INTO slots AS s (centre, service, day, start_min, capacity, booked)
	SELECT $3, $4, $5, $6, $9, 1 WHERE $9 > 0 AND NOT EXISTS (SELECT FROM prev)
	ON CONFLICT (centre, service, day, start_min)
	DO UPDATE SET booked = s.booked + 1 WHERE s.booked < s.capacity
	RETURNING 1
), counted AS (
	UPDATE slots SET booked = booked + 1
	WHERE $9 <= 0 AND NOT EXISTS (SELECT FROM prev)
		AND centre = $3 AND service = $4 AND day = $5 AND start_min = $6 AND booked < capacity
	RETURNING 1
), made AS (
	INSERT INTO appointments
		(ref, phone, centre, service, day, start_min, status, idempotency_key, created_at, updated_at)
	SELECT $1, $2, $3, $4, $5, $6, 'booked', $7, $8, $8
	WHERE EXISTS (SELECT FROM created) OR EXISTS (SELECT FROM counted)
	RETURNING ` + appointmentColumns + `
), queued AS (
	INSERT INTO outbox (phone, lang, kind, params, priority, essential, subject, created_at)
	SELECT n.phone, n.lang, n.kind, n.params, n.priority, n.essential, n.subject, n.created_at
	FROM unnest($10::text[], $11::text[], $12::text[], $13::jsonb[], $14::int[], $15::bool[],
		$16::text[], $17::timestamptz[]) AS n(phone, lang, kind, params, priority, essential, subject, created_at)
	WHERE EXISTS (SELECT FROM made)
)
SELECT 'prev', ` + appointmentColumns + ` FROM prev
UNION ALL
SELECT 'new', ` + appointmentColumns + ` FROM made`

// bookConflict turns a booking stopped by a unique index into Book's answer. Nothing of the
// statement was written.
func (s *Store) bookConflict(ctx context.Context, key *string, err error) (crm.Appointment, error) {
	constraint, unique := uniqueViolation(err)
	if !unique {
		return crm.Appointment{}, fmt.Errorf("postgres: book: %w", err)
	}
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
	if err := withdrawReminders(ctx, tx, a, false); err != nil {
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
	if err := withdrawReminders(ctx, tx, a, true); err != nil {
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

// withdrawReminders suppresses the appointment's reminders still queued: a citizen must not be
// reminded of a time that no longer holds. A reminder a worker has already claimed is past
// stopping. When the appointment moved, the reminders already sent are forgotten too, so the
// scheduler reminds the new time.
func withdrawReminders(ctx context.Context, tx pgx.Tx, a crm.Appointment, moved bool) error {
	kinds := make([]string, len(crm.ReminderKinds))
	for i, k := range crm.ReminderKinds {
		kinds[i] = string(k)
	}
	if _, err := tx.Exec(ctx, `UPDATE outbox SET status = 'suppressed', failure_reason = $3, updated_at = now()
		WHERE phone = $1 AND subject = $2 AND kind = ANY($4) AND status = 'queued'`,
		a.Phone, crm.AppointmentSubject(a.Ref), crm.ReminderWithdrawn, kinds); err != nil {
		return fmt.Errorf("withdraw reminders: %w", err)
	}
	if moved {
		if _, err := tx.Exec(ctx, `DELETE FROM reminders_sent WHERE ref = $1`, a.Ref); err != nil {
			return fmt.Errorf("forget reminders sent: %w", err)
		}
	}
	return nil
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
