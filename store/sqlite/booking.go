package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// Book reserves a place and records the appointment in one transaction; on any error the
// transaction rolls back, so nothing is written.
//
// A request that repeats an earlier one's idempotency key gets the earlier appointment back
// and reserves nothing. Transactions here never overlap (see Store), so the look-up always
// sees a committed earlier request; the checks after a full slot or a unique violation,
// which the Postgres store needs for requests that race, only back it up.
func (s *Store) Book(ctx context.Context, a crm.NewAppointment) (crm.Appointment, error) {
	created := a.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	appt := crm.Appointment{
		Ref: a.Ref, Phone: a.Phone, Centre: a.Centre, Service: a.Service,
		Day: crm.DateOf(a.Day), Start: a.Start, Status: crm.StatusBooked,
		CreatedAt: created.UTC().Truncate(time.Microsecond), // what the column keeps
	}
	day, stamp := formatDay(a.Day), formatTimestamp(created)
	var key any // NULL when the caller has no key: the UNIQUE ignores NULLs
	if a.IdempotencyKey != "" {
		key = a.IdempotencyKey
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: book: %w", err)
	}
	defer rollback(tx)

	if a.IdempotencyKey != "" {
		prev, err := byIdempotencyKey(ctx, tx, a.IdempotencyKey)
		if err == nil {
			return prev, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return crm.Appointment{}, fmt.Errorf("sqlite: book: look up idempotency key: %w", err)
		}
	}
	if err := reserve(ctx, tx, a.Centre, a.Service, day, a.Start, a.Capacity); err != nil {
		if errors.Is(err, crm.ErrSlotFull) && a.IdempotencyKey != "" {
			rollback(tx) // frees the connection for the look-up
			if prev, ok, kerr := s.earlierBooking(ctx, a.IdempotencyKey); kerr != nil || ok {
				return prev, kerr
			}
		}
		return crm.Appointment{}, fmt.Errorf("sqlite: book: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO appointments
		(ref, phone, centre, service, day, start_min, status, idempotency_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)`,
		a.Ref, a.Phone, a.Centre, a.Service, day, a.Start, key, stamp, stamp)
	if err != nil {
		return s.bookConflict(ctx, tx, a.IdempotencyKey, err)
	}
	if err := insertNotifications(ctx, tx, created, a.Notifications); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: book: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: book: commit: %w", err)
	}
	return appt, nil
}

// bookConflict turns a failed appointment insert into Book's answer. It rolls back first,
// freeing the place and the store's one connection, before any look-up on s.db.
func (s *Store) bookConflict(ctx context.Context, tx *sql.Tx, key string, err error) (crm.Appointment, error) {
	v := uniqueViolation(err)
	if v == notUnique {
		return crm.Appointment{}, fmt.Errorf("sqlite: book: insert appointment: %w", err)
	}
	rollback(tx)
	if key != "" {
		if prev, ok, kerr := s.earlierBooking(ctx, key); kerr != nil || ok {
			return prev, kerr
		}
	}
	switch v {
	case refTaken:
		return crm.Appointment{}, fmt.Errorf("sqlite: book: %w", crm.ErrReferenceTaken)
	case onePerDay:
		return crm.Appointment{}, fmt.Errorf("sqlite: book: %w", crm.ErrAlreadyBooked)
	}
	return crm.Appointment{}, fmt.Errorf("sqlite: book: insert appointment: %w", err)
}

// earlierBooking looks, after the failed transaction rolled back, for the appointment an
// earlier request with the same idempotency key made.
func (s *Store) earlierBooking(ctx context.Context, key string) (crm.Appointment, bool, error) {
	prev, err := byIdempotencyKey(ctx, s.db, key)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Appointment{}, false, nil
	}
	if err != nil {
		return crm.Appointment{}, false, fmt.Errorf("sqlite: book: look up idempotency key: %w", err)
	}
	return prev, true, nil
}

// Cancel cancels the phone's appointment, frees its place and queues what notify builds.
// Cancelling twice is harmless: the second call finds it cancelled, gives nothing back and
// queues nothing.
func (s *Store) Cancel(ctx context.Context, phone crm.Phone, ref crm.Reference, notify ...crm.AppointmentNotifier) (crm.Appointment, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: cancel: %w", err)
	}
	defer rollback(tx)

	a, err := phoneAppointment(ctx, tx, phone, ref)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: cancel: %w", err)
	}
	if a.Status == crm.StatusCancelled {
		return a, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appointments SET status = 'cancelled', updated_at = ?
		WHERE ref = ?`, formatTimestamp(time.Now()), ref); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: cancel: %w", err)
	}
	if err := release(ctx, tx, a.Centre, a.Service, formatDay(a.Day), a.Start); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: cancel: %w", err)
	}
	if err := withdrawReminders(ctx, tx, a, false); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: cancel: %w", err)
	}
	for _, f := range notify {
		if err := insertNotifications(ctx, tx, time.Now(), f(a)); err != nil {
			return crm.Appointment{}, fmt.Errorf("sqlite: cancel: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: cancel: commit: %w", err)
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	defer rollback(tx)

	a, err := phoneAppointment(ctx, tx, phone, ref)
	if err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	if a.Status != crm.StatusBooked {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", crm.ErrAppointmentEnded)
	}
	if a.Day.Equal(day) && a.Start == start {
		return a, nil
	}
	if err := reserve(ctx, tx, a.Centre, a.Service, formatDay(day), start, capacity); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	if err := release(ctx, tx, a.Centre, a.Service, formatDay(a.Day), a.Start); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appointments SET day = ?, start_min = ?, updated_at = ?
		WHERE ref = ?`, formatDay(day), start, formatTimestamp(time.Now()), ref); err != nil {
		if uniqueViolation(err) == onePerDay {
			return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", crm.ErrAlreadyBooked)
		}
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	if err := withdrawReminders(ctx, tx, a, true); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	if err := insertNotifications(ctx, tx, time.Now(), n); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return crm.Appointment{}, fmt.Errorf("sqlite: reschedule: commit: %w", err)
	}
	a.Day, a.Start = day, start
	return a, nil
}

// withdrawReminders suppresses the appointment's reminders still queued: a citizen must not be
// reminded of a time that no longer holds. A reminder a worker has already claimed is past
// stopping. When the appointment moved, the reminders already sent are forgotten too, so the
// scheduler reminds the new time.
func withdrawReminders(ctx context.Context, tx *sql.Tx, a crm.Appointment, moved bool) error {
	kinds, err := json.Marshal(crm.ReminderKinds)
	if err != nil {
		return fmt.Errorf("withdraw reminders: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'suppressed', failure_reason = ?, updated_at = ?
		WHERE phone = ? AND subject = ? AND kind IN (SELECT value FROM json_each(?)) AND status = 'queued'`,
		crm.ReminderWithdrawn, formatTimestamp(time.Now()), string(a.Phone), crm.AppointmentSubject(a.Ref), string(kinds)); err != nil {
		return fmt.Errorf("withdraw reminders: %w", err)
	}
	if moved {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reminders_sent WHERE ref = ?`, string(a.Ref)); err != nil {
			return fmt.Errorf("forget reminders sent: %w", err)
		}
	}
	return nil
}
