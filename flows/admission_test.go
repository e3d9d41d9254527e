package flows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/internal/testkit"
)

// far is a start-by time no test reaches.
func far() time.Time { return time.Now().Add(time.Hour) }

// admitted takes a place that must be free at once.
func admitted(t *testing.T, a *flows.Admission, p flows.Priority) func() {
	t.Helper()
	place, err := a.Admit(context.Background(), p, time.Now())
	if err != nil {
		t.Fatalf("admit with places free: %v", err)
	}
	return place.Release
}

// waitFor admits in the background and reports on the channel when it got a place (nil) or
// why not.
func waitFor(a *flows.Admission, p flows.Priority, startBy time.Time) (<-chan error, *func()) {
	done := make(chan error, 1)
	var release func()
	go func() {
		place, err := a.Admit(context.Background(), p, startBy)
		release = place.Release
		done <- err
	}()
	return done, &release
}

// waiting waits until n hops wait for a place (goroutines on their way into the queue).
func waiting(t *testing.T, a *flows.Admission, n int) {
	t.Helper()
	testkit.Eventually(t, func() bool { return a.Waiting() == n }, 10*time.Second, "%d hops waiting", n)
}

func TestAdmissionBoundsTheHopsInFlight(t *testing.T) {
	a := flows.NewAdmission(2)
	r1, r2 := admitted(t, a, flows.New), admitted(t, a, flows.Continuing)
	if a.InFlight() != 2 {
		t.Fatalf("in flight = %d, want 2", a.InFlight())
	}
	// Full, and its start-by time already passed: busy at once, counted by priority.
	for _, p := range []flows.Priority{flows.New, flows.Continuing, flows.Continuing} {
		if _, err := a.Admit(context.Background(), p, time.Now()); !errors.Is(err, flows.ErrBusy) {
			t.Fatalf("admit past the bound: %v, want ErrBusy", err)
		}
	}
	if a.Shed(flows.New) != 1 || a.Shed(flows.Continuing) != 2 {
		t.Fatalf("shed = %d new, %d continuing; want 1, 2", a.Shed(flows.New), a.Shed(flows.Continuing))
	}
	r1()
	r1() // a second release changes nothing
	r3 := admitted(t, a, flows.New)
	if _, err := a.Admit(context.Background(), flows.New, time.Now()); !errors.Is(err, flows.ErrBusy) {
		t.Fatalf("a double release freed two places: %v", err)
	}
	r2()
	r3()
	if a.InFlight() != 0 {
		t.Fatalf("in flight = %d after every release, want 0", a.InFlight())
	}
}

// A hop of a session under way gets the next free place before any session's first hop, and
// among first hops the newest goes first.
func TestAdmissionServesContinuingHopsFirst(t *testing.T) {
	a := flows.NewAdmission(1)
	hold := admitted(t, a, flows.Continuing)
	oldNew, _ := waitFor(a, flows.New, far())
	waiting(t, a, 1)
	newNew, newNewRelease := waitFor(a, flows.New, far())
	waiting(t, a, 2)
	cont, contRelease := waitFor(a, flows.Continuing, far())
	waiting(t, a, 3)

	hold()
	if err := <-cont; err != nil {
		t.Fatalf("continuing hop: %v", err)
	}
	select {
	case err := <-oldNew:
		t.Fatalf("a first hop got the place a continuing hop waited for (%v)", err)
	case err := <-newNew:
		t.Fatalf("a first hop got the place a continuing hop waited for (%v)", err)
	default:
	}
	(*contRelease)()
	if err := <-newNew; err != nil {
		t.Fatalf("newest first hop: %v", err)
	}
	(*newNewRelease)()
	if err := <-oldNew; err != nil {
		t.Fatalf("oldest first hop: %v", err)
	}
}

// A waiting hop gives up at its start-by time, or when its context ends, and leaves the queue.
func TestAdmissionWaitEnds(t *testing.T) {
	a := flows.NewAdmission(1)
	hold := admitted(t, a, flows.Continuing)
	defer hold()

	busy, _ := waitFor(a, flows.Continuing, time.Now().Add(20*time.Millisecond))
	if err := <-busy; !errors.Is(err, flows.ErrBusy) {
		t.Fatalf("wait past its start-by time: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { _, err := a.Admit(ctx, flows.New, far()); gone <- err }()
	waiting(t, a, 1)
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v, want context.Canceled", err)
	}
	if a.Waiting() != 0 || a.Shed(flows.Continuing) != 1 || a.Shed(flows.New) != 0 {
		t.Fatalf("after the waits: %d waiting, shed %d continuing, %d new; want 0, 1, 0",
			a.Waiting(), a.Shed(flows.Continuing), a.Shed(flows.New))
	}
}

// However hops come and go, give up and get places at the same moment, no place is lost or
// made: afterwards exactly the bound can be admitted again.
func TestAdmissionLosesNoPlace(t *testing.T) {
	const limit = 4
	a := flows.NewAdmission(limit)
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := flows.Priority(i % 2)
			place, err := a.Admit(context.Background(), p, time.Now().Add(time.Duration(i%5)*100*time.Microsecond))
			if err == nil {
				time.Sleep(50 * time.Microsecond)
				place.Release()
			}
		}()
	}
	wg.Wait()
	if a.InFlight() != 0 || a.Waiting() != 0 {
		t.Fatalf("after the storm: %d in flight, %d waiting", a.InFlight(), a.Waiting())
	}
	for range limit {
		admitted(t, a, flows.New)
	}
	if _, err := a.Admit(context.Background(), flows.New, time.Now()); !errors.Is(err, flows.ErrBusy) {
		t.Fatalf("more than the bound admitted after the storm: %v", err)
	}
}

// Served counts the hops that finished and the time they took, a wait for a place included,
// once each however often a place is released; a hop answered busy is not counted.
func TestAdmissionCountsTheHopsServed(t *testing.T) {
	a := flows.NewAdmission(1)
	release := admitted(t, a, flows.New)
	done, second := waitFor(a, flows.Continuing, far())
	waiting(t, a, 1)
	if _, err := a.Admit(context.Background(), flows.New, time.Now()); !errors.Is(err, flows.ErrBusy) {
		t.Fatalf("a third hop with no place and no time to wait: %v, want ErrBusy", err)
	}
	time.Sleep(20 * time.Millisecond)
	release()
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	(*second)()
	hops, took := a.Served()
	if hops != 2 {
		t.Fatalf("served %d hops, want 2", hops)
	}
	if took < 40*time.Millisecond {
		t.Errorf("the hops took %v in all; the first held its place 20 ms and the second waited as long", took)
	}
}
