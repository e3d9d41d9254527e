package outbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/sms/outbox"
	"github.com/huduma-connect/huduma/store/postgres"
	"github.com/huduma-connect/huduma/store/storetest"
)

// Two replicas, each with four goroutines, drain one outbox: every row is sent exactly once
// (counted at the sandbox), records the sandbox's message id, and its delivery report comes
// back through the callback onto the row, even when it overtakes the worker.
func TestTwoReplicasSendEachRowOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		// Reports come 1ms after the send, often before the worker has recorded it: the store
		// keeps such a report until MarkSent.
		sb := newSandbox(t, atsandbox.Config{DeliveryURL: deliveryEndpoint(t, b.store), DeliveryDelay: time.Millisecond})
		ids := enqueue(t, b.store, notes(0, 300))
		start(t, b.store, sb.client(sb.key, 2*time.Second, nil), outbox.Config{Workers: 4})
		start(t, b.replica(t), sb.client(sb.key, 2*time.Second, nil), outbox.Config{Workers: 4})
		rows := waitSettled(t, b.store, ids, time.Minute)
		checkOnce(t, sb, ids, rows)
		for id, n := range rows {
			if n.Status != crm.OutboxSent || n.Attempts != 1 || n.Cost == "" || n.SentAt.IsZero() {
				t.Fatalf("row %d: status %q attempts %d cost %q sent %v, want sent once with a cost", id, n.Status, n.Attempts, n.Cost, n.SentAt)
			}
		}
		// Delivery reports follow, asynchronously.
		testkit.EventuallyNoError(t, func() error {
			rows, _ = readRows(t, b.store, ids)
			delivered := 0
			for _, n := range rows {
				if n.DeliveryStatus == "Success" {
					delivered++
				}
			}
			if delivered < len(ids) {
				return fmt.Errorf("%d of %d rows have a Success delivery report", delivered, len(ids))
			}
			return nil
		}, 30*time.Second, "delivery reports")
	})
}

// Africa's Talking answers 500, hangs past the client's timeout, refuses recipients with
// 500, or the connection drops: no message is lost (every row ends sent or failed), none is
// sent twice, and every failure says why.
func TestFaultsLoseNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{Faults: atsandbox.Faults{FailRate: 0.25, TimeoutRate: 0.05, RecipientFailRate: 0.1}})
		sb.resetRate = 0.1
		ids := enqueue(t, b.store, notes(0, 150))
		w := start(t, b.store, sb.client(sb.key, 400*time.Millisecond, nil), outbox.Config{Workers: 4, MaxAttempts: 8})
		rows := waitSettled(t, b.store, ids, time.Minute)
		checkOnce(t, sb, ids, rows)
		retried := 0
		for id, n := range rows {
			switch n.Status {
			case crm.OutboxSent:
				if n.FailureReason != "" {
					t.Fatalf("sent row %d keeps a failure reason %q", id, n.FailureReason)
				}
			case crm.OutboxFailed:
				if n.FailureReason == "" || n.Attempts != 8 {
					t.Fatalf("failed row %d: reason %q attempts %d, want a reason and 8 attempts", id, n.FailureReason, n.Attempts)
				}
			default:
				t.Fatalf("row %d: status %q", id, n.Status)
			}
			if n.Attempts > 1 {
				retried++
			}
		}
		if retried == 0 {
			t.Fatal("no row was retried: the faults did not happen")
		}
		if got := metric(t, w, "huduma_sms_retried_total"); got < float64(retried) {
			t.Fatalf("huduma_sms_retried_total = %v, want at least %d", got, retried)
		}
		sb.mu.Lock()
		requests := sb.requests
		sb.mu.Unlock()
		t.Logf("%d requests for %d rows; %d rows needed more than one attempt", requests, len(ids), retried)
	})
}

// Africa's Talking takes a message but its answer arrives after the client gave up: the
// worker cannot tell this from a request that never arrived, retries, and the message goes
// twice. This is the documented duplicate window; the test pins that it is exactly the late
// answers and nothing more.
func TestLateAnswerIsTheKnownDuplicateWindow(t *testing.T) {
	b := openSQLite(t)
	sb := newSandbox(t, atsandbox.Config{})
	const late = 3
	sb.lateAnswer, sb.late = late, time.Second
	ids := enqueue(t, b.store, notes(0, 20))
	start(t, b.store, sb.client(sb.key, 200*time.Millisecond, nil), outbox.Config{Workers: 2})
	rows := waitSettled(t, b.store, ids, time.Minute)
	got := sb.accepted()
	twice := 0
	for id, text := range ids {
		if rows[id].Status != crm.OutboxSent {
			t.Fatalf("row %d: status %q, want sent", id, rows[id].Status)
		}
		switch got[text] {
		case 1:
		case 2:
			twice++
			// The others were answered, so the unanswered send was this message's, not an
			// outage's: it counts an attempt, and MaxAttempts bounds the repeats.
			if rows[id].Attempts != 2 {
				t.Fatalf("row %d sent twice in %d counted attempts, want 2", id, rows[id].Attempts)
			}
		default:
			t.Fatalf("row %d sent %d times", id, got[text])
		}
	}
	if twice != late {
		t.Fatalf("%d rows sent twice, want %d (one per late answer)", twice, late)
	}
}

// The gateway dies between claiming rows and sending them: the rows stay 'sending' until
// their lease runs out, then a worker claims them again and sends each exactly once.
func TestCrashBetweenClaimAndSend(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		ids := enqueue(t, b.store, notes(0, 40))
		const lease = 700 * time.Millisecond
		// The lease runs from the time the claim is made at, so a worker can take these rows
		// again only once time.Since(claimedAt) has reached it.
		claimedAt := time.Now()
		abandoned, err := b.store.ClaimNotifications(storetest.Context(t), claimedAt, 25, lease, false)
		if err != nil || len(abandoned) != 25 {
			t.Fatalf("claim to abandon: %d rows, %v", len(abandoned), err)
		}
		start(t, b.store, sb.client(sb.key, 2*time.Second, nil), outbox.Config{Workers: 4})
		rows := waitSettled(t, b.store, ids, time.Minute)
		if time.Since(claimedAt) < lease {
			t.Fatalf("settled %v after the abandoned claim, before its lease of %v ran out", time.Since(claimedAt), lease)
		}
		checkOnce(t, sb, ids, rows)
		lost := map[int64]bool{}
		for _, c := range abandoned {
			lost[c.ID] = true
		}
		for id, n := range rows {
			want := 1
			if lost[id] {
				want = 2 // the dead worker's claim counts
			}
			if n.Status != crm.OutboxSent || n.Attempts != want {
				t.Fatalf("row %d: status %q attempts %d, want sent in %d", id, n.Status, n.Attempts, want)
			}
		}
		// The dead worker comes back and tries to record a send: refused.
		err = b.store.MarkSent(storetest.Context(t), abandoned[0].Claim, "ATXid_ghost", "", time.Now())
		if err == nil || !strings.Contains(err.Error(), crm.ErrClaimLost.Error()) {
			t.Fatalf("MarkSent by the dead worker: %v, want ErrClaimLost", err)
		}
	})
}

// The database drops every connection of the worker, again and again, while it sends (for
// Postgres, pg_terminate_backend on the worker's pool): the worker recovers, every row is
// sent, and none twice, because recording an outcome is retried on a new connection.
func TestDatabaseRestartWhileSending(t *testing.T) {
	for _, bk := range backends {
		if bk.name != "postgres" {
			continue // an embedded SQLite file has no server to restart
		}
		t.Run(bk.name, func(t *testing.T) {
			b := bk.open(t)
			app := storetest.UniqueName("outbox_worker")
			workerURL := withParam(t, b.url, "application_name", app)
			pool, err := postgres.Open(storetest.Context(t), workerURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			sb := newSandbox(t, atsandbox.Config{})
			ids := enqueue(t, b.store, notes(0, 300))
			log, logs := testkit.Logger(t)
			// A write that cannot be recorded before its lease ends is logged as an error; the
			// row is then claimed again, and checkOnce below still holds the worker to
			// sending each message once.
			logs.AllowError("could not record the outcome before the lease ran out")
			start(t, pool, sb.client(sb.key, 2*time.Second, nil), outbox.Config{Workers: 4, Rate: 150, Lease: 3 * time.Second,
				Logger: log})

			admin, err := pgx.Connect(storetest.Context(t), b.url)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close(context.Background())
			// Terminate the worker's connections six times while it sends: each time the sandbox
			// has taken another 40 of the 300 messages, so every termination lands mid-work
			// however fast or slow the machine is.
			killed := 0
			for round := 1; round <= 6; round++ {
				testkit.Eventually(t, func() bool { return sb.acceptedCount() >= 40*round }, time.Minute,
					"the sandbox took %d messages", 40*round)
				var n int
				if err := admin.QueryRow(storetest.Context(t), `SELECT count(*) FROM
					(SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) k`, app).Scan(&n); err != nil {
					t.Fatalf("terminate the worker's connections: %v", err)
				}
				killed += n
			}
			if killed == 0 {
				t.Fatal("no connection of the worker was terminated")
			}
			rows := waitSettled(t, b.store, ids, time.Minute)
			checkOnce(t, sb, ids, rows)
			for id, n := range rows {
				if n.Status != crm.OutboxSent {
					t.Fatalf("row %d: status %q, want sent", id, n.Status)
				}
			}
			// The terminations hit the worker mid-work: it saw its statements fail, and recovered.
			claims := logs.Count("claiming rows failed")
			outcomes := logs.Count("recording the outcome failed")
			if claims+outcomes == 0 {
				t.Fatalf("the worker never saw a failed statement:\n%s", logs)
			}
			t.Logf("terminated %d connections of the worker while it sent %d messages: %d claims and %d outcome writes failed and were retried",
				killed, len(ids), claims, outcomes)
		})
	}
}

// Africa's Talking refuses the credentials: nothing is failed or counted, every goroutine
// pauses, the error is logged loudly without the key, and once the key is right the queue
// goes out.
func TestUnauthorizedPausesWithoutBurningAttempts(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		log, logs := testkit.Logger(t)
		logs.ExpectError("SENDING PAUSED")
		const wrongKey = "wrong-key-do-not-log-7f3a9c"
		var sender atomic.Pointer[africastalking.Client]
		sender.Store(sb.client(wrongKey, time.Second, log))
		ids := enqueue(t, b.store, notes(0, 10))
		w := start(t, b.store, switching{&sender}, outbox.Config{Workers: 3, AccountPause: 300 * time.Millisecond, Logger: log})
		testkit.Eventually(t, func() bool { return metric(t, w, "huduma_sms_paused") == 1 }, 10*time.Second, "the worker paused")
		rows, _ := readRows(t, b.store, ids)
		for id, n := range rows {
			if n.Status == crm.OutboxFailed || n.Attempts > 0 && n.Status != crm.OutboxSending {
				t.Fatalf("row %d while paused: status %q attempts %d, want queued with no attempt counted", id, n.Status, n.Attempts)
			}
		}
		sender.Store(sb.client(sb.key, time.Second, log))
		rows = waitSettled(t, b.store, ids, 30*time.Second)
		checkOnce(t, sb, ids, rows)
		for id, n := range rows {
			if n.Status != crm.OutboxSent || n.Attempts != 1 {
				t.Fatalf("row %d: status %q attempts %d, want sent in 1 (the refused tries not counted)", id, n.Status, n.Attempts)
			}
		}
		if metric(t, w, "huduma_sms_paused") != 0 {
			t.Fatal("huduma_sms_paused still 1 after sends got through")
		}
		if !logs.Contains("level=ERROR msg=\"sms outbox: SENDING PAUSED") {
			t.Fatalf("no error logged for the refused credentials:\n%s", logs)
		}
		logs.AssertAbsent(wrongKey, sb.key)
	})
}

// A whole request refused with 403 (an IP allow-list on the account) is an access problem,
// not the message's: the worker pauses and fails nothing.
func TestForbiddenPausesToo(t *testing.T) {
	b := openSQLite(t)
	sb := newSandbox(t, atsandbox.Config{})
	sb.forbid = true
	ids := enqueue(t, b.store, notes(0, 5))
	log, logs := testkit.Logger(t)
	logs.ExpectError("SENDING PAUSED: Africa's Talking refused the credentials or our access")
	w := start(t, b.store, sb.client(sb.key, time.Second, nil), outbox.Config{Workers: 2, AccountPause: 200 * time.Millisecond, Logger: log})
	testkit.Eventually(t, func() bool { return metric(t, w, "huduma_sms_paused") == 1 }, 10*time.Second, "the worker paused")
	sb.mu.Lock()
	sb.forbid = false
	sb.mu.Unlock()
	rows := waitSettled(t, b.store, ids, 30*time.Second)
	checkOnce(t, sb, ids, rows)
	for id, n := range rows {
		if n.Status != crm.OutboxSent || n.Attempts != 1 {
			t.Fatalf("row %d: status %q attempts %d, want sent in 1", id, n.Status, n.Attempts)
		}
	}
}

// Stopping the worker mid-queue finishes the sends in flight and records them, and gives
// back the rows it claimed but did not send: nothing is left held until a lease runs out,
// and every message the sandbox took is recorded as sent. The stop comes after ten sends,
// while later sends are held in flight.
func TestStopLeavesNothingHeld(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		ids := enqueue(t, b.store, notes(0, 100))
		tm, c := fixtures(t)
		g := newGate(sb.client(sb.key, 2*time.Second, nil), 10)
		log, _ := testkit.Logger(t)
		w := outbox.New(b.store, g, tm, func() *crm.Catalog { return c },
			testConfig(outbox.Config{Workers: 4, Rate: 100, Logger: log}))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		select {
		case <-g.reached:
		case <-time.After(time.Minute):
			t.Fatal("the worker did not send ten messages")
		}
		cancel()
		close(g.open) // the sends in flight go on after the stop
		<-done
		rows, _ := readRows(t, b.store, ids)
		count := map[string]int{}
		for _, n := range rows {
			count[n.Status]++
		}
		if count[crm.OutboxSending] != 0 || count[crm.OutboxSent] == 0 || count[crm.OutboxQueued] == 0 {
			t.Fatalf("after stopping mid-queue: %v, want sent and queued rows and none sending", count)
		}
		g.mu.Lock()
		started := g.started
		g.mu.Unlock()
		if count[crm.OutboxSent] != started {
			t.Fatalf("%d sends started, %d rows recorded sent: a send in flight at the stop was dropped", started, count[crm.OutboxSent])
		}
		for id, n := range rows {
			if n.Status == crm.OutboxQueued && n.Attempts != 0 {
				t.Fatalf("row %d given back with %d attempts counted", id, n.Attempts)
			}
		}
		checkOnce(t, sb, ids, rows)
	})
}

// switching sends through whichever client it holds now.
type switching struct {
	c *atomic.Pointer[africastalking.Client]
}

func (s switching) Send(ctx context.Context, m africastalking.Message) ([]africastalking.Result, error) {
	return s.c.Load().Send(ctx, m)
}

// A phone that texted STOP gets essential messages and no others.
func TestOptedOutPhoneGetsOnlyEssentialMessages(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		stopped := note(1, crm.PriorityBulk, false)
		b.optOut(t, stopped.Phone)
		essential := note(2, crm.PriorityNormal, true)
		essential.Phone = stopped.Phone
		other := note(3, crm.PriorityBulk, false)
		ids := enqueue(t, b.store, []crm.Notification{stopped, essential, other})
		w := start(t, b.store, sb.client(sb.key, time.Second, nil), outbox.Config{Workers: 2})
		rows := waitSettled(t, b.store, ids, 30*time.Second)
		checkOnce(t, sb, ids, rows)
		want := map[string]string{"test:1": crm.OutboxSuppressed, "test:2": crm.OutboxSent, "test:3": crm.OutboxSent}
		for _, n := range rows {
			if n.Status != want[n.Subject] {
				t.Fatalf("%s: status %q, want %q", n.Subject, n.Status, want[n.Subject])
			}
		}
		if metric(t, w, "huduma_sms_suppressed_total") != 1 {
			t.Fatal("huduma_sms_suppressed_total is not 1")
		}
	})
}

// Rows that cannot go: params a template cannot use fail at once; a kind this replica does
// not know is retried (a newer replica may) and fails after MaxAttempts; a number Africa's
// Talking refuses fails at once. Each says why.
func TestFailuresSayWhy(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		badParams := note(1, crm.PriorityNormal, true)
		delete(badParams.Params, "case")
		unknown := note(2, crm.PriorityNormal, true)
		unknown.Kind = "no_such_kind"
		foreign := note(3, crm.PriorityNormal, true)
		foreign.Phone = "+15551234567"
		ids := enqueue(t, b.store, []crm.Notification{badParams, unknown, foreign})
		w := start(t, b.store, sb.client(sb.key, time.Second, nil), outbox.Config{Workers: 2, MaxAttempts: 3})
		rows := waitSettled(t, b.store, ids, 30*time.Second)
		want := map[string]struct {
			attempts int
			reason   string
		}{
			"test:1": {1, "missing param \"case\""},
			"test:2": {3, "gave up after 3 attempts; last: cannot render: sms templates: unknown notification kind"},
			"test:3": {1, "Africa's Talking: InvalidPhoneNumber (403)"},
		}
		for _, n := range rows {
			w := want[n.Subject]
			if n.Status != crm.OutboxFailed || n.Attempts != w.attempts || !strings.Contains(n.FailureReason, w.reason) {
				t.Fatalf("%s: status %q attempts %d reason %q, want failed in %d with %q", n.Subject, n.Status, n.Attempts, n.FailureReason, w.attempts, w.reason)
			}
		}
		for reason, n := range map[string]float64{"unrenderable": 1, "exhausted": 1, "refused": 1} {
			if got := metric(t, w, fmt.Sprintf("huduma_sms_failed_total{reason=%q}", reason)); got != n {
				t.Fatalf("huduma_sms_failed_total{reason=%q} = %v, want %v", reason, got, n)
			}
		}
	})
}

// During the quiet hours only urgent and essential messages go; bulk and other
// non-essential ones wait for 07:00.
func TestQuietHours(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sb := newSandbox(t, atsandbox.Config{})
		nairobi := time.FixedZone("EAT", 3*60*60)
		clock := testkit.NewClock(time.Date(2031, 2, 1, 22, 30, 0, 0, nairobi))
		night := enqueue(t, b.store, []crm.Notification{
			note(1, crm.PriorityUrgent, false), note(2, crm.PriorityNormal, true),
		})
		morning := enqueue(t, b.store, []crm.Notification{
			note(3, crm.PriorityBulk, true), note(4, crm.PriorityNormal, false),
		})
		store := &claims{SendingStore: b.store}
		start(t, store, sb.client(sb.key, time.Second, nil), outbox.Config{Workers: 2, Now: clock.Now, Location: nairobi})
		waitSettled(t, b.store, night, 30*time.Second)
		// Let each goroutine look for rows ten more times in the night.
		looked := store.count()
		testkit.Eventually(t, func() bool { return store.count() >= looked+20 }, 30*time.Second, "twenty more claims")
		if rows, pending := readRows(t, b.store, morning); pending != len(morning) || store.took(morning) {
			t.Fatalf("bulk and non-essential rows claimed or sent in the quiet hours: %v", rows)
		}
		clock.Set(time.Date(2031, 2, 2, 7, 0, 0, 0, nairobi))
		waitSettled(t, b.store, morning, 30*time.Second)
	})
}

// metric reads one sample from the worker's /metrics.
func metric(t testing.TB, w *outbox.Worker, name string) float64 {
	t.Helper()
	mfs, err := w.Metrics().Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			id := mf.GetName()
			if len(m.GetLabel()) > 0 {
				var ls []string
				for _, l := range m.GetLabel() {
					ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				}
				id += "{" + strings.Join(ls, ",") + "}"
			}
			if id != name {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
