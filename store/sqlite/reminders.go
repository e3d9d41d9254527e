package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// DueReminders lists the booked appointments q's reminder is due for, by reference, each with
// its phone's remembered language.
func (s *Store) DueReminders(ctx context.Context, q crm.ReminderQuery) ([]crm.DueReminder, error) {
	list, err := collect(ctx, s.db, `SELECT a.ref, a.phone, a.centre, a.service, a.day, a.start_min, a.status,
			a.created_at, coalesce(c.lang, '')
		FROM appointments a LEFT JOIN citizens c ON c.phone = a.phone
		WHERE a.status = 'booked' AND a.day = ? AND a.start_min >= ? AND a.created_at < ?
			AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.ref = a.ref AND r.kind = ?)
		ORDER BY a.ref
		LIMIT ?`,
		func(r *sql.Rows, d *crm.DueReminder) error {
			a := &d.Appointment
			var day, created string
			if err := r.Scan(&a.Ref, &a.Phone, &a.Centre, &a.Service, &day, &a.Start, &a.Status, &created, &d.Lang); err != nil {
				return err
			}
			var err error
			if a.Day, err = parseDay(day); err != nil {
				return err
			}
			a.CreatedAt, err = parseTimestamp(created)
			return err
		}, formatDay(q.Day), q.FromStart, formatTimestamp(q.CreatedBefore), string(q.Kind), q.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due reminders: %w", err)
	}
	return list, nil
}

// QueueReminders records and queues the reminders in one transaction. Each record is a
// conditional insert: the appointment must still be booked on the day and at the time it was
// listed with, and (ref, kind) must not be recorded yet. Transactions never overlap here (see
// Store), so the check and the insert see the same state.
func (s *Store) QueueReminders(ctx context.Context, r []crm.Reminder, now time.Time) (int, error) {
	if len(r) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: queue reminders: %w", err)
	}
	defer rollback(tx)

	stamp := formatTimestamp(now)
	queued := 0
	for _, m := range r {
		a := m.Appointment
		res, err := tx.ExecContext(ctx, `INSERT INTO reminders_sent (ref, kind, queued_at)
			SELECT ref, ?, ? FROM appointments
			WHERE ref = ? AND status = 'booked' AND day = ? AND start_min = ?
			ON CONFLICT (ref, kind) DO NOTHING`,
			string(m.Kind), stamp, a.Ref, formatDay(a.Day), a.Start)
		if err != nil {
			return 0, fmt.Errorf("sqlite: queue reminders: record %s %s: %w", m.Kind, a.Ref, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: queue reminders: %w", err)
		}
		if n == 0 {
			continue
		}
		if err := insertNotifications(ctx, tx, now, []crm.Notification{m.Notification}); err != nil {
			return 0, fmt.Errorf("sqlite: queue reminders: %w", err)
		}
		queued++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: queue reminders: commit: %w", err)
	}
	return queued, nil
}
