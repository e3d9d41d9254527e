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
)

// Priority orders the outbox: replies and alerts before bulk reminders.
type Priority int

const (
	PriorityUrgent Priority = 0 // alerts to staff, replies to a citizen who is waiting
	PriorityNormal Priority = 5 // acknowledgements, status changes
	PriorityBulk   Priority = 9 // reminders, surveys
)

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
	Status    string // "queued" until the SMS channel sends it
	CreatedAt time.Time
}

// NotificationFilter selects outbox rows (for tests and the agents' view of failures).
type NotificationFilter struct {
	Phone   Phone
	Kind    NotificationKind
	Subject string
}
