package crm

import "time"

// NotificationKind names what a message says; the SMS channel renders it from its own
// templates in the recipient's language. The domain decides what to tell and whom, the
// channel decides how.
type NotificationKind string

// The kinds and the Params each carries. Case and request numbers are digits as stored
// (the template groups them); times are RFC 3339 in UTC; dates are YYYY-MM-DD; statuses,
// categories, centres and services are codes the template names in the recipient's language.
const (
	// To the citizen: a tracked request changed status.
	// ref, status, service, centre, ready (date or ""), reason (or "").
	NotifyRequestStatus NotificationKind = "request_status"
	// To the citizen: we have their complaint. case, category.
	NotifyComplaintAck NotificationKind = "complaint_ack"
	// To the citizen: we will call them. case, from, to.
	NotifyCallbackAck NotificationKind = "callback_ack"
	// To a centre manager: a complaint about their centre. case, category, centre, service.
	NotifyManagerAlert NotificationKind = "manager_alert"
	// To the people of the level a case escalated to. case, level, category, centre.
	NotifyEscalation NotificationKind = "escalation_alert"
	// To the citizen: an agent's reply. case, body.
	NotifyCaseReply NotificationKind = "case_reply"
	// To the citizen: their case changed status. case, status.
	NotifyCaseStatus NotificationKind = "case_status"
	// To the citizen: their case is resolved. case, body (the resolution note, may be "").
	NotifyCaseResolved NotificationKind = "case_resolved"
	// To the citizen: how did we do? case. The reply 1–4 rates it.
	NotifySatisfaction NotificationKind = "satisfaction"
	// To a member of staff, in place of the alerts they would get in a storm (see
	// Digestible): count (cases), complaints, callbacks, since (RFC 3339, the oldest alert
	// merged), level (the highest named, or ""), url (the console's, or "").
	NotifyAlertDigest NotificationKind = "alert_digest"

	// To the citizen: an appointment was booked (or moved). ref, centre, service, day, time
	// (HH:MM local, as booked). What to bring is the template's to say.
	NotifyBookingConfirmed NotificationKind = "booking_confirmed"
	// To the citizen: an appointment was cancelled. ref, centre, service, day, time.
	NotifyBookingCancelled NotificationKind = "booking_cancelled"
	// To the citizen, the evening before an appointment. ref, centre, service, day, time.
	NotifyReminderEvening NotificationKind = "reminder_evening"
	// To the citizen, the morning of an appointment. ref, centre, service, day, time.
	NotifyReminderMorning NotificationKind = "reminder_morning"

	// Replies to a citizen's SMS keywords. No params unless named.
	//
	// The answer to HELP, or to a message we did not understand.
	NotifyKeywordHelp NotificationKind = "keyword_help"
	// The answer to STOP: reminders and surveys stop, replies do not.
	NotifyStopAck NotificationKind = "stop_ack"
	// The answer to START.
	NotifyStartAck NotificationKind = "start_ack"
	// The status of a ticket to a phone that is not its owner (the owner is sent
	// NotifyRequestStatus). ref, status.
	NotifySMSStatusRequest NotificationKind = "sms_status_request"
	// The status of a case. case, status; category only for the case's own phone (a
	// stranger learns the status and nothing else).
	NotifySMSStatusCase NotificationKind = "sms_status_case"
	// The phone's upcoming appointments. count (how many there are, "0" for none) and, for
	// the first of them (see SMSAppointmentsListed), ref1, centre1, service1, day1, time1,
	// ref2, … as in NotifyBookingConfirmed.
	NotifySMSAppointments NotificationKind = "sms_appointments"
	// An appointment the citizen asked to cancel is cancelled (it was already). ref.
	NotifySMSCancelled NotificationKind = "sms_cancelled"
	// Nothing of the phone's has that number. ref; keyword: status or cancel.
	NotifySMSNotFound NotificationKind = "sms_not_found"
	// Thanks for a rating sent by SMS (a bare 1–4 answering NotifySatisfaction). case.
	NotifySMSRated NotificationKind = "sms_rated"
	// How to use a keyword the citizen got wrong (a missing or mistyped number, a complaint
	// without words). keyword: status, cancel or complaint.
	NotifySMSUsage NotificationKind = "sms_usage"
)

// SMSAppointmentsListed is how many appointments NotifySMSAppointments lists (ref1…ref2); the
// count tells the citizen how many more there are.
const SMSAppointmentsListed = 2

// The keyword param of NotifySMSNotFound and NotifySMSUsage.
const (
	KeywordStatus    = "status"
	KeywordCancel    = "cancel"
	KeywordComplaint = "complaint"
)

// Priority orders the outbox: a citizen's replies first, then acknowledgements and status
// changes, then bulk reminders, and staff alerts after every citizen's message. A storm of
// escalation alerts (a Monday after a long weekend) must not hold up the confirmations
// citizens are waiting for; staff see their cases in the console anyway.
type Priority int

const (
	PriorityUrgent Priority = 0  // replies to a citizen who is waiting
	PriorityNormal Priority = 5  // acknowledgements, status changes
	PriorityBulk   Priority = 9  // reminders, surveys
	PriorityStaff  Priority = 20 // alerts to staff: after every citizen's message, but sent in the quiet hours
)

// ClaimOrder is every priority an outbox row may have, in the order the outbox sends them.
// The stores claim each priority from an index range of its own (so a claim reads only rows
// that are due), which is why a row may carry no other priority: the stores refuse one.
var ClaimOrder = []Priority{PriorityUrgent, PriorityNormal, PriorityBulk, PriorityStaff}

// Valid reports whether p is one of ClaimOrder's.
func (p Priority) Valid() bool {
	for _, q := range ClaimOrder {
		if p == q {
			return true
		}
	}
	return false
}

// Notification is one outbound message as an outbox row. It is written in the same
// transaction as the event that caused it, so a change is never committed without its
// message nor a message queued for a change that rolled back.
type Notification struct {
	ID       int64
	Phone    Phone
	Lang     Lang
	Kind     NotificationKind
	Params   map[string]string // template arguments, by name
	Priority Priority
	// Essential messages (a reply, a status the citizen asked for) go out even to a phone
	// that texted STOP; non-essential ones (surveys, reminders) do not.
	Essential bool
	// Subject links the message to what caused it: "case:<number>" or "request:<ref>".
	Subject   string
	Status    string // OutboxQueued until the SMS channel sends it; see OutboxSent and the others
	CreatedAt time.Time

	// What the SMS channel recorded while sending (zero until it takes the row).
	Attempts       int       // sends tried, including a claim a dead worker lost
	NextAttemptAt  time.Time // when a queued retry is due; zero for a new row
	ATMessageID    string    // Africa's Talking's id, once it accepted the message
	Cost           string    // what Africa's Talking charged, e.g. "KES 0.8000"
	FailureReason  string    // why it failed or was suppressed, the last retry's reason, or the delivery report's
	DeliveryStatus string    // the latest delivery report's status (Success, Failed, Buffered, ...)
	SentAt         time.Time // when Africa's Talking accepted it
}

// NotificationFilter selects outbox rows (for tests and the agents' view of failures).
type NotificationFilter struct {
	Phone   Phone
	Kind    NotificationKind
	Subject string
	Status  string // queued, sending, sent, failed, suppressed
}

// DigestKinds are the alerts to staff that a storm merges into one NotifyAlertDigest.
var DigestKinds = []NotificationKind{NotifyEscalation, NotifyManagerAlert}

// IntegrityCategories are the categories of the integrity unit's cases, whose alerts are
// never merged into a digest: each corruption report is handled on its own, and a digest
// shared with the general queue's counts would tell of it.
func IntegrityCategories() []string {
	var out []string
	for _, c := range append([]Category{CategoryCallback}, ComplaintCategories...) {
		if QueueFor(c) == QueueIntegrity {
			out = append(out, string(c))
		}
	}
	return out
}

// Digestible reports whether n is an alert a storm may merge into a digest: an alert to
// staff about a case of the general queue.
func Digestible(n Notification) bool {
	if n.Kind != NotifyEscalation && n.Kind != NotifyManagerAlert {
		return false
	}
	return QueueFor(Category(n.Params["category"])) != QueueIntegrity
}
