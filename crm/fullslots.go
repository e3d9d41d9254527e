package crm

import (
	"context"
	"sync"
	"time"
)

// fullSlots is this process's copy of which slots have no place left, over the days a
// citizen can book, read whole from the store at most once a refresh interval.
//
// Every booking asks which times of a day are free; reading the slots on that hop was one of
// a booking session's four round trips to the database. Full slots are few, so the whole
// set is cheap to read and hold, and a day's free times become a lookup. What the copy can
// get wrong, and why it is harmless:
//
//   - A slot that filled on another replica since the last read is offered for up to one
//     interval. Booking it fails in the store's transaction (ErrSlotFull), which counts
//     places, and the citizen is asked to choose another time, as when two citizens race
//     for the last place.
//   - A place freed on another replica (a cancellation, an operator opening a slot) is
//     offered up to one interval late.
//
// Changes made through this process are never missed: a slot changed here is read from the
// store, as before, until a read of the whole set that began after the change.
type fullSlots struct {
	store   Store
	every   time.Duration
	horizon int // days from today the copy covers
	clock   func() time.Time

	mu      sync.Mutex
	full    map[dayKey][]int // start times with no place left
	from    time.Time        // first and last day covered; zero before the first read
	to      time.Time
	readAt  time.Time            // when the read behind the copy began
	changed map[dayKey]time.Time // days of a centre and service changed here, and when
	reading bool                 // a read is under way: other hops use the copy meanwhile
}

// dayKey names a service's day at a centre.
type dayKey struct {
	centre, service string
	day             time.Time
}

// DefaultFullSlotsRefresh is how often the copy of full slots is read again by default.
const DefaultFullSlotsRefresh = time.Second

// fullSlotsReadTimeout bounds a read of the full slots. The read runs for every hop of the
// process, so it is not tied to the hop that happens to start it (a hop at its deadline would
// otherwise fail it, and every hop would lose the copy).
const fullSlotsReadTimeout = 2 * time.Second

// fullSlotsHorizon covers any booking window (flows offers ten open days) with room for
// weekends and holidays.
const fullSlotsHorizon = 31

// newFullSlots keeps a copy read through store, refreshed every interval of clock (the
// desk's, so that a test moves the refresh with the rest of the desk).
func newFullSlots(store Store, every time.Duration, clock func() time.Time) *fullSlots {
	return &fullSlots{store: store, every: every, horizon: fullSlotsHorizon, clock: clock,
		changed: map[dayKey]time.Time{}}
}

// fullOn answers which start times of a service's day at a centre are full, from the copy,
// reading the copy again first when it is due. ok is false when the copy cannot answer: the
// day is outside it, changed here since it was read, or there is no copy (none read yet, or
// the read failed); the caller then reads the day's slots, and a database that is down
// shows there.
func (f *fullSlots) fullOn(ctx context.Context, today time.Time, k dayKey) (full []int, ok bool) {
	if f.every <= 0 {
		return nil, false
	}
	f.refreshIfDue(ctx, today)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.from.IsZero() || k.day.Before(f.from) || k.day.After(f.to) {
		return nil, false
	}
	for _, c := range []dayKey{k, {k.centre, k.service, time.Time{}}} {
		if at, changed := f.changed[c]; changed && !at.Before(f.readAt) {
			return nil, false
		}
	}
	return f.full[k], true
}

// refreshIfDue reads the whole set again when the copy is older than the interval, or
// covers other days. One hop reads while the others go on with the copy they have.
// A failed read drops the copy.
func (f *fullSlots) refreshIfDue(ctx context.Context, today time.Time) {
	now := f.clock()
	f.mu.Lock()
	due := f.from.IsZero() || !f.from.Equal(today) || now.Sub(f.readAt) >= f.every
	if !due || f.reading {
		f.mu.Unlock()
		return
	}
	f.reading = true
	f.mu.Unlock()

	to := today.AddDate(0, 0, f.horizon)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fullSlotsReadTimeout)
	list, err := f.store.FullSlots(ctx, today, to)
	cancel()

	f.mu.Lock()
	defer f.mu.Unlock()
	f.reading = false
	if err != nil {
		f.full, f.from, f.to = nil, time.Time{}, time.Time{}
		return
	}
	f.full = make(map[dayKey][]int)
	for _, s := range list {
		k := dayKey{s.Centre, s.Service, DateOf(s.Day)}
		f.full[k] = append(f.full[k], s.Start)
	}
	f.from, f.to, f.readAt = today, to, now
	for k, at := range f.changed {
		if at.Before(now) {
			delete(f.changed, k)
		}
	}
}

// changedHere marks a day's slots as changed by this process: they are read from the store
// until the next read of the whole set. A zero day marks every day of the service at the
// centre (a reschedule frees a place on a day the desk is not told).
func (f *fullSlots) changedHere(centre, service string, day time.Time) {
	if !day.IsZero() {
		day = DateOf(day)
	}
	f.mu.Lock()
	f.changed[dayKey{centre, service, day}] = f.clock()
	f.mu.Unlock()
}
