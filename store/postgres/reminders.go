package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
)

// DueReminders lists the booked appointments q's reminder is due for, by reference, each with
// its phone's remembered language.
func (s *Store) DueReminders(ctx context.Context, q crm.ReminderQuery) ([]crm.DueReminder, error) {
	// The reminders go in each phone's language, so choices not yet written go first. They
	// are a preference: if they cannot be written now, a reminder in the language chosen
	// before is better than none.
	flushCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := s.flushLanguages(flushCtx)
	cancel()
	if err != nil {
		s.langs.log.Warn("reminders go out before the latest language choices are written", "err", err)
	}
	rows, _ := s.pool.Query(ctx, `SELECT a.ref, a.phone, a.centre, a.service, a.day, a.start_min, a.status,
			a.created_at, coalesce(c.lang, '')
		FROM appointments a LEFT JOIN citizens c ON c.phone = a.phone
		WHERE a.status = 'booked' AND a.day = $1 AND a.start_min >= $2 AND a.created_at < $3
			AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.ref = a.ref AND r.kind = $4)
		ORDER BY a.ref
		LIMIT $5`, crm.DateOf(q.Day), q.FromStart, q.CreatedBefore, string(q.Kind), q.Limit)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.DueReminder, error) {
		var d crm.DueReminder
		a := &d.Appointment
		err := r.Scan(&a.Ref, &a.Phone, &a.Centre, &a.Service, &a.Day, &a.Start, &a.Status, &a.CreatedAt, &d.Lang)
		a.CreatedAt = a.CreatedAt.UTC()
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: due reminders: %w", err)
	}
	return list, nil
}

// QueueReminders records and queues the reminders in one transaction. Each record is a
// conditional insert: it reads the appointment FOR SHARE, so a concurrent cancel or
// reschedule either commits first (and the appointment no longer matches: skipped) or waits
// for this transaction; and the primary key (ref, kind) makes a second scheduler's insert
// wait for the first one's commit and then insert nothing. Reminders are taken in reference
// order, so two schedulers working through the same list never deadlock.
func (s *Store) QueueReminders(ctx context.Context, r []crm.Reminder, now time.Time) (int, error) {
	if len(r) == 0 {
		return 0, nil
	}
	r = slices.Clone(r)
	slices.SortFunc(r, func(a, b crm.Reminder) int {
		if c := strings.Compare(string(a.Appointment.Ref), string(b.Appointment.Ref)); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: queue reminders: %w", err)
	}
	defer rollback(ctx, tx)

	queued := 0
	for _, m := range r {
		a := m.Appointment
		tag, err := tx.Exec(ctx, `INSERT INTO reminders_sent (ref, kind, queued_at)
			SELECT ref, $2, $5 FROM appointments
			WHERE ref = $1 AND status = 'booked' AND day = $3 AND start_min = $4
			FOR SHARE
			ON CONFLICT (ref, kind) DO NOTHING`,
			a.Ref, string(m.Kind), crm.DateOf(a.Day), a.Start, now)
		if err != nil {
			return 0, fmt.Errorf("postgres: queue reminders: record %s %s: %w", m.Kind, a.Ref, err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		if err := insertNotifications(ctx, tx, now, []crm.Notification{m.Notification}); err != nil {
			return 0, fmt.Errorf("postgres: queue reminders: %w", err)
		}
		queued++
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("postgres: queue reminders: commit: %w", err)
	}
	return queued, nil
}
