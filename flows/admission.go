package flows

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBusy means a hop was not admitted: the menus already run as many hops as they may, and
// no place came free before the hop's start-by time. The channel answers it with the busy
// notice at once, without touching the stores.
var ErrBusy = errors.New("busy: too many hops in flight")

// Admission bounds the hops the menus run at once on this replica, and decides who waits for
// a place and for how long.
//
// Without it, a burst past what the stores can serve queues every hop in front of the
// database: each waits until its deadline, memory grows with the queue, and hardly any session
// completes. With it, the hops past the bound wait a short while for a place and are then
// answered "busy" in microseconds, while those admitted run at full speed.
//
// A hop of a session already under way (Continuing) goes before a session's first hop (New)
// when a place comes free: what a session has done so far is work the replica has already
// paid for, and a citizen cut off on the fifth screen is worse served than one asked to dial
// again before the first. Under overload the replica therefore takes on only as many new
// sessions as it can finish.
type Admission struct {
	max int

	mu       sync.Mutex
	running  int
	waiting  [2]list.List // of *waiter, by Priority, the next to be served in front
	inFlight atomic.Int64
	shed     [2]atomic.Uint64
	served   atomic.Uint64 // hops finished
	took     atomic.Int64  // their total time from Admit to Release, in nanoseconds
}

// Priority orders the hops waiting for a place.
type Priority int

const (
	// Continuing is a hop of a session that has already had its first.
	Continuing Priority = iota
	// New is a session's first hop.
	New
)

type waiter struct {
	ready chan struct{} // receives the place handed over by a releasing hop
}

// DefaultMaxHops is the default bound on hops in flight on one replica. A hop spends most of
// its time waiting on Postgres and Redis, so a few dozen at once keep two cores busy; more
// only queue in front of the database.
const DefaultMaxHops = 64

// NewAdmission admits at most limit hops at once (limit < 1 means 1).
func NewAdmission(limit int) *Admission {
	return &Admission{max: max(limit, 1)}
}

// Place is one hop's place among those in flight. A value, not a closure, so that admitting a
// hop allocates nothing on the hop path.
type Place struct {
	a     *Admission
	start time.Time // when the hop asked for its place
}

// Release gives the place back; releasing it again changes nothing.
func (p *Place) Release() {
	a := p.a
	if a == nil {
		return
	}
	p.a = nil
	a.took.Add(int64(time.Since(p.start)))
	a.served.Add(1)
	a.inFlight.Add(-1)
	a.mu.Lock()
	a.handOver()
	a.mu.Unlock()
}

// Admit waits for a place for one hop, until startBy at the latest, and returns it (Release it
// when the hop is done). It returns ErrBusy when no place came free by startBy, and the
// context's error when ctx ends first.
func (a *Admission) Admit(ctx context.Context, p Priority, startBy time.Time) (place Place, err error) {
	start := time.Now()
	a.mu.Lock()
	if a.running < a.max && a.waiting[Continuing].Len() == 0 && (p == Continuing || a.waiting[New].Len() == 0) {
		a.running++
		a.mu.Unlock()
		return a.admitted(start), nil
	}
	wait := time.Until(startBy)
	if wait <= 0 {
		a.mu.Unlock()
		a.shed[p].Add(1)
		return Place{}, ErrBusy
	}
	w := &waiter{ready: make(chan struct{}, 1)}
	// Continuing hops are served oldest first. New sessions are served newest first: under
	// a long overload the oldest of them would only start just before they give up, and the
	// newest one still has its whole wait ahead (the "adaptive LIFO" of busy RPC servers).
	var el *list.Element
	if p == New {
		el = a.waiting[p].PushFront(w)
	} else {
		el = a.waiting[p].PushBack(w)
	}
	a.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return a.admitted(start), nil
	case <-timer.C:
		err = ErrBusy
	case <-ctx.Done():
		err = ctx.Err()
	}
	a.mu.Lock()
	select {
	case <-w.ready:
		// A place was handed over as we gave up: pass it on rather than lose it.
		a.handOver()
	default:
		a.waiting[p].Remove(el)
	}
	a.mu.Unlock()
	if errors.Is(err, ErrBusy) {
		a.shed[p].Add(1)
	}
	return Place{}, err
}

// admitted counts a hop that holds a place.
func (a *Admission) admitted(start time.Time) Place {
	a.inFlight.Add(1)
	return Place{a: a, start: start}
}

// handOver gives a place that came free to the next waiter of the first priority that has
// one, or frees it. a.mu is held.
func (a *Admission) handOver() {
	for p := range a.waiting {
		if front := a.waiting[p].Front(); front != nil {
			a.waiting[p].Remove(front)
			front.Value.(*waiter).ready <- struct{}{}
			return
		}
	}
	a.running--
}

// Served is how many hops have finished since the start, and the time they took in all from
// asking for a place to giving it back. The SMS outbox paces a drain by the hops' mean time
// (outbox.Config.Hops).
func (a *Admission) Served() (hops uint64, took time.Duration) {
	return a.served.Load(), time.Duration(a.took.Load())
}

// InFlight is the number of hops running now.
func (a *Admission) InFlight() int { return int(a.inFlight.Load()) }

// Waiting is the number of hops waiting for a place now.
func (a *Admission) Waiting() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.waiting[Continuing].Len() + a.waiting[New].Len()
}

// Shed is the number of hops of priority p answered busy since the start.
func (a *Admission) Shed(p Priority) uint64 { return a.shed[p].Load() }

// Max is the bound on hops in flight.
func (a *Admission) Max() int { return a.max }
