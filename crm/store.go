package crm

import (
	"context"
	"time"
)

// Errors the stores return and the channels turn into a citizen's answer.
var (
	ErrNotFound         = newError(KindNotFound, "not found")
	ErrSlotFull         = newError(KindConflict, "slot full")
	ErrAlreadyBooked    = newError(KindConflict, "already booked for this service on this day")
	ErrReferenceTaken   = newError(KindConflict, "reference already in use")
	ErrNotBookable      = newError(KindInvalid, "not a bookable slot")
	ErrAppointmentEnded = newError(KindConflict, "appointment cancelled or past")
)

// AppointmentStatus is where an appointment stands.
type AppointmentStatus string

const (
	StatusBooked    AppointmentStatus = "booked"
	StatusCancelled AppointmentStatus = "cancelled"
)

// Appointment is a citizen's place in a slot.
type Appointment struct {
	Ref       Reference
	Phone     Phone
	Centre    string // centre code
	Service   string // service code
	Day       time.Time
	Start     int // minutes after midnight, local time
	Status    AppointmentStatus
	CreatedAt time.Time
}

// NewAppointment is what a store needs to book.
type NewAppointment struct {
	Ref     Reference
	Phone   Phone
	Centre  string
	Service string
	Day     time.Time
	Start   int
	// Capacity is the slot's capacity if the slot has no row yet; a row the operator wrote
	// (to open more places, or 0 to close a slot) wins.
	Capacity int
	// IdempotencyKey names the citizen's action (the USSD session and hop): booking twice
	// with the same key returns the first appointment instead of booking again, so an
	// aggregator's repeated request never books twice.
	IdempotencyKey string
	CreatedAt      time.Time
	// Notifications are queued with the appointment, in its transaction (the confirmation).
	// A booking answered from an earlier one's idempotency key queues none.
	Notifications []Notification
}

// AppointmentNotifier builds the notifications a change to an appointment queues, from the
// appointment as the change found it. A store calls it inside its transaction, so it must not
// use the store.
type AppointmentNotifier func(Appointment) []Notification

// SlotUsage is how full a slot is. Slots without a row are empty at default capacity.
type SlotUsage struct {
	Start    int
	Booked   int
	Capacity int
}

// SlotKey names one slot: a service's start time on a day at a centre.
type SlotKey struct {
	Centre  string
	Service string
	Day     time.Time // a date (DateOf)
	Start   int       // minutes after midnight
}

// Store is what the domain needs from persistent storage. Every method is one transaction:
// when it returns without error the change is committed, so a channel can tell the citizen.
// SetLanguage may instead queue the choice for a batch written moments later (a preference
// the citizen is not told is done); Language then answers it from the queue.
// Every notification a method is given is written as an outbox row in that same transaction.
type Store interface {
	BookingStore
	RequestStore
	CaseStore
	UserStore
	AgencyStore
	OutboxStore
	MessagingStore
	SendingStore
	CallStore
	SavedReplyStore
	PresenceStore
	LoginThrottleStore
	CitizenStore // rights.go: export, erasure, retention, who read what
}

// BookingStore holds reference data, slots, appointments and what we remember per citizen.
type BookingStore interface {
	// ReferenceData reads centres, services, offerings and holidays for the catalogue.
	ReferenceData(ctx context.Context) (RefData, error)

	// SlotUsage reports the slots of a centre, service and day that have rows.
	SlotUsage(ctx context.Context, centre, service string, day time.Time) ([]SlotUsage, error)

	// FullSlots lists every slot from one day to another (both included) with no place left:
	// booked up, or closed by the operator (capacity 0).
	FullSlots(ctx context.Context, from, to time.Time) ([]SlotKey, error)

	// Book reserves a place and records the appointment in one transaction. It returns
	// ErrSlotFull when no place is left, ErrAlreadyBooked when the phone already holds an
	// appointment for that service that day, ErrReferenceTaken when the reference collides;
	// in each case nothing is written.
	Book(ctx context.Context, a NewAppointment) (Appointment, error)

	// Cancel cancels the phone's appointment and frees its place, and queues the
	// notifications each notify builds from the appointment, in the same transaction. Its
	// reminders still queued are suppressed (ReminderWithdrawn).
	// Cancelling an appointment that is already cancelled returns it unchanged and calls no
	// notify. A reference that is not the phone's is ErrNotFound.
	Cancel(ctx context.Context, phone Phone, ref Reference, notify ...AppointmentNotifier) (Appointment, error)

	// Reschedule moves the phone's booked appointment to another slot, keeping its
	// reference: the new place is reserved, the old one freed and n queued in one
	// transaction. Reminders of the old time still queued are suppressed, and the reminders
	// already sent are forgotten, so the new time is reminded as a new booking is. Moving it
	// to the slot it already has changes nothing and queues nothing.
	Reschedule(ctx context.Context, phone Phone, ref Reference, day time.Time, start, capacity int, n ...Notification) (Appointment, error)

	// Upcoming lists the phone's booked appointments on or after from, soonest first.
	Upcoming(ctx context.Context, phone Phone, from time.Time) ([]Appointment, error)

	// Language is the phone's remembered language, "" if none was chosen yet.
	Language(ctx context.Context, phone Phone) (Lang, error)
	SetLanguage(ctx context.Context, phone Phone, lang Lang) error
}

// RequestStore holds tracked requests and their history.
type RequestStore interface {
	// CreateRequest registers a request (Version 1) with its first event. If a request with
	// the same Ref exists with the same phone, service and centre, it is returned with
	// created=false and nothing is written (an agency's retry); with different ones the
	// answer is ErrReferenceTaken.
	CreateRequest(ctx context.Context, r Request, first RequestEvent, n []Notification) (got Request, created bool, err error)

	// RequestByRef reads a request with its events, oldest first.
	RequestByRef(ctx context.Context, ref Reference) (Request, error)

	// AddRequestEvent records a status change: r is the request's new state, r.Version the
	// version it was read at. When e.IdempotencyKey names an event the request already has,
	// the current request is returned with added=false and nothing is written. When the
	// request changed since it was read the answer is ErrConflict and nothing is written.
	// The returned request has the new version.
	AddRequestEvent(ctx context.Context, r Request, e RequestEvent, n []Notification) (got Request, added bool, err error)

	// RequestsOfPhone lists up to limit of a phone's requests without their events, newest
	// first (then by Ref), for the agent who has that citizen's case open.
	RequestsOfPhone(ctx context.Context, phone Phone, limit int) ([]Request, error)
}

// CaseStore holds cases, their notes and audit trail, and assigns them.
type CaseStore interface {
	// CreateCase stores a new case (the store gives it its ID and Version 1) with its first
	// audit entry. A non-empty IdempotencyKey that an existing case carries returns that case
	// with created=false and writes nothing. A taken Number is ErrReferenceTaken.
	CreateCase(ctx context.Context, c Case, a AuditEntry, n []Notification) (got Case, created bool, err error)

	Case(ctx context.Context, id int64) (Case, error)
	CaseByNumber(ctx context.Context, number Reference) (Case, error)

	// Cases lists the cases the filter selects, soonest deadline first (cases without one
	// last), then by ID.
	Cases(ctx context.Context, f CaseFilter) ([]Case, error)

	// UpdateCase writes c (read at c.Version) and the change's audit entries, notes and
	// notifications, whose CaseID it fills in. If the case changed since it was read the
	// answer is ErrConflict and nothing is written. It returns c at its new version. This
	// conditional write is what makes an escalation happen once even with a scheduler in
	// every replica.
	UpdateCase(ctx context.Context, c Case, ch CaseChange) (Case, error)

	// UpdateCases writes many cases, each as UpdateCase would, in one transaction: a case
	// that changed since it was read is left as it is and its change is not written
	// (written[i] false), without failing the others. It is the sweep's: after a long
	// weekend twenty thousand cases breach at once, and one transaction each took minutes.
	UpdateCases(ctx context.Context, updates []CaseUpdate) (written []bool, err error)

	// Timeline reads a case's audit trail and notes, oldest first.
	Timeline(ctx context.Context, id int64) ([]AuditEntry, []Note, error)

	// AddAudit appends one entry to case id's audit trail without changing the case or its
	// version: a record of something that happened to the case without changing it, such as
	// someone reading a corruption report. ErrNotFound when there is no such case.
	AddAudit(ctx context.Context, id int64, a AuditEntry) error

	// WatchCases announces every committed case creation and change, made through any
	// handle on the same database (every replica), until ctx ends; then the channel is
	// closed. A listener that falls behind, or a feed that reconnects, gets crm.Resync.
	WatchCases(ctx context.Context) (<-chan CaseEvent, error)

	// OpenCaseCounts counts the open cases (every status but resolved and closed) by queue,
	// level, language and assignee (0: nobody), for the supervisors' board.
	OpenCaseCounts(ctx context.Context) ([]CaseCount, error)

	// DueCases lists up to limit cases whose deadline has passed at now: open, not pending
	// the citizen, DueAt set and not after now; oldest deadline first.
	DueCases(ctx context.Context, now time.Time, limit int) ([]Case, error)

	// UnassignedCases lists up to limit new cases of a queue and language without an
	// assignee, oldest first.
	UnassignedCases(ctx context.Context, queue Queue, lang Lang, limit int) ([]Case, error)

	// AssignNext assigns c (read at c.Version) round-robin, in one transaction: among the
	// available users of c's queue (role agent for QueueGeneral, integrity_officer for
	// QueueIntegrity) who speak c.Lang and hold fewer than limit open cases, the one assigned
	// longest ago (never first, then lowest ID). The user's LastAssignedAt becomes now, the
	// case becomes assigned to them (status assigned if it was new) with an audit entry
	// (actor "system", action "assigned", To the username). Two concurrent calls never hand
	// one agent more than limit cases. ErrNoAgent when nobody qualifies; ErrConflict when c
	// changed since it was read.
	AssignNext(ctx context.Context, c Case, limit int, now time.Time) (Case, User, error)

	// RatingSummary counts ratings by centre (by = "centre") or by assigned agent's
	// username (by = "agent"), over the cases of f.Queue (and of f.Centre when set; the
	// filter's other fields are ignored), so a corruption report never counts in a centre's
	// or the general queue's figures.
	RatingSummary(ctx context.Context, by string, f CaseFilter) ([]RatingCount, error)
}

// UserStore holds console users and their session tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u User) (User, error) // ErrUsernameTaken
	User(ctx context.Context, id int64) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	Users(ctx context.Context, f UserFilter) ([]User, error) // by ID
	UpdateUser(ctx context.Context, u User) error            // every field but ID, Username, CreatedAt

	CreateToken(ctx context.Context, t Token) error
	// TokenUser finds the token by hash and its user; ErrNotFound if there is none (expiry
	// is the domain's to check, so it can say "expired" rather than "unknown").
	TokenUser(ctx context.Context, hash string) (Token, User, error)
	DeleteToken(ctx context.Context, hash string) error
	// DeleteUserTokens ends every session of a user, and says how many there were.
	DeleteUserTokens(ctx context.Context, userID int64) (int, error)
	// TouchToken records that the token was used at the given time (Token.LastSeen).
	TouchToken(ctx context.Context, hash string, at time.Time) error
}

// AgencyStore holds the agencies that push request statuses.
type AgencyStore interface {
	CreateAgency(ctx context.Context, a Agency) error // ErrExists for a taken code
	Agency(ctx context.Context, code string) (Agency, error)
	AgencyByKey(ctx context.Context, keyHash string) (Agency, error)
}

// OutboxStore reads the outbox (the SMS channel sends and updates it).
type OutboxStore interface {
	Notifications(ctx context.Context, f NotificationFilter) ([]Notification, error) // by ID
}

// ErrExists means a record with that key already exists.
var ErrExists = newError(KindConflict, "already exists")
