package outbox

import (
	"testing"
	"time"

	"github.com/huduma-connect/huduma/internal/testkit"
)

// The breaker opens after the threshold of sends in a row that did not reach the provider,
// lets one probe through at a time after a wait that grows, and closes on the first answer.
func TestBreakerOpensAndCloses(t *testing.T) {
	clock := testkit.NewClock(time.Date(2031, 2, 3, 10, 0, 0, 0, time.UTC))
	b := newBreaker(3, 10*time.Second, 40*time.Second, clock.Now)
	admit := func(wantOK, wantProbe bool) {
		t.Helper()
		if ok, probe := b.admit(); ok != wantOK || probe != wantProbe {
			t.Fatalf("admit at %s = %t, %t; want %t, %t (state %d)", clock.Now().Format(time.TimeOnly), ok, probe, wantOK, wantProbe, b.state())
		}
	}
	admit(true, false)
	// Two failures, then an answer: the count starts again.
	b.unreachable("connection refused", false)
	b.unreachable("connection refused", false)
	if closed, _ := b.reached(); closed {
		t.Fatal("reached() closed a breaker that was not open")
	}
	b.unreachable("connection refused", false)
	b.unreachable("connection refused", false)
	admit(true, false)
	opened, out := b.unreachable("HTTP 503", false)
	if !opened || out.failures != 3 || out.lastError != "HTTP 503" {
		t.Fatalf("third failure in a row: opened=%t %+v, want opened with 3 failures and the last error", opened, out)
	}
	if again, _ := b.unreachable("HTTP 503", false); again || b.state() != breakerOpen {
		t.Fatal("a send in flight failing after the breaker opened reopened it, or moved it")
	}
	// Nothing goes until the first probe is due, within the first wait.
	admit(false, false)
	clock.Advance(10 * time.Second)
	admit(true, true)
	if b.state() != breakerHalfOpen {
		t.Fatalf("state with a probe in flight: %d, want half-open", b.state())
	}
	admit(false, false) // one probe at a time
	// The probe found nothing to send: the next goroutine may probe at once.
	b.noProbe()
	admit(true, true)
	// It failed: the next wait is longer, up to the cap.
	waits := []time.Duration{20 * time.Second, 40 * time.Second, 40 * time.Second}
	for _, wait := range waits {
		b.unreachable("connection refused", true)
		clock.Advance(wait/2 - time.Second)
		admit(false, false)
		clock.Advance(wait/2 + time.Second)
		admit(true, true)
	}
	closed, out := b.reached()
	if !closed || b.state() != breakerClosed {
		t.Fatalf("the probe got through: closed=%t state %d, want closed", closed, b.state())
	}
	if out.probes != 4 || out.failures != 7 || !out.since.Equal(time.Date(2031, 2, 3, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("outage counts: %+v, want 4 probes, 7 failed sends, since 10:00", out)
	}
	admit(true, false)
	admit(true, false)
	// The next outage starts from the first wait again.
	for range 3 {
		b.unreachable("connection refused", false)
	}
	clock.Advance(10 * time.Second)
	admit(true, true)
}
