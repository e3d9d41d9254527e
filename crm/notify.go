package crm

import "time"

// NotificationKind names what a message says; the SMS channel renders it from its own
// templates in the recipient's language. The domain decides what to tell and whom, the
// channel decides how.
type NotificationKind string

const (
	NotifyRequestStatus NotificationKind = "request_status"   // a tracked request changed status
	NotifyComplaintAck  NotificationKind = "complaint_ack"    // to the citizen: case number
	NotifyCallbackAck   NotificationKind = "callback_ack"     // to the citizen: when we will call
	NotifyManagerAlert  NotificationKind = "manager_alert"    // to a centre manager: new complaint
	NotifyEscalation    NotificationKind = "escalation_alert" // to the new level's people
	NotifyCaseReply     NotificationKind = "case_reply"       // an agent's reply to the citizen
	NotifyCaseStatus    NotificationKind = "case_status"      // a case changed status
	NotifyCaseResolved  NotificationKind = "case_resolved"    // resolution message
	NotifySatisfaction  NotificationKind = "satisfaction"     // "rate us 1-4"
	NotifyAssigned      NotificationKind = "case_assigned"    // to an agent: a case is theirs
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
