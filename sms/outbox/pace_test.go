package outbox

import (
	"golang.org/x/time/rate"
	"log/slog"
	"testing"
	"time"
)

// fakeHops is the citizens' hops as the pacer sees them: rate hops a second, each taking
// took, counted up to the fake clock's now.
type fakeHops struct {
	now   time.Time
	rate  float64
	took  time.Duration
	count hopCount
	at    time.Time
}

func (h *fakeHops) advance(d time.Duration) {
	h.now = h.now.Add(d)
	n := uint64(h.rate * h.now.Sub(h.at).Seconds())
	if n > 0 {
		h.count.n += n
		h.count.took += time.Duration(n) * h.took
		h.at = h.now
	}
}

func (h *fakeHops) read() (uint64, time.Duration) { return h.count.n, h.count.took }

// run drives p for d: every step, hops are counted and sends that want to go ask hold,
// as many as the pace allows (wanted a second at most). It returns the sends let through.
func (h *fakeHops) run(p *pacer, d time.Duration, wanted float64) int {
	const step = 10 * time.Millisecond
	sent, owed := 0, 0.0
	for end := h.now.Add(d); h.now.Before(end); {
		h.advance(step)
		owed += min(wanted, p.pace) * step.Seconds()
		for owed >= 1 {
			if p.hold(h.now) > 0 {
				owed = 0 // a quiet window: the sends wait it out
				break
			}
			owed--
			sent++
		}
	}
	return sent
}

func newFakePacer() (*fakeHops, *pacer) {
	h := &fakeHops{now: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC), rate: 2000, took: time.Millisecond}
	h.at = h.now
	return h, newPacer(h.read, 10, NewMetrics(), slog.New(slog.DiscardHandler), func() time.Time { return h.now })
}

// The pacer measures the hops' normal time in a quiet window, in which no send goes.
func TestPacerMeasuresNormalInAQuietWindow(t *testing.T) {
	h, p := newFakePacer()
	if d := p.hold(h.now); d != quietSettle {
		t.Fatalf("the first send waits %v, want the quiet window's settling %v", d, quietSettle)
	}
	h.took = 40 * time.Millisecond // the sends in flight as the window opens slow the hops: not counted
	h.advance(quietSettle)
	if d := p.hold(h.now); d != quietFor-quietSettle {
		t.Fatalf("a send after the settling waits %v, want the rest of the window %v", d, quietFor-quietSettle)
	}
	h.took = time.Millisecond
	h.advance(quietFor - quietSettle)
	if d := p.hold(h.now); d != 0 {
		t.Fatalf("a send as the window ends waits %v", d)
	}
	if p.normal != time.Millisecond {
		t.Fatalf("normal = %v, want the hops' 1ms in the window after its settling", p.normal)
	}
	if p.pace != paceStart {
		t.Fatalf("pace = %v, want %v to start with citizens about", p.pace, paceStart)
	}
}

// While the hops take longer than normal, the pace falls, down to paceMin and no further;
// once they are back to normal it rises again; with no hops there is no limit.
func TestPaceFollowsTheHops(t *testing.T) {
	h, p := newFakePacer()
	h.run(p, time.Second, 5000)
	start := p.pace
	h.took = 3 * time.Millisecond // the drain slows the hops to 3x normal
	sent := h.run(p, 3*time.Second, 5000)
	if p.pace != paceMin {
		t.Fatalf("after 3 s of hops at 3x normal the pace is %v, want the floor %v", p.pace, paceMin)
	}
	if sent < int(2*paceMin) {
		t.Fatalf("%d sends in 3 s of slow hops: the outbox must slow down, not stop", sent)
	}
	h.took = 1200 * time.Microsecond // within the slack
	h.run(p, 3*time.Second, 5000)
	if p.pace <= 2*paceMin {
		t.Fatalf("after 3 s of hops near normal the pace is still %v (it was %v before the slow hops)", p.pace, start)
	}
	h.rate = 5 // night: too few hops to slow down for
	h.run(p, 6*time.Second, 5000)
	if p.pace != paceFree || p.limit.Limit() != rate.Inf {
		t.Fatalf("with 5 hops a second the pace is %v, want no limit", p.pace)
	}
}

// The pace rises only while it is what holds the outbox back: a trickle of messages never
// earns a pace that a backlog would then swamp the hops with.
func TestPaceRisesOnlyWhenUsed(t *testing.T) {
	h, p := newFakePacer()
	h.run(p, time.Second, 20) // 20 messages a second, a tenth of the starting pace
	before := p.pace
	h.run(p, 10*time.Second, 20)
	if p.pace > before {
		t.Fatalf("a trickle of 20 messages a second raised the pace from %v to %v", before, p.pace)
	}
}

// The quiet windows come back every quietEvery and take a small share of the time.
func TestQuietWindowsRecur(t *testing.T) {
	h, p := newFakePacer()
	sent := h.run(p, 20*time.Second, 1000)
	h.took = 2 * time.Millisecond // the load grew: the next window finds a new normal
	h.run(p, quietEvery+quietFor, 1000)
	if p.normal != 2*time.Millisecond {
		t.Fatalf("normal = %v after the hops settled at 2ms, want 2ms", p.normal)
	}
	if sent == 0 {
		t.Fatal("nothing sent in 20 s")
	}
}
