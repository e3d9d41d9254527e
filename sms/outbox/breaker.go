package outbox

import (
	"math/rand/v2"
	"sync"
	"time"
)

// breaker is the circuit breaker of one provider. While the provider answers it is closed
// and every goroutine sends. After threshold sends in a row fail to reach the provider (no
// connection, a timeout, a 5xx) it opens: nobody claims rows, so the database rests and no
// message spends its attempts on an outage, and one probe at a time (a real message, claimed
// alone) goes out after a wait that doubles up to maxWait. The first probe the provider
// answers closes it, and every goroutine sends at full rate again.
//
// It only decides; the worker logs and counts what the transitions it reports mean, so the
// outage and the recovery are each logged once. Its time is the worker's clock (Config.Now),
// so a test moves it with a fake clock.
type breaker struct {
	threshold int
	firstWait time.Duration
	maxWait   time.Duration
	now       func() time.Time

	mu        sync.Mutex
	failures  int  // consecutive sends that did not reach the provider
	open      bool // sending paused
	probing   bool // a probe is in flight
	nextProbe time.Time
	wait      time.Duration // the wait after the next failed probe
	outage    outage        // the current (or last) outage's counts
}

// outage counts one outage, for the lines that log its start and its end.
type outage struct {
	since     time.Time
	failures  int    // sends that did not reach the provider, before and during the outage
	probes    int    // probes sent
	held      int    // rows given back unsent because the breaker was open
	lastError string // the last failure's reason
}

// breakerState is the value of the huduma_sms_breaker_state gauge.
type breakerState int

const (
	breakerClosed   breakerState = 0 // sending
	breakerOpen     breakerState = 1 // paused, waiting for the next probe
	breakerHalfOpen breakerState = 2 // paused, a probe in flight
)

func newBreaker(threshold int, firstWait, maxWait time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: threshold, firstWait: firstWait, maxWait: maxWait, now: now, wait: firstWait}
}

// admit says whether a goroutine may claim rows now: all it wants while the breaker is
// closed, one (probe) when it is open, a probe is due and none is in flight, none otherwise.
// A goroutine admitted to probe must report the probe's end: reached or unreachable when it
// sent, or noProbe when it found nothing to send.
func (b *breaker) admit() (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return true, false
	case b.probing || b.now().Before(b.nextProbe):
		return false, false
	}
	b.probing = true
	b.outage.probes++
	return true, true
}

// isOpen reports whether sending is paused.
func (b *breaker) isOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}

// state is the breaker's state for the gauge.
func (b *breaker) state() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return breakerClosed
	case b.probing:
		return breakerHalfOpen
	}
	return breakerOpen
}

// reached records that the provider answered a send (whatever it answered). closed is true
// when this ended an outage, with its counts.
func (b *breaker) reached() (closed bool, o outage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = 0
	if !b.open {
		return false, outage{}
	}
	b.open, b.probing, b.wait = false, false, b.firstWait
	return true, b.outage
}

// unreachable records a send that did not reach the provider: a probe, or a send that was in
// flight when the breaker opened. opened is true when this began an outage, with its counts
// so far.
func (b *breaker) unreachable(reason string, probe bool) (opened bool, o outage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.failures == 1 {
		b.outage = outage{since: b.now()}
	}
	b.outage.failures++
	b.outage.lastError = reason
	if b.open {
		if !probe {
			return false, outage{} // a send in flight when the breaker opened
		}
		// The probe failed: wait longer for the next.
		b.probing = false
		b.nextProbe = b.now().Add(spread(b.wait))
		b.wait = min(2*b.wait, b.maxWait)
		return false, outage{}
	}
	if b.failures < b.threshold {
		return false, outage{}
	}
	b.open = true
	b.nextProbe = b.now().Add(spread(b.wait))
	b.wait = min(2*b.wait, b.maxWait)
	return true, b.outage
}

// noProbe gives the probe back unsent (the row it claimed expired, was suppressed, or there
// was none): the next goroutine may probe at once.
func (b *breaker) noProbe() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.probing {
		b.probing = false
		b.outage.probes--
	}
}

// held counts rows given back unsent because the breaker opened while they were claimed.
func (b *breaker) held(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.outage.held += n
}

// spread is a wait drawn between half of d and d, so replicas' probes do not go in step.
func spread(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}
