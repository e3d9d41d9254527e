package crm

import (
	"context"
	"time"
)

// CallDirection says who rang whom.
type CallDirection string

const (
	CallInbound  CallDirection = "inbound"
	CallOutbound CallDirection = "outbound"
)

// Valid reports whether d is a known direction.
func (d CallDirection) Valid() bool { return d == CallInbound || d == CallOutbound }

// CallOutcome is what came of a call, as far as the gateway knows.
type CallOutcome string

const (
	CallInMenu    CallOutcome = "menu"      // in the phone menu (the default)
	CallQueued    CallOutcome = "queued"    // waiting in an agent queue
	CallAnswered  CallOutcome = "answered"  // an agent took it (dequeued, or an outbound call was answered)
	CallCallback  CallOutcome = "callback"  // the caller asked to be called back (a case)
	CallMessage   CallOutcome = "message"   // the caller left a recorded message (a case)
	CallComplaint CallOutcome = "complaint" // a complaint was recorded (a case)
	CallAbandoned CallOutcome = "abandoned" // hung up waiting in the queue
)

// CallOutcomes lists every outcome.
var CallOutcomes = []CallOutcome{CallInMenu, CallQueued, CallAnswered, CallCallback, CallMessage, CallComplaint, CallAbandoned}

// Valid reports whether o is a known outcome.
func (o CallOutcome) Valid() bool { return o.Rank() >= 0 }

// Rank orders outcomes: a call's outcome only moves to a higher rank, so callbacks that arrive
// repeated or out of order cannot take it back. Abandonment ranks above queued (it is where a
// queued call ends) and below every outcome that gave the caller something: a late callback
// saying an agent answered wins over an end-of-call notification that came first. Outcomes of
// equal rank keep the one stored first. -1 for an unknown outcome.
//
// The stores repeat this order in SQL (see their calls.go); the conformance suite checks
// them against it.
func (o CallOutcome) Rank() int {
	switch o {
	case CallInMenu:
		return 0
	case CallQueued:
		return 1
	case CallAbandoned:
		return 2
	case CallCallback, CallMessage, CallComplaint:
		return 3
	case CallAnswered:
		return 4
	}
	return -1
}

// Call is one phone call through the contact-centre number, linked to the citizen's phone and,
// where one exists, to a case.
type Call struct {
	ID              int64
	SessionID       string // Africa's Talking voice sessionId (unique)
	Direction       CallDirection
	Phone           Phone // the citizen: the caller inbound, the callee outbound
	Lang            Lang
	CaseID          int64     // 0: no case
	CaseNumber      Reference // "" when no case (read side only)
	AgentID         int64     // the agent who answered or placed it; 0: none
	Queue           string    // agent queue name, when the caller was enqueued
	Outcome         CallOutcome
	RecordingURL    string
	DurationSeconds int
	Cost            string // AT's currencyCode + amount, e.g. "KES 1.5000"
	HangupCause     string
	Active          bool
	StartedAt       time.Time
	EndedAt         time.Time // zero while active
}

// CallEvent is what one voice callback tells about a call. Recording it merges it into the
// call's record by SessionID: empty/zero fields keep what is stored, so callbacks arriving
// repeated, out of order, or only the final notification, all give the same record. Outcome
// only moves forward in the order menu < queued < callback/message/complaint < answered
// (abandoned applies only to a call that was queued and ended unanswered).
//
// The merge, field by field: Direction and Phone are the call's identity, so the first
// non-empty value stays. Lang, CaseID, AgentID, Queue, RecordingURL, Cost and HangupCause take
// the event's value when it has one; DurationSeconds is the longest reported. StartedAt is the
// earliest At seen (for a final notification, At less the call's duration); EndedAt the
// earliest final At. A call
// stays inactive once a final notification was seen. An event whose Outcome is CallAbandoned
// counts as CallQueued: abandonment is decided when the call ends.
type CallEvent struct {
	SessionID       string
	Direction       CallDirection
	Phone           Phone
	Lang            Lang
	CaseID          int64
	AgentID         int64
	Queue           string
	Outcome         CallOutcome
	RecordingURL    string
	Final           bool // the end-of-call notification (isActive=0)
	DurationSeconds int
	Cost            string
	HangupCause     string
	At              time.Time // when the gateway got the callback
}

// CallStore keeps call records (part of crm.Store).
type CallStore interface {
	// RecordCall merges ev into the call's record (creating it on the first event) in one
	// statement, by the rules of CallEvent, and returns the merged record. Concurrent repeats
	// of one event leave one row. The Office validates ev first: the store trusts it.
	RecordCall(ctx context.Context, ev CallEvent) (Call, error)
	Call(ctx context.Context, sessionID string) (Call, error) // ErrNotFound
	// CallsOfCase lists a case's calls, oldest first.
	CallsOfCase(ctx context.Context, caseID int64) ([]Call, error)
	// CallsOfPhone lists up to limit of a phone's calls, newest first.
	CallsOfPhone(ctx context.Context, phone Phone, limit int) ([]Call, error)
}

// VoiceDialer is what the back office needs from the voice provider (an adapter around
// sms/africastalking.Client is wired in cmd/huduma).
type VoiceDialer interface {
	// Call rings the citizen from the contact-centre number and connects them; it returns AT's voice sessionId.
	Call(ctx context.Context, to Phone, clientRequestID string) (sessionID string, err error)
	// QueuedCalls reports how many callers wait in each agent queue (by queue name).
	QueuedCalls(ctx context.Context) (map[string]int, error)
}

// ErrVoiceUnavailable means no voice provider is configured: the back office cannot place
// calls or report queues.
var ErrVoiceUnavailable = newError(KindUnavailable, "voice calls are not configured")

// Alone is the record ev makes of a call no other callback told about: the row a store
// inserts for a new session id, and the event's side of every merge. No outcome is the
// menu. A final notification ends the call, abandoned if it was waiting in a queue, and dates
// its start back by its duration: the best guess when no earlier callback came.
func (ev CallEvent) Alone() Call {
	c := Call{
		SessionID: ev.SessionID, Direction: ev.Direction, Phone: ev.Phone, Lang: ev.Lang,
		CaseID: ev.CaseID, AgentID: ev.AgentID, Queue: ev.Queue, Outcome: ev.Outcome,
		RecordingURL: ev.RecordingURL, DurationSeconds: ev.DurationSeconds, Cost: ev.Cost,
		HangupCause: ev.HangupCause, Active: !ev.Final, StartedAt: ev.At,
	}
	switch c.Outcome {
	case "":
		c.Outcome = CallInMenu
	case CallAbandoned:
		c.Outcome = CallQueued // decided below, by whether the call ended
	}
	if ev.Final {
		c.StartedAt = ev.At.Add(-time.Duration(ev.DurationSeconds) * time.Second)
		c.EndedAt = ev.At
		if c.Outcome == CallQueued {
			c.Outcome = CallAbandoned
		}
	}
	return c
}
