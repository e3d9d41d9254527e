package ussd_test

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/ussd"
)

// stallingStore is the real store with a switch that makes SetLanguage (the first write of a
// new caller) stall: it waits for release and then does its work regardless of the hop's
// context, as a database whose lock has just been freed does. Each stalled call hands its
// hop's context to entered. calls counts every call that reached it through SetLanguage or
// Language.
type stallingStore struct {
	crm.Store
	stall   atomic.Pointer[chan struct{}]
	entered chan context.Context
	calls   atomic.Int64
}

func newStallingStore(s crm.Store) *stallingStore {
	return &stallingStore{Store: s, entered: make(chan context.Context, 100)}
}

func (s *stallingStore) SetLanguage(ctx context.Context, phone crm.Phone, l crm.Lang) error {
	s.calls.Add(1)
	if release := s.stall.Load(); release != nil {
		s.entered <- ctx
		<-*release
	}
	return s.Store.SetLanguage(context.WithoutCancel(ctx), phone, l)
}

func (s *stallingStore) Language(ctx context.Context, phone crm.Phone) (crm.Lang, error) {
	s.calls.Add(1)
	return s.Store.Language(ctx, phone)
}

// stallUntil makes SetLanguage stall until the returned function is called.
func (s *stallingStore) stallUntil() (release func()) {
	ch := make(chan struct{})
	s.stall.Store(&ch)
	return func() { s.stall.Store(nil); close(ch) }
}

// Hops that ran past their deadline (their store call stalled, as in a database stall at peak)
// get the apology; every session after them works. Before the fix each late hop left a pooled
// menu machine mid-transition, and every later caller got "Sorry, we could not complete that"
// until a restart.
func TestLateHopsDoNotBreakLaterSessions(t *testing.T) {
	var store *stallingStore
	g := newObservedGateway(t, 10, ussd.Config{Deadline: 300 * time.Millisecond},
		func(s crm.Store) crm.Store { store = newStallingStore(s); return store })

	// A garbage collection empties the pool of menu machines, and with it any broken one; an
	// idle gateway allocates too little to collect for minutes. Hold collections off, as that
	// gateway would, so that the test sees what its callers saw.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))

	const stalled = 8
	late := make([]*phone, stalled)
	for i := range late {
		late[i] = g.dial(t, fmt.Sprintf("ATUid_late_%d", i), fmt.Sprintf("+2547120002%02d", i)).expect("CON ")
	}
	release := store.stallUntil()
	var wg sync.WaitGroup
	for _, p := range late {
		wg.Add(1)
		go func() { defer wg.Done(); p.press("1") }() // English, then the stall
	}
	for range stalled {
		<-(<-store.entered).Done() // the stalled hop is past its deadline
	}
	release()
	wg.Wait()
	for _, p := range late {
		p.expect("END Sorry, the service is busy.")
	}

	for i := range 40 {
		p := g.dial(t, fmt.Sprintf("ATUid_after_%d", i), fmt.Sprintf("+2547120003%02d", i)).expect("CON ")
		p.pick("English").expect("CON ").pick("Book appointment").expect("CON ")
	}
	// The late hops are logged as such: a warning each (they were answered politely), not an
	// error that would page someone by the hundred during a stall.
	if n := g.logs.Count("ran out of time"); n < stalled {
		t.Errorf("%d late hops logged as out of time, want %d:\n%s", n, stalled, g.logs.String())
	}
}

// Past the bound on hops in flight, a hop that cannot start before half its deadline is
// answered busy, in both languages, without reaching any store; once a place is free again,
// the same session goes on where it was.
func TestHopsPastTheBoundAreAnsweredBusy(t *testing.T) {
	var store *stallingStore
	admission := flows.NewAdmission(1)
	deadline := 200 * time.Millisecond
	g := newObservedGateway(t, 10, ussd.Config{Deadline: deadline, Admission: admission},
		func(s crm.Store) crm.Store { store = newStallingStore(s); return store })

	holder := g.dial(t, "ATUid_holder", "+254712000401").expect("CON ")
	waiter := g.dial(t, "ATUid_waiter", "+254712000402").expect("CON ")
	release := store.stallUntil()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); holder.pick("English") }() // holds the only place
	<-store.entered

	busy := "END " + g.world.Msgs.Both("notice.busy")
	before := store.calls.Load()
	began := time.Now()
	newcomer := &phone{t: t, g: g, session: "ATUid_newcomer", number: "+254712000403"}
	if newcomer.send(); newcomer.reply != busy {
		t.Fatalf("first hop past the bound:\n%s\nwant\n%s", newcomer.reply, busy)
	}
	if waiter.press("1"); waiter.reply != busy {
		t.Fatalf("continuing hop past the bound:\n%s\nwant\n%s", waiter.reply, busy)
	}
	if waited := time.Since(began); waited >= 2*deadline {
		t.Fatalf("two busy answers took %v; each must come by half the deadline (%v)", waited, deadline/2)
	}
	if n := store.calls.Load() - before; n != 0 {
		t.Fatalf("busy hops reached the store %d times", n)
	}
	if _, err := g.sessions.Load(context.Background(), "ATUid_newcomer"); err == nil {
		t.Fatal("a busy first hop saved a session")
	}
	if admission.Shed(flows.New) != 1 || admission.Shed(flows.Continuing) != 1 {
		t.Fatalf("shed %d new, %d continuing; want 1 and 1", admission.Shed(flows.New), admission.Shed(flows.Continuing))
	}

	release()
	wg.Wait()
	// The network ends a session on END, but a repeat of the shed hop (or the citizen's next
	// key, had the network kept it open) must still work from where it was.
	waiter.history = waiter.history[:0]
	waiter.press("1").expect("CON ")
	if !strings.Contains(waiter.reply, "Book appointment") {
		t.Fatalf("after the overload the session is not at the main menu:\n%s", waiter.reply)
	}
	if admission.InFlight() != 0 {
		t.Fatalf("%d hops still in flight", admission.InFlight())
	}
}
