package crm

import (
	"context"
	"time"
)

// Where an outbox row stands (Notification.Status). A row is queued, then claimed by a worker
// (sending), then settled: sent, failed or suppressed. A retry puts it back to queued with a
// NextAttemptAt in the future.
const (
	OutboxQueued     = "queued"     // waiting to be sent (a retry waits for NextAttemptAt)
	OutboxSending    = "sending"    // claimed by a worker until its lease runs out
	OutboxSent       = "sent"       // Africa's Talking accepted it; DeliveryStatus follows
	OutboxFailed     = "failed"     // will not be sent: refused for good or out of attempts; FailureReason says why
	OutboxSuppressed = "suppressed" // not sent: the phone opted out and the message is not essential, or it was a reminder of an appointment since cancelled or moved
	OutboxExpired    = "expired"    // not sent: it outlived its use (see ExpiryPolicy) while the provider could not be reached; FailureReason says why
	OutboxMerged     = "merged"     // not sent on its own: an alert merged into a digest (NotifyAlertDigest) in a storm; FailureReason names the digest
)

// ReminderWithdrawn is the FailureReason of a reminder suppressed because its appointment was
// cancelled or moved before it went: a reminder of a time that no longer holds would send
// the citizen to a centre for nothing.
const ReminderWithdrawn = "appointment cancelled or moved before the reminder went"

// ErrClaimLost means a worker tried to settle a row it no longer holds: its lease ran out and
// another worker claimed the row since, or the row was settled already. The write is refused,
// so a slow worker never overwrites what a newer claim recorded. It is internal: the outbox
// worker handles it, and no request of a door can meet it.
var ErrClaimLost = newError(KindInternal, "outbox claim lost")

// Claim names one claim on an outbox row: the row and the claim's token. Every claim on a
// row gets a new token, so a claim whose lease ran out cannot be mistaken for the claim that
// replaced it.
type Claim struct {
	ID    int64
	Token int64
}

// ClaimedNotification is an outbox row a worker holds until LeaseUntil. Attempts (in the
// Notification) counts this claim.
type ClaimedNotification struct {
	Notification
	Claim      Claim
	LeaseUntil time.Time
	// OptedOut is whether the phone texted STOP (it is in the opt-outs table) when the row
	// was claimed. A non-essential message to such a phone is suppressed, not sent.
	OptedOut bool
}

// SendsInQuietHours reports whether a message goes out during the quiet hours (20:00–07:00
// in Nairobi), when a claim asks for urgentOnly. It does when it is worth waking someone
// for: every PriorityUrgent message (replies to a citizen who is waiting), every alert to
// staff (PriorityStaff), and Essential messages below PriorityBulk (a status the citizen
// asked for, the acknowledgement of a complaint they just made). Bulk messages (reminders,
// surveys), essential or not, and non-essential messages of normal priority wait until the
// quiet hours end.
func SendsInQuietHours(priority Priority, essential bool) bool {
	return priority <= PriorityUrgent || priority == PriorityStaff || (essential && priority < PriorityBulk)
}

// finalDeliveryStatuses are the delivery report statuses (Africa's Talking's names) that end
// a message's delivery. A later report with a non-final status (Sent, Submitted, Buffered,
// AbsentSubscriber) never replaces one of these, and neither does a different final one:
// the first final report wins.
var finalDeliveryStatuses = []string{"Success", "Failed", "Rejected", "Expired"}

// FinalDelivery reports whether a delivery report status is final.
func FinalDelivery(status string) bool {
	for _, f := range finalDeliveryStatuses {
		if status == f {
			return true
		}
	}
	return false
}

// FinalDeliveryStatuses lists the final delivery statuses, for the stores' SQL.
func FinalDeliveryStatuses() []string {
	return append([]string(nil), finalDeliveryStatuses...)
}

// OutboxStats is the outbox's depth, for the gauges.
type OutboxStats struct {
	Queued  int // waiting, including retries whose time has not come
	Sending int // claimed by a worker (or held by one that died, until the lease runs out)
	Failed  int // given up on, ever
	// OldestQueued is when the oldest queued row was created; zero when none is queued.
	OldestQueued time.Time
}

// SendingStore is what the SMS outbox worker and the delivery report callback need. Every
// method is one statement or one transaction. The writes that settle a claim (MarkSent,
// MarkRetry, MarkFailed, MarkSuppressed, Release) change the row only while the claim still
// holds it (status sending and the claim's token); otherwise they write nothing and return
// ErrClaimLost, or ErrNotFound for a row that does not exist. Repeating a write that
// committed (the reply was lost) finds the row as it left it under the same token and
// returns nil, so a worker may retry a write after a lost connection.
type SendingStore interface {
	// ClaimNotifications claims up to limit rows that are due at now, in ClaimOrder (lowest
	// Priority first), then the longest due first, then oldest (lowest ID) first. A row is
	// due when it is queued and its NextAttemptAt (or, for a new row, its CreatedAt) is not
	// after now, or when it is sending and its lease ran out at or before now (the worker
	// that held it died between claiming and settling). A claim reads no row that is not due
	// (rows waiting out a back-off or a lease are passed over by an index, however many), so
	// a large backlog in back-off costs a claim nothing. With urgentOnly (quiet hours) only
	// rows SendsInQuietHours allows are claimed. Each
	// claimed row becomes sending until now+lease, its Attempts goes up by one and it gets a
	// new claim token. Two concurrent claims never return the same row: Postgres locks the
	// rows with FOR UPDATE SKIP LOCKED, so concurrent workers take different rows without
	// waiting for each other; SQLite runs one claim at a time. The rows come back in claim
	// order.
	ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, urgentOnly bool) ([]ClaimedNotification, error)

	// MarkSent records that Africa's Talking accepted the claimed row: status sent, its
	// message id (the key of the delivery reports; "" stores none), its cost, sent at now.
	// FailureReason is cleared (it held the last retry's reason). A delivery report that
	// arrived for the id before the send was recorded is applied.
	MarkSent(ctx context.Context, c Claim, atMessageID, cost string, now time.Time) error

	// MarkSentAll records many sends at once, each as MarkSent would, in one statement or
	// transaction: while a backlog drains, a commit per message would cost the database
	// more than the sends. errs has one entry per send, in order: nil when recorded (or
	// recorded before under the same claim), ErrClaimLost or ErrNotFound as MarkSent would
	// return. err is for the write as a whole; then the caller may repeat it.
	MarkSentAll(ctx context.Context, sent []Sent, now time.Time) (errs []error, err error)

	// MarkRetry gives the claimed row back to the queue after a failed attempt: status
	// queued, not due before next, reason kept in FailureReason for the agents to see. The
	// attempt stays counted.
	MarkRetry(ctx context.Context, c Claim, next time.Time, reason string, now time.Time) error

	// Release gives the claimed row back to the queue without counting the attempt, for a
	// row that was not sent for a reason of ours (the credentials were refused; the worker
	// is stopping): status queued, not due before next, Attempts down by one.
	Release(ctx context.Context, c Claim, next time.Time, now time.Time) error

	// Postpone gives the claimed row back to the queue without counting the attempt because
	// the provider could not be reached (no connection, a timeout, a 5xx): an outage of the
	// provider is no verdict on the message, so it must not use up the message's attempts.
	// Status queued, not due before next, Attempts down by one, reason kept in
	// FailureReason for the agents to see.
	Postpone(ctx context.Context, c Claim, next time.Time, reason string, now time.Time) error

	// MarkFailed gives up on the claimed row: status failed with the reason (refused for
	// good, unrenderable, or out of attempts). Agents see it through Notifications.
	MarkFailed(ctx context.Context, c Claim, reason string, now time.Time) error

	// MarkSuppressed settles the claimed row unsent because its phone opted out: status
	// suppressed with the reason.
	MarkSuppressed(ctx context.Context, c Claim, reason string, now time.Time) error

	// MarkExpired settles the claimed row unsent because it outlived its use (a booking
	// confirmation after its appointment): status expired with the reason.
	MarkExpired(ctx context.Context, c Claim, reason string, now time.Time) error

	// RecordDelivery records a delivery report for the message Africa's Talking knows as
	// atMessageID: DeliveryStatus becomes status and, when failureReason is not empty,
	// FailureReason becomes it. A row whose DeliveryStatus is final (FinalDelivery) keeps it
	// and its reason: a late or repeated report changes nothing. found is false when no
	// row carries the id. Such a report is kept (for a week) under the same precedence, and
	// MarkSent applies it if the id turns up: Africa's Talking can report on a message
	// before the worker has recorded sending it.
	RecordDelivery(ctx context.Context, atMessageID, status, failureReason string, now time.Time) (found bool, err error)

	// RecordDeliveries records many reports, each as RecordDelivery would one after another,
	// in as few writes as it can: the usual report, on a row that carries its id, is written
	// with the others of the batch in one statement (see FoldDeliveryReports); the rest go
	// one by one, in order. found has one entry per report.
	RecordDeliveries(ctx context.Context, reports []DeliveryReport, now time.Time) (found []bool, err error)

	// OutboxStats counts queued, sending and failed rows and finds the oldest queued one.
	OutboxStats(ctx context.Context) (OutboxStats, error)

	// AlertsSent says what phone was sent of kinds (alerts, and their digests) since since,
	// for the worker to tell a storm: how many such messages were sent, when the last
	// digest went, and whether a digest is waiting to go.
	AlertsSent(ctx context.Context, phone Phone, kinds []NotificationKind, since time.Time) (AlertHistory, error)

	// FoldAlerts merges a storm of alerts into one digest, in one transaction: the claimed
	// row c, the rows of also (claims the same worker holds, on rows to the same phone), and
	// every queued row to the same phone whose kind is one of f.Kinds and whose category is
	// not one of f.Except become merged, their FailureReason naming the digest; a
	// NotifyAlertDigest row (PriorityStaff, due at once) is queued to the phone in c's
	// language with their counts (see NotifyAlertDigest) and f.URL. When a digest to the
	// phone is already queued or being sent, nothing is merged and digest is 0: the caller
	// waits for it. A lost claim on c is ErrClaimLost.
	FoldAlerts(ctx context.Context, c Claim, also []Claim, f AlertFold, now time.Time) (digest int64, merged int, err error)
}

// DeliveryReport is what Africa's Talking reported of a message, for RecordDeliveries.
type DeliveryReport struct {
	ATMessageID   string
	Status        string
	FailureReason string // "" keeps the reason the row has
}

// FoldDeliveryReports reduces reports to one a message id, in the order the ids first
// appear, each with the effect of its reports applied in order to a row whose status is not
// final: the first final status sticks, a later report replaces one that is not final, and
// a reason stays until a later report gives another. A statement that applies one report a
// row then does what applying them one by one would; without the fold, a final status could
// lose to a later report of the same batch. Reports without an id are dropped.
func FoldDeliveryReports(reports []DeliveryReport) []DeliveryReport {
	var out []DeliveryReport
	at := map[string]int{}
	for _, r := range reports {
		if r.ATMessageID == "" {
			continue
		}
		i, seen := at[r.ATMessageID]
		switch {
		case !seen:
			at[r.ATMessageID] = len(out)
			out = append(out, r)
		case FinalDelivery(out[i].Status):
		default:
			if r.FailureReason == "" {
				r.FailureReason = out[i].FailureReason
			}
			out[i] = r
		}
	}
	return out
}

// RecordTheRest ends a store's RecordDeliveries: a report whose id is in applied was written
// with its batch and is found; every other goes through one (the store's RecordDelivery),
// one by one, in order.
func RecordTheRest(ctx context.Context, reports []DeliveryReport, applied map[string]bool, now time.Time,
	one func(ctx context.Context, atMessageID, status, failureReason string, now time.Time) (bool, error)) ([]bool, error) {
	found := make([]bool, len(reports))
	for i, r := range reports {
		if applied[r.ATMessageID] {
			found[i] = true
			continue
		}
		var err error
		if found[i], err = one(ctx, r.ATMessageID, r.Status, r.FailureReason, now); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// Sent is a claimed row Africa's Talking accepted, for MarkSentAll.
type Sent struct {
	Claim       Claim
	ATMessageID string // "" stores none
	Cost        string
}

// AlertHistory is what AlertsSent finds.
type AlertHistory struct {
	Sent          int       // alerts and digests sent since the time asked
	LastDigest    time.Time // when the last digest was sent; zero if none since then
	DigestWaiting bool      // a digest is queued or being sent
}

// AlertFold says which alerts FoldAlerts merges, and the console's link for the digest.
type AlertFold struct {
	Kinds  []NotificationKind
	Except []string // categories never merged (IntegrityCategories)
	URL    string
}
