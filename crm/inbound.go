package crm

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// MessagingStore holds what the SMS channel keeps about citizens beyond their records: the
// messages they sent us (so a message the aggregator delivers twice is acted on once), the
// phones that opted out of non-essential messages, and which appointment reminders are
// queued (so none is queued twice).
type MessagingStore interface {
	// RecordInbound records a citizen's message with its replies and opt-out choice, in one
	// transaction. A message whose ID is recorded already writes nothing and returns
	// first=false, so a repeat is answered once.
	RecordInbound(ctx context.Context, in Inbound) (first bool, err error)
	// InboundSeen reports whether a message with this ID is recorded.
	InboundSeen(ctx context.Context, id string) (bool, error)
	// ForgetInbound deletes up to limit recorded messages received before `before`, oldest
	// first, and reports how many it deleted.
	ForgetInbound(ctx context.Context, before time.Time, limit int) (int, error)

	// OptOut records that the phone wants no non-essential messages (reminders, surveys);
	// a phone that opted out already keeps its first time. OptIn takes it back; OptedOut
	// reads it.
	OptOut(ctx context.Context, phone Phone, at time.Time) error
	OptIn(ctx context.Context, phone Phone) error
	OptedOut(ctx context.Context, phone Phone) (bool, error)

	// DueReminders lists, by reference, up to q.Limit booked appointments on q.Day starting at
	// or after q.FromStart, created before q.CreatedBefore, that have no reminder of q.Kind
	// yet, each with its phone's remembered language ("" when none).
	DueReminders(ctx context.Context, q ReminderQuery) ([]DueReminder, error)
	// QueueReminders records each reminder and queues its notification, in one transaction.
	// A reminder whose appointment no longer stands as listed (cancelled, or moved to another
	// day or time) or that is recorded already (another replica got there first) is skipped:
	// a reminder is queued at most once, and only for an appointment that still holds. It
	// returns how many it queued.
	QueueReminders(ctx context.Context, r []Reminder, now time.Time) (int, error)
}

// Inbound is an SMS a citizen sent us, as the SMS channel records it.
type Inbound struct {
	// ID is the aggregator's message id: a message delivered twice carries the same one.
	ID    string
	Phone Phone
	Text  string
	// SentAt is when the aggregator says the message arrived; zero when it did not say.
	SentAt     time.Time
	ReceivedAt time.Time
	// Replies are queued with the record, in its transaction.
	Replies []Notification
	// OptOut, when not nil, records the phone's choice in the same transaction: true opts it
	// out of non-essential messages (STOP), false back in (START).
	OptOut *bool
}

// MaxInboundID bounds the aggregator's message id we keep.
const MaxInboundID = 128

// InboundSeen reports whether the SMS with this aggregator id was handled already.
func (d *Desk) InboundSeen(ctx context.Context, id string) (bool, error) {
	seen, err := d.store.InboundSeen(ctx, id)
	if err != nil {
		return false, fmt.Errorf("inbound message seen: %w", err)
	}
	return seen, nil
}

// DefaultInboundRetention is how long a citizen's SMS is kept by default: far longer than an
// aggregator redelivers a message (hours at most), which is all the record is for.
const DefaultInboundRetention = 30 * 24 * time.Hour

// inboundForgetBatch is how many old messages one delete removes, so that a first run over
// months of messages is many short transactions rather than one long one.
const inboundForgetBatch = 1000

// ForgetOldInbound deletes the citizens' SMS older than the retention (DeskConfig): their
// text is personal data under the Data Protection Act, and a record is needed only while the
// aggregator might deliver the message again. It reports how many it deleted.
func (d *Desk) ForgetOldInbound(ctx context.Context) (int, error) {
	if d.cfg.InboundRetention < 0 {
		return 0, nil
	}
	before := d.cfg.Now().UTC().Add(-d.cfg.InboundRetention)
	total := 0
	for {
		n, err := d.store.ForgetInbound(ctx, before, inboundForgetBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("forget old inbound messages: %w", err)
		}
		if n < inboundForgetBatch {
			return total, nil
		}
	}
}

// RunInboundRetention deletes old inbound messages now and then every interval until ctx
// ends.
func (d *Desk) RunInboundRetention(ctx context.Context, interval time.Duration, log *slog.Logger) {
	everyInterval(ctx, interval, log, "forget old inbound messages", "old inbound messages deleted", d.ForgetOldInbound)
}

// RecordInbound records a citizen's SMS with its replies (and STOP or START), once: for a
// message recorded already it writes nothing and returns false. Replies without a time get
// the desk's now.
func (d *Desk) RecordInbound(ctx context.Context, in Inbound) (bool, error) {
	if in.ID == "" || len(in.ID) > MaxInboundID {
		return false, fmt.Errorf("%w: inbound message id of %d bytes", ErrBadInput, len(in.ID))
	}
	now := d.cfg.Now().UTC().Truncate(time.Microsecond)
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	}
	for i := range in.Replies {
		if in.Replies[i].CreatedAt.IsZero() {
			in.Replies[i].CreatedAt = now
		}
	}
	first, err := d.store.RecordInbound(ctx, in)
	if err != nil {
		return false, fmt.Errorf("record inbound message: %w", err)
	}
	return first, nil
}

// OptOut stops non-essential messages (reminders, surveys) to the phone.
func (d *Desk) OptOut(ctx context.Context, phone Phone) error {
	if err := d.store.OptOut(ctx, phone, d.cfg.Now().UTC()); err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return nil
}

// OptIn lets non-essential messages reach the phone again.
func (d *Desk) OptIn(ctx context.Context, phone Phone) error {
	if err := d.store.OptIn(ctx, phone); err != nil {
		return fmt.Errorf("opt in: %w", err)
	}
	return nil
}

// OptedOut reports whether the phone opted out of non-essential messages.
func (d *Desk) OptedOut(ctx context.Context, phone Phone) (bool, error) {
	out, err := d.store.OptedOut(ctx, phone)
	if err != nil {
		return false, fmt.Errorf("opted out: %w", err)
	}
	return out, nil
}
