package outbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/sms/outbox"
)

// barrier holds every send until n are in flight at once (or a send's context ends), then
// lets them all through; it remembers the most it saw in flight together.
type barrier struct {
	outbox.Sender
	n int

	mu       sync.Mutex
	inFlight int
	most     int
	full     chan struct{} // closed when n are in flight
	answered int
	allDone  chan struct{} // closed when n have been answered
}

func newBarrier(s outbox.Sender, n int) *barrier {
	return &barrier{Sender: s, n: n, full: make(chan struct{}), allDone: make(chan struct{})}
}

func (b *barrier) Send(ctx context.Context, m africastalking.Message) ([]africastalking.Result, error) {
	b.mu.Lock()
	b.inFlight++
	b.most = max(b.most, b.inFlight)
	if b.inFlight == b.n {
		close(b.full)
	}
	b.mu.Unlock()
	select {
	case <-b.full:
	case <-ctx.Done():
	}
	res, err := b.Sender.Send(context.WithoutCancel(ctx), m)
	b.mu.Lock()
	b.inFlight--
	if b.answered++; b.answered == b.n {
		close(b.allDone)
	}
	b.mu.Unlock()
	return res, err
}

func (b *barrier) mostInFlight() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.most
}

// TestABatchIsSentAtOnce: the rows one goroutine claims go out together, not one after
// another. Africa's Talking takes a message a request, some 100–300 ms from Nairobi: sent in
// turn, four goroutines would drain 13–40 messages a second.
func TestABatchIsSentAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		ids := enqueue(t, b.store, notes(0, 10))
		bar := newBarrier(sb.client(sb.key, 2*time.Second, nil), 10)
		start(t, b.store, bar, outbox.Config{Workers: 1, Batch: 10, Lease: 20 * time.Second})
		rows := waitSettled(t, b.store, ids, time.Minute)
		if got := bar.mostInFlight(); got != 10 {
			t.Fatalf("at most %d sends in flight together, want the batch's 10", got)
		}
		checkOnce(t, sb, ids, rows)
	})
}

// heldRecords is a store whose first MarkSentAll waits until the test lets it go, so the
// sends that finish meanwhile queue for the next write; it counts the writes.
type heldRecords struct {
	crm.SendingStore
	release chan struct{}

	mu     sync.Mutex
	writes []int // rows of each MarkSentAll
}

func (h *heldRecords) MarkSentAll(ctx context.Context, sent []crm.Sent, now time.Time) ([]error, error) {
	h.mu.Lock()
	h.writes = append(h.writes, len(sent))
	first := len(h.writes) == 1
	h.mu.Unlock()
	if first {
		<-h.release
	}
	return h.SendingStore.MarkSentAll(ctx, sent, now)
}

func (h *heldRecords) sizes() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.writes...)
}

// TestSendsFinishedTogetherAreRecordedInOneWrite: the sends that finish while a write runs
// are recorded by the next one, together (a group commit), not a commit each.
func TestSendsFinishedTogetherAreRecordedInOneWrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		ids := enqueue(t, b.store, notes(0, 10))
		store := &heldRecords{SendingStore: b.store, release: make(chan struct{})}
		var once sync.Once
		release := func() { once.Do(func() { close(store.release) }) }
		bar := newBarrier(sb.client(sb.key, 2*time.Second, nil), 10)
		w := start(t, store, bar, outbox.Config{Workers: 1, Batch: 10, Lease: 20 * time.Second})
		t.Cleanup(release) // runs before start's clean-up, so a failure cannot leave the worker stuck in the held write
		<-bar.allDone
		// The first write took the sends that had finished when it began (one, or a few that
		// finished at the same instant); the rest wait for the next.
		testkit.Eventually(t, func() bool {
			sizes := store.sizes()
			return len(sizes) == 1 && sizes[0]+w.RecordsWaiting() == 10
		}, 10*time.Second, "every send either in the first write or waiting for the next")
		first := store.sizes()[0]
		release()
		rows := waitSettled(t, b.store, ids, time.Minute)
		if got := store.sizes(); len(got) != 2 || got[1] != 10-first {
			t.Fatalf("writes of %v rows, want [%d %d]: what waited, written together", got, first, 10-first)
		}
		checkOnce(t, sb, ids, rows)
	})
}

// counted is a store that counts the worker's calls in flight at once.
type counted struct {
	crm.SendingStore

	mu       sync.Mutex
	inFlight int
	most     int
}

func (c *counted) enter() func() {
	c.mu.Lock()
	c.inFlight++
	c.most = max(c.most, c.inFlight)
	c.mu.Unlock()
	time.Sleep(time.Millisecond) // long enough for calls that are not held back to overlap
	return func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}
}

func (c *counted) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, quiet bool) ([]crm.ClaimedNotification, error) {
	defer c.enter()()
	return c.SendingStore.ClaimNotifications(ctx, now, limit, lease, quiet)
}

func (c *counted) MarkSentAll(ctx context.Context, sent []crm.Sent, now time.Time) ([]error, error) {
	defer c.enter()()
	return c.SendingStore.MarkSentAll(ctx, sent, now)
}

func (c *counted) MarkRetry(ctx context.Context, cl crm.Claim, next time.Time, reason string, now time.Time) error {
	defer c.enter()()
	return c.SendingStore.MarkRetry(ctx, cl, next, reason, now)
}

func (c *counted) Postpone(ctx context.Context, cl crm.Claim, next time.Time, reason string, now time.Time) error {
	defer c.enter()()
	return c.SendingStore.Postpone(ctx, cl, next, reason, now)
}

func (c *counted) Release(ctx context.Context, cl crm.Claim, next time.Time, now time.Time) error {
	defer c.enter()()
	return c.SendingStore.Release(ctx, cl, next, now)
}

func (c *counted) mostInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.most
}

// TestTheWorkerHoldsABoundedShareOfTheStore: however many goroutines claim and however
// many sends finish at once, the worker holds at most StoreConns of the store's connections,
// so the citizens' hops find the rest free while a backlog drains. Some sends fail for now
// (HTTP 500), so postponing rows counts too.
func TestTheWorkerHoldsABoundedShareOfTheStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{Faults: atsandbox.Faults{FailRate: 0.2}})
		ids := enqueue(t, b.store, notes(0, 300))
		store := &counted{SendingStore: b.store}
		start(t, store, sb.client(sb.key, 2*time.Second, nil), outbox.Config{Workers: 8, Batch: 10, StoreConns: 2})
		rows := waitSettled(t, b.store, ids, 2*time.Minute)
		if got := store.mostInFlight(); got > 2 {
			t.Fatalf("%d store calls of the worker in flight together, want at most StoreConns (2)", got)
		}
		checkOnce(t, sb, ids, rows)
	})
}

// contention is the citizens' hops on a machine the outbox shares: each hop takes normal,
// and longer the more messages went out in the last tenth of a second (perShare more for
// each share of them), as the hops of bench/outage.sh do on 2 cores. It is the Sender (the
// sends counted) and Config.Hops (the hops, 1,000 a second, counted up to now).
type contention struct {
	outbox.Sender
	normal   time.Duration
	share    int
	mu       sync.Mutex
	sends    []time.Time
	at       time.Time
	hops     uint64
	took     time.Duration
	worst    time.Duration // the slowest hop
	slowHops uint64        // hops past twice normal
}

func (c *contention) Send(ctx context.Context, m africastalking.Message) ([]africastalking.Result, error) {
	c.mu.Lock()
	c.sends = append(c.sends, time.Now())
	c.mu.Unlock()
	return c.Sender.Send(ctx, m)
}

func (c *contention) Hops() (uint64, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.at.IsZero() {
		c.at = now
	}
	n := uint64(1000 * now.Sub(c.at).Seconds())
	if n == 0 {
		return c.hops, c.took
	}
	recent := 0
	for _, at := range c.sends {
		if now.Sub(at) < 100*time.Millisecond {
			recent++
		}
	}
	hop := c.normal * time.Duration(1+recent/c.share)
	c.hops, c.took, c.at = c.hops+n, c.took+time.Duration(n)*hop, now
	c.worst = max(c.worst, hop)
	if hop > 2*c.normal {
		c.slowHops += n
	}
	return c.hops, c.took
}

// TestADrainGivesWayToTheHops: while a backlog drains, the outbox sends only as fast as the
// citizens' hops keep near their normal time (Config.Hops), yet every message goes out, once.
// Unpaced, the drain here sends a few hundred messages in a tenth of a second, and each hop
// would take many times its normal time.
func TestADrainGivesWayToTheHops(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		ids := enqueue(t, b.store, notes(0, 150))
		c := &contention{Sender: sb.client(sb.key, 2*time.Second, nil), normal: time.Millisecond, share: 20}
		stop := make(chan struct{})
		hopsDone := make(chan struct{})
		go func() { // the hops go on whether the worker asks about them or not
			defer close(hopsDone)
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
					c.Hops()
				}
			}
		}()
		w := start(t, b.store, c, outbox.Config{Workers: 4, Batch: 10, Hops: c.Hops})
		rows := waitSettled(t, b.store, ids, time.Minute)
		close(stop)
		<-hopsDone
		checkOnce(t, sb, ids, rows)
		c.mu.Lock()
		defer c.mu.Unlock()
		if got := metric(t, w, "huduma_sms_hop_normal_seconds"); got != 0.001 {
			t.Errorf("huduma_sms_hop_normal_seconds = %v, want the hops' 1ms measured while the outbox held back", got)
		}
		if share := float64(c.slowHops) / float64(c.hops); share > 0.05 {
			t.Fatalf("%.0f%% of %d hops took over twice their normal time (the slowest %v) while 150 messages drained",
				100*share, c.hops, c.worst)
		}
	})
}

// TestABatchRefusedTogetherPausesOnce: when every send of a batch is refused for the
// credentials at the same moment, sending pauses once, logged once, for the first pause's
// length: each refusal pausing again would double the pause ten times over (to its cap of 15
// minutes) and log ten errors.
func TestABatchRefusedTogetherPausesOnce(t *testing.T) {
	b := openSQLite(t)
	sb := newSandbox(t, atsandbox.Config{})
	log, logs := testkit.Logger(t)
	logs.ExpectError("SENDING PAUSED")
	ids := enqueue(t, b.store, notes(0, 10))
	bar := newBarrier(sb.client("wrong-key", 2*time.Second, log), 10)
	w := start(t, b.store, bar, outbox.Config{Workers: 1, Batch: 10, Lease: 20 * time.Second, AccountPause: time.Hour, Logger: log})
	<-bar.allDone
	testkit.Eventually(t, func() bool { return metric(t, w, "huduma_sms_paused") == 1 }, 10*time.Second, "the worker paused")
	testkit.EventuallyNoError(t, func() error {
		rows, _ := readRows(t, b.store, ids)
		for id, n := range rows {
			if n.Status != crm.OutboxQueued {
				return fmt.Errorf("row %d: %s", id, n.Status)
			}
		}
		return nil
	}, 10*time.Second, "every refused row given back")
	if n := logs.Count("SENDING PAUSED"); n != 1 {
		t.Fatalf("%d pauses logged for one batch refused together, want 1:\n%s", n, logs)
	}
	if n := logs.Count("paused_for=1h0m0s"); n != 1 {
		t.Fatalf("the pause is not the first pause's hour:\n%s", logs)
	}
}
