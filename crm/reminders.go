package crm

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/huduma-connect/huduma/internal/loop"
)

// When reminders are due, in minutes after local midnight: the evening before an appointment
// and the morning of it.
const (
	ReminderEveningAt = 18 * 60   // 18:00 the day before
	ReminderMorningAt = 6*60 + 30 // 06:30 the day itself
)

// ReminderQuery selects the appointments a reminder is due for (see DueReminders).
type ReminderQuery struct {
	Kind NotificationKind
	Day  time.Time // the appointments' day
	// FromStart skips appointments that start earlier (minutes after midnight): a morning
	// reminder for an appointment that has begun is no use.
	FromStart int
	// CreatedBefore skips appointments booked at or after the reminder's time: their
	// confirmation has just told the citizen everything.
	CreatedBefore time.Time
	Limit         int
}

// DueReminder is an appointment a reminder is due for, with its phone's language.
type DueReminder struct {
	Appointment Appointment
	Lang        Lang // "" when the phone never chose one
}

// Reminder is one reminder to queue: the appointment as it was listed (the reminder is
// queued only if it still stands so) and the message.
type Reminder struct {
	Kind         NotificationKind
	Appointment  Appointment
	Notification Notification
}

// reminderBatch is how many reminders one transaction queues.
const reminderBatch = 200

// QueueReminders queues the reminders that are due now and returns how many it queued. From
// 18:00 until midnight the evening reminder is due for each of the next day's booked
// appointments, from 06:30 the morning reminder for each of the day's appointments that has
// not begun; appointments booked after that time get none (the confirmation was just sent),
// and a window the scheduler missed is not made up for later (its words would be wrong).
// Each reminder is queued once even with a scheduler in every replica: the store records it
// with a unique key in the transaction that queues it. Reminders are bulk and not essential,
// so a phone that texted STOP is not sent them.
func (d *Desk) QueueReminders(ctx context.Context) (int, error) {
	now := d.Now()
	today := DateOf(now)
	minute := now.Hour()*60 + now.Minute()
	total := 0
	if minute >= ReminderEveningAt {
		n, err := d.queueReminders(ctx, ReminderQuery{
			Kind: NotifyReminderEvening, Day: today.AddDate(0, 0, 1),
			CreatedBefore: d.cfg.Calendar.Instant(today, ReminderEveningAt).UTC(),
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	if minute >= ReminderMorningAt {
		n, err := d.queueReminders(ctx, ReminderQuery{
			Kind: NotifyReminderMorning, Day: today, FromStart: minute + 1,
			CreatedBefore: d.cfg.Calendar.Instant(today, ReminderMorningAt).UTC(),
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (d *Desk) queueReminders(ctx context.Context, q ReminderQuery) (int, error) {
	q.Limit = reminderBatch
	total := 0
	// Each pass queues what the last left; the bound only stops a store that keeps listing
	// what it then refuses from looping for ever.
	for pass := 0; pass < 10_000; pass++ {
		due, err := d.store.DueReminders(ctx, q)
		if err != nil {
			return total, fmt.Errorf("%s reminders for %s: %w", q.Kind, q.Day.Format(time.DateOnly), err)
		}
		if len(due) == 0 {
			return total, nil
		}
		now := d.cfg.Now().UTC().Truncate(time.Microsecond)
		batch := make([]Reminder, len(due))
		for i, r := range due {
			lang := r.Lang
			if !lang.Valid() {
				lang = English
			}
			n := appointmentNotice(r.Appointment, q.Kind, lang, now)
			n.Priority, n.Essential = PriorityBulk, false
			batch[i] = Reminder{Kind: q.Kind, Appointment: r.Appointment, Notification: n}
		}
		queued, err := d.store.QueueReminders(ctx, batch, now)
		total += queued
		if err != nil {
			return total, fmt.Errorf("queue %s reminders: %w", q.Kind, err)
		}
		// A short batch was the last; a batch another replica took entirely means it is
		// working through the same list, so it is left to finish.
		if len(due) < q.Limit || queued == 0 {
			return total, nil
		}
	}
	return total, nil
}

// RunReminders queues due reminders every interval until ctx ends. Errors are logged and the
// next round tries again.
func (d *Desk) RunReminders(ctx context.Context, interval time.Duration, log *slog.Logger) {
	everyInterval(ctx, interval, log, "queue reminders", "reminders queued", d.QueueReminders)
}

// everyInterval runs job now and then every interval until ctx ends, logging its error (under
// what) or what it did (a count, under done); the next round tries again.
func everyInterval(ctx context.Context, interval time.Duration, log *slog.Logger, what, done string, job func(context.Context) (int, error)) {
	if log == nil {
		log = slog.Default()
	}
	loop.Every(ctx, interval, func(ctx context.Context) {
		if n, err := job(ctx); err != nil {
			if ctx.Err() == nil {
				log.Error(what, "err", err, "count", n)
			}
		} else if n > 0 {
			log.Info(done, "count", n)
		}
	})
}
