package crm

import (
	"context"
	"errors"
	"time"
)

// Errors the stores return and the channels turn into a citizen's answer.
var (
	ErrNotFound         = errors.New("not found")
	ErrSlotFull         = errors.New("slot full")
	ErrAlreadyBooked    = errors.New("already booked for this service on this day")
	ErrReferenceTaken   = errors.New("reference already in use")
	ErrNotBookable      = errors.New("not a bookable slot")
	ErrAppointmentEnded = errors.New("appointment cancelled or past")
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
}

// SlotUsage is how full a slot is. Slots without a row are empty at default capacity.
type SlotUsage struct {
	Start    int
	Booked   int
	Capacity int
}

// Store is what the domain needs from persistent storage. Every method is one transaction:
// when it returns without error the change is committed, so a channel can tell the citizen.
type Store interface {
	// ReferenceData reads centres, services, offerings and holidays for the catalogue.
	ReferenceData(ctx context.Context) (RefData, error)

	// SlotUsage reports the slots of a centre, service and day that have rows.
	SlotUsage(ctx context.Context, centre, service string, day time.Time) ([]SlotUsage, error)

	// Book reserves a place and records the appointment in one transaction. It returns
	// ErrSlotFull when no place is left, ErrAlreadyBooked when the phone already holds an
	// appointment for that service that day, ErrReferenceTaken when the reference collides;
	// in each case nothing is written.
	Book(ctx context.Context, a NewAppointment) (Appointment, error)

	// Cancel cancels the phone's appointment and frees its place. Cancelling an appointment
	// that is already cancelled returns it unchanged. A reference that is not the phone's is
	// ErrNotFound.
	Cancel(ctx context.Context, phone Phone, ref Reference) (Appointment, error)

	// Reschedule moves the phone's booked appointment to another slot, keeping its
	// reference: the new place is reserved and the old one freed in one transaction.
	Reschedule(ctx context.Context, phone Phone, ref Reference, day time.Time, start, capacity int) (Appointment, error)

	// Upcoming lists the phone's booked appointments on or after from, soonest first.
	Upcoming(ctx context.Context, phone Phone, from time.Time) ([]Appointment, error)

	// Language is the phone's remembered language, "" if none was chosen yet.
	Language(ctx context.Context, phone Phone) (Lang, error)
	SetLanguage(ctx context.Context, phone Phone, lang Lang) error
}
