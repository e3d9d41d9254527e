package outbox_test

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
	"github.com/huduma-connect/huduma/sms/outbox"
)

// Africa's Talking cannot be reached for 10 minutes (connection refused), on a fake clock:
// the breaker opens once, the database is left alone but for one probe at a time, no
// message is given up or spends an attempt, and when the provider is back everything goes
// out once, except the confirmation of an appointment that was over by then, which ends
// expired. The outage and the recovery are each logged once, with counts.
func TestOutageLosesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		nairobi := time.FixedZone("EAT", 3*60*60)
		t0 := time.Date(2031, 2, 3, 10, 0, 0, 0, nairobi) // a Monday morning
		clock := testkit.NewClock(t0)
		sb := newSandbox(t, atsandbox.Config{})

		// The messages waiting: replies, a complaint acknowledgement, staff alerts, the
		// confirmation of an appointment tomorrow, and one of an appointment at 09:40, which
		// is over at 10:10, during the outage.
		var queue []crm.Notification
		for i := range 40 {
			queue = append(queue, note(i, crm.PriorityUrgent, true))
		}
		ack := note(100, crm.PriorityNormal, true)
		ack.Kind, ack.Params = crm.NotifyComplaintAck, map[string]string{"case": "600042550", "category": "long_wait"}
		alert := note(101, crm.PriorityStaff, true)
		alert.Kind, alert.Params = crm.NotifyEscalation, map[string]string{"case": "600042550", "level": "2", "category": "long_wait", "centre": "KSM"}
		booking := func(i int, day time.Time, start int) crm.Notification {
			n := note(i, crm.PriorityNormal, true)
			ref, err := crm.NewReference()
			if err != nil {
				t.Fatal(err)
			}
			n.Kind = crm.NotifyBookingConfirmed
			n.Params = crm.AppointmentParams(crm.Appointment{Ref: ref, Centre: "KSM", Service: "ID-NEW", Day: day, Start: start})
			return n
		}
		tomorrow := booking(102, time.Date(2031, 2, 4, 0, 0, 0, 0, time.UTC), 9*60)
		over := booking(103, time.Date(2031, 2, 3, 0, 0, 0, 0, time.UTC), 9*60+40)
		queue = append(queue, ack, alert, tomorrow, over)
		for i := range queue {
			queue[i].CreatedAt = t0.Add(-time.Minute)
		}
		ids := enqueue(t, b.store, queue)

		// Africa's Talking's address refuses connections until it is switched back.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := ln.Addr().String()
		ln.Close()
		var sender atomic.Pointer[africastalking.Client]
		sender.Store(africastalking.New(africastalking.Config{Username: sandboxUser, APIKey: sb.key, BaseURL: "http://" + dead}))

		log, logs := testkit.Logger(t)
		store := &claims{SendingStore: b.store}
		w := start(t, store, switching{&sender}, outbox.Config{Workers: 4, Now: clock.Now, Location: nairobi,
			BaseBackoff: 30 * time.Second, MaxBackoff: time.Hour, BreakerThreshold: 5,
			ProbeWait: 10 * time.Second, MaxProbeWait: time.Minute, Logger: log})

		testkit.Eventually(t, func() bool { return metric(t, w, "huduma_sms_breaker_opened_total{provider=\"africastalking\"}") == 1 },
			30*time.Second, "the breaker opened")
		// Sends in flight when it opened finish (and are put back); then nothing moves.
		testkit.Eventually(t, func() bool {
			rows, _ := readRows(t, b.store, ids)
			for _, n := range rows {
				if n.Status == crm.OutboxSending {
					return false
				}
			}
			return true
		}, 30*time.Second, "no row held")
		claimsAtOpen := store.count()
		postponed := metric(t, w, "huduma_sms_postponed_total")

		// Ten minutes in steps of the longest probe wait: each step lets exactly one probe
		// go, which fails and is put back. The test waits for that, not for time to pass.
		for step := 1; step <= 10; step++ {
			clock.Advance(time.Minute)
			testkit.Eventually(t, func() bool { return metric(t, w, "huduma_sms_postponed_total") >= postponed+1 },
				30*time.Second, "probe %d made and put back", step)
			postponed = metric(t, w, "huduma_sms_postponed_total")
			if state := metric(t, w, "huduma_sms_breaker_state{provider=\"africastalking\"}"); state == 0 {
				t.Fatalf("step %d: the breaker closed while Africa's Talking is down", step)
			}
		}
		// The database was asked for one row per probe, and for nothing else.
		probes := store.count() - claimsAtOpen
		if probes > 10+4 { // ten probes, and at most one claim per goroutine under way as it opened
			t.Fatalf("%d claims in the 10-minute outage, want one per probe (10)", probes)
		}
		rows, _ := readRows(t, b.store, ids)
		for id, n := range rows {
			if n.Status != crm.OutboxQueued || n.Attempts != 0 {
				t.Fatalf("row %d (%s) after 10 minutes of outage: status %q attempts %d, want queued with no attempt spent",
					id, n.Kind, n.Status, n.Attempts)
			}
		}

		// Africa's Talking is back: the next probe gets through and everything goes.
		sender.Store(sb.client(sb.key, 2*time.Second, nil))
		clock.Advance(time.Minute)
		rows = waitSettled(t, b.store, ids, time.Minute)
		delete(ids, idOf(rows, over.Params["ref"]))
		checkOnce(t, sb, ids, rows)
		for id, n := range rows {
			switch {
			case n.Params["ref"] == over.Params["ref"] && n.Kind == crm.NotifyBookingConfirmed:
				if n.Status != crm.OutboxExpired || !strings.Contains(n.FailureReason, "the appointment it is about is over") {
					t.Fatalf("the confirmation of the appointment that is over: status %q reason %q, want expired", n.Status, n.FailureReason)
				}
			case n.Status != crm.OutboxSent || n.Attempts != 1:
				t.Fatalf("row %d (%s): status %q attempts %d, want sent at the first counted attempt", id, n.Kind, n.Status, n.Attempts)
			}
		}
		if got := metric(t, w, `huduma_sms_expired_total{kind="booking_confirmed"}`); got != 1 {
			t.Fatalf("huduma_sms_expired_total{kind=booking_confirmed} = %v, want 1", got)
		}
		if got := metric(t, w, "huduma_sms_breaker_state{provider=\"africastalking\"}"); got != 0 {
			t.Fatalf("breaker state after the recovery: %v, want 0 (closed)", got)
		}
		if down, up := logs.Count("CANNOT BE REACHED"), logs.Count("reachable again"); down != 1 || up != 1 {
			t.Fatalf("the outage logged %d times and the recovery %d times, want once each:\n%s", down, up, logs)
		}
		if !logs.Contains("outage=11m0s") || !logs.Contains("probes=11") {
			t.Fatalf("the recovery line does not give the outage's length and probes:\n%s", logs)
		}
		if n := logs.Count("send failed for now"); n != 0 {
			t.Fatalf("%d lines per failed send, want none (the breaker logs the outage once)", n)
		}
	})
}

// idOf is the id of the row whose ref param is ref.
func idOf(rows map[int64]crm.Notification, ref string) int64 {
	for id, n := range rows {
		if n.Params["ref"] == ref {
			return id
		}
	}
	panic(fmt.Sprintf("no row with ref %s", ref))
}
