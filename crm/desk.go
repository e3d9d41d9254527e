package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// DeskConfig tunes the booking rules.
type DeskConfig struct {
	Calendar Calendar
	// SlotCapacity is how many citizens one slot of one service takes, unless the operator
	// wrote a slot row with its own capacity.
	SlotCapacity int
	// LeadTime is how far ahead a slot must start to be bookable today: time to get there.
	LeadTime time.Duration
	// Now is the clock; tests set it.
	Now func() time.Time
	// InboundRetention is how long citizens' SMS are kept (ForgetOldInbound): zero means
	// DefaultInboundRetention, negative keeps them for ever.
	InboundRetention time.Duration
	// FullSlotsRefresh is how often the copy of full slots free times are answered from is
	// read again (see fullSlots): zero means DefaultFullSlotsRefresh, negative reads the
	// slots of the day asked about every time.
	FullSlotsRefresh time.Duration
}

// Desk is the front desk of the domain: what the channels (through flows) ask of the CRM.
// It validates against the in-memory catalogue and calendar and leaves storage to the Store.
type Desk struct {
	store    Store
	cfg      DeskConfig
	catalog  atomic.Pointer[Catalog]
	full     *fullSlots
	openDays atomic.Pointer[openDaysMemo]
}

// NewDesk loads the catalogue from the store.
func NewDesk(ctx context.Context, store Store, cfg DeskConfig) (*Desk, error) {
	if cfg.Calendar.Location == nil {
		cfg.Calendar.Location = time.UTC
	}
	if cfg.Calendar.SlotMinutes <= 0 {
		return nil, errors.New("calendar: slot length must be positive")
	}
	if cfg.SlotCapacity <= 0 {
		return nil, errors.New("slot capacity must be positive")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.InboundRetention == 0 {
		cfg.InboundRetention = DefaultInboundRetention
	}
	if cfg.FullSlotsRefresh == 0 {
		cfg.FullSlotsRefresh = DefaultFullSlotsRefresh
	}
	d := &Desk{store: store, cfg: cfg, full: newFullSlots(store, cfg.FullSlotsRefresh, cfg.Now)}
	if err := d.Reload(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Reload rebuilds the catalogue from the store, so operators' edits (a new holiday, a county
// desk opening) take effect without a restart. Hops in flight keep the catalogue they began with.
func (d *Desk) Reload(ctx context.Context) error {
	data, err := d.store.ReferenceData(ctx)
	if err != nil {
		return fmt.Errorf("load reference data: %w", err)
	}
	if len(data.Centres) == 0 {
		return errors.New("load reference data: no centres in the store (run huduma seed)")
	}
	d.catalog.Store(NewCatalog(data))
	return nil
}

// Catalog is the current reference data.
func (d *Desk) Catalog() *Catalog { return d.catalog.Load() }

// Calendar is the opening timetable.
func (d *Desk) Calendar() Calendar { return d.cfg.Calendar }

// Now is the desk's clock in local time.
func (d *Desk) Now() time.Time { return d.cfg.Now().In(d.cfg.Calendar.Location) }

// Today is the current civil date in local time.
func (d *Desk) Today() time.Time { return DateOf(d.Now()) }

// OpenDays lists the next n days, from today, on which a citizen can still book a slot. The
// list is shared: callers must not change it.
func (d *Desk) OpenDays(n int) []time.Time {
	cat, now := d.Catalog(), d.Now()
	// Every booking asks, and the answer changes only with the catalogue, at midnight, or
	// when today's last slot can no longer be reached: it is kept until then.
	if m := d.openDays.Load(); m != nil && m.cat == cat && m.n == n && !now.Before(m.from) && now.Before(m.until) {
		return m.days
	}
	var days []time.Time
	earliest := now.Add(d.cfg.LeadTime)
	today := DateOf(now)
	tomorrow := today.AddDate(0, 0, 1)
	until := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 0, 0, 0, 0, d.cfg.Calendar.Location)
	// Look a year ahead at most: a calendar with every day closed must not loop forever.
	for day, i := today, 0; len(days) < n && i < 366; day, i = day.AddDate(0, 0, 1), i+1 {
		starts := d.cfg.Calendar.SlotStarts(cat, day)
		if len(starts) == 0 {
			continue
		}
		last := d.cfg.Calendar.Instant(day, starts[len(starts)-1])
		if last.Before(earliest) {
			continue
		}
		if day.Equal(today) {
			// Today drops off once earliest passes its last slot.
			if gone := last.Add(-d.cfg.LeadTime).Add(time.Nanosecond); gone.Before(until) {
				until = gone
			}
		}
		days = append(days, day)
	}
	d.openDays.Store(&openDaysMemo{cat: cat, n: n, days: days, from: now, until: until})
	return days
}

// openDaysMemo is OpenDays' last answer and what it depends on.
type openDaysMemo struct {
	cat         *Catalog
	n           int
	days        []time.Time
	from, until time.Time // the answer holds for a clock in [from, until)
}

func (d *Desk) earliestStart() time.Time { return d.Now().Add(d.cfg.LeadTime) }

// FreeTimes lists the start times on day that still have a free place for the service at the
// centre, soonest first. A slot filled through another process in the last FullSlotsRefresh
// (DeskConfig) may still be listed (see fullSlots); booking it then fails with ErrSlotFull.
func (d *Desk) FreeTimes(ctx context.Context, centre, service string, day time.Time) ([]int, error) {
	cat := d.Catalog()
	if !cat.Offers(centre, service) {
		return nil, ErrNotBookable
	}
	full, ok := d.full.fullOn(ctx, d.Today(), dayKey{centre, service, DateOf(day)})
	if !ok {
		usage, err := d.store.SlotUsage(ctx, centre, service, day)
		if err != nil {
			return nil, fmt.Errorf("slot usage %s/%s/%s: %w", centre, service, day.Format(time.DateOnly), err)
		}
		for _, u := range usage {
			if u.Booked >= u.Capacity {
				full = append(full, u.Start)
			}
		}
	}
	earliest := d.earliestStart()
	var free []int
	for _, s := range d.cfg.Calendar.SlotStarts(cat, day) {
		if !slices.Contains(full, s) && !d.cfg.Calendar.Instant(day, s).Before(earliest) {
			free = append(free, s)
		}
	}
	return free, nil
}

// Booking is a citizen's request for a place.
type Booking struct {
	Phone          Phone
	Centre         string
	Service        string
	Day            time.Time
	Start          int
	IdempotencyKey string
	// Lang is the language to confirm the booking in; "" reads the phone's remembered one.
	Lang Lang
}

// Book checks the request against the catalogue and calendar and books it. The appointment
// is committed when Book returns without error.
func (d *Desk) Book(ctx context.Context, b Booking) (Appointment, error) {
	if err := d.checkSlot(b.Centre, b.Service, b.Day, b.Start); err != nil {
		return Appointment{}, err
	}
	lang := d.citizenLang(ctx, b.Phone, b.Lang)
	// A reference collision is rare (1 in 10^8 per pair) but must not fail a booking.
	for attempt := 0; ; attempt++ {
		ref, err := NewReference()
		if err != nil {
			return Appointment{}, err
		}
		now := d.cfg.Now().UTC()
		na := NewAppointment{
			Ref: ref, Phone: b.Phone, Centre: b.Centre, Service: b.Service,
			Day: DateOf(b.Day), Start: b.Start, Capacity: d.cfg.SlotCapacity,
			IdempotencyKey: b.IdempotencyKey, CreatedAt: now,
		}
		na.Notifications = []Notification{appointmentNotice(Appointment{
			Ref: ref, Phone: b.Phone, Centre: b.Centre, Service: b.Service, Day: na.Day, Start: b.Start,
		}, NotifyBookingConfirmed, lang, now)}
		a, err := d.store.Book(ctx, na)
		if errors.Is(err, ErrReferenceTaken) && attempt < 5 {
			continue
		}
		if err == nil || errors.Is(err, ErrSlotFull) {
			// Full now, perhaps through another process that the copy of full slots has not
			// caught up with: offer the day's times from the store again.
			d.full.changedHere(b.Centre, b.Service, b.Day)
		}
		if err != nil {
			return Appointment{}, fmt.Errorf("book %s/%s: %w", b.Centre, b.Service, err)
		}
		return a, nil
	}
}

// Reschedule moves an appointment to another slot at the same centre for the same service.
func (d *Desk) Reschedule(ctx context.Context, phone Phone, ref Reference, centre, service string, day time.Time, start int) (Appointment, error) {
	if err := d.checkSlot(centre, service, day, start); err != nil {
		return Appointment{}, err
	}
	// The confirmation names the new slot; the store queues it only if the appointment moves.
	confirm := appointmentNotice(Appointment{
		Ref: ref, Phone: phone, Centre: centre, Service: service, Day: DateOf(day), Start: start,
	}, NotifyBookingConfirmed, d.citizenLang(ctx, phone, ""), d.cfg.Now().UTC())
	a, err := d.store.Reschedule(ctx, phone, ref, DateOf(day), start, d.cfg.SlotCapacity, confirm)
	if err != nil {
		return Appointment{}, fmt.Errorf("reschedule: %w", err)
	}
	// The place it left is freed too, on a day the store does not name: every day of the
	// service at the centre is read from the store until the next read of the full slots.
	d.full.changedHere(centre, service, day)
	d.full.changedHere(centre, service, time.Time{})
	return a, nil
}

func (d *Desk) checkSlot(centre, service string, day time.Time, start int) error {
	cat := d.Catalog()
	if !cat.Offers(centre, service) || !d.cfg.Calendar.IsSlot(cat, day, start) {
		return ErrNotBookable
	}
	if d.cfg.Calendar.Instant(day, start).Before(d.earliestStart()) {
		return ErrNotBookable
	}
	return nil
}

// Cancel cancels one of the phone's appointments and frees its place; the citizen is told
// by SMS (queued with the cancellation) in lang, or in their remembered language when lang is
// "". A channel that knows the language passes it and saves the hop a read.
func (d *Desk) Cancel(ctx context.Context, phone Phone, ref Reference, lang Lang) (Appointment, error) {
	a, _, err := d.CancelBooking(ctx, phone, ref, lang)
	return a, err
}

// CancelBooking is Cancel that also reports whether this call cancelled the appointment
// (false: it was cancelled already, and nothing was written or queued).
func (d *Desk) CancelBooking(ctx context.Context, phone Phone, ref Reference, lang Lang) (Appointment, bool, error) {
	// The language is settled before the store's transaction: the notifier runs inside it
	// and must not use the store.
	lang, now := d.citizenLang(ctx, phone, lang), d.cfg.Now().UTC()
	cancelled := false
	a, err := d.store.Cancel(ctx, phone, ref, func(a Appointment) []Notification {
		cancelled = true
		return []Notification{appointmentNotice(a, NotifyBookingCancelled, lang, now)}
	})
	if err != nil {
		return Appointment{}, false, fmt.Errorf("cancel: %w", err)
	}
	if cancelled {
		d.full.changedHere(a.Centre, a.Service, a.Day)
	}
	return a, cancelled, nil
}

// citizenLang is the language to write to phone in: given when valid, else the one the phone
// chose, else English.
func (d *Desk) citizenLang(ctx context.Context, phone Phone, given Lang) Lang {
	if given.Valid() {
		return given
	}
	if l, err := d.store.Language(ctx, phone); err == nil && l.Valid() {
		return l
	}
	return English
}

// appointmentNotice is a message to the citizen about an appointment (a confirmation, a
// cancellation, a reminder) with the params the booking kinds take.
func appointmentNotice(a Appointment, kind NotificationKind, lang Lang, now time.Time) Notification {
	return Notification{
		Phone: a.Phone, Lang: lang, Kind: kind, Priority: PriorityNormal, Essential: true,
		Subject: AppointmentSubject(a.Ref), CreatedAt: now, Params: AppointmentParams(a),
	}
}

// AppointmentSubject is the outbox subject of every message about an appointment: stores
// find an appointment's queued reminders by it.
func AppointmentSubject(ref Reference) string { return "appointment:" + string(ref) }

// ReminderKinds are the messages that remind a citizen of an appointment still to come.
var ReminderKinds = []NotificationKind{NotifyReminderEvening, NotifyReminderMorning}

// AppointmentParams are the params that name an appointment in a message: ref, centre,
// service, day (YYYY-MM-DD) and time (HH:MM, local, as booked).
func AppointmentParams(a Appointment) map[string]string {
	return map[string]string{
		"ref": string(a.Ref), "centre": a.Centre, "service": a.Service,
		"day": DateOf(a.Day).Format(time.DateOnly), "time": FormatMinute(a.Start),
	}
}

// Upcoming lists the phone's booked appointments from today on.
func (d *Desk) Upcoming(ctx context.Context, phone Phone) ([]Appointment, error) {
	list, err := d.store.Upcoming(ctx, phone, d.Today())
	if err != nil {
		return nil, fmt.Errorf("upcoming appointments: %w", err)
	}
	return list, nil
}

// Language is the phone's remembered language ("" before the first choice).
func (d *Desk) Language(ctx context.Context, phone Phone) (Lang, error) {
	l, err := d.store.Language(ctx, phone)
	if err != nil {
		return "", fmt.Errorf("language: %w", err)
	}
	return l, nil
}

// SetLanguage remembers the phone's language for every later session and channel.
func (d *Desk) SetLanguage(ctx context.Context, phone Phone, l Lang) error {
	if !l.Valid() {
		return fmt.Errorf("language %q is not served", l)
	}
	if err := d.store.SetLanguage(ctx, phone, l); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}
