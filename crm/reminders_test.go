package crm_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// outboxOf lists a phone's messages as "kind lang p<priority> essential=<bool> subject", in
// the order they were queued.
func outboxOf(t *testing.T, s crm.Store, phone crm.Phone) []string {
	t.Helper()
	rows, err := s.Notifications(storetest.Context(t), crm.NotificationFilter{Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range rows {
		out = append(out, fmt.Sprintf("%s %s p%d essential=%t %s", n.Kind, n.Lang, n.Priority, n.Essential, n.Subject))
	}
	return out
}

func wantMessages(t *testing.T, s crm.Store, phone crm.Phone, want ...string) {
	t.Helper()
	if got := outboxOf(t, s, phone); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages to %s:\n got %s\nwant %s", phone, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func (o *office) book(t *testing.T, phone crm.Phone, service, dayS string, start int) crm.Appointment {
	t.Helper()
	a, err := o.desk.Book(storetest.Context(t), crm.Booking{Phone: phone, Centre: "KSM", Service: service, Day: day(dayS), Start: start})
	if err != nil {
		t.Fatalf("book %s %s %s: %v", phone, service, dayS, err)
	}
	return a
}

// queueAt sets the clock and runs the reminder scheduler once.
func (o *office) queueAt(t *testing.T, when string, want int) {
	t.Helper()
	o.clock.Set(at(when))
	n, err := o.desk.QueueReminders(storetest.Context(t))
	if err != nil {
		t.Fatalf("reminders at %s: %v", when, err)
	}
	if n != want {
		t.Fatalf("reminders at %s: %d queued, want %d", when, n, want)
	}
}

func TestBookingNotifications(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		s := open(t)
		o := newOffice(t, s, at("2026-11-24 09:00"))
		ctx := storetest.Context(t)
		en, sw := crm.Phone("+254712000201"), crm.Phone("+254712000202")
		if err := o.desk.SetLanguage(ctx, sw, crm.Swahili); err != nil {
			t.Fatal(err)
		}

		a := o.book(t, en, "BIRTH-CERT", "2026-11-25", 10*60)
		b := o.book(t, sw, "BIRTH-CERT", "2026-11-25", 10*60)
		subject := func(a crm.Appointment) string { return "appointment:" + string(a.Ref) }
		wantMessages(t, s, en, "booking_confirmed en p5 essential=true "+subject(a))
		wantMessages(t, s, sw, "booking_confirmed sw p5 essential=true "+subject(b))
		rows, err := s.Notifications(ctx, crm.NotificationFilter{Subject: subject(a)})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"ref": string(a.Ref), "centre": "KSM", "service": "BIRTH-CERT", "day": "2026-11-25", "time": "10:00"}
		if fmt.Sprint(rows[0].Params) != fmt.Sprint(want) {
			t.Fatalf("confirmation params %v, want %v", rows[0].Params, want)
		}

		// An aggregator's repeat of the same booking: the same appointment, no second message.
		key := crm.Booking{Phone: en, Centre: "KSM", Service: "ID-NEW", Day: day("2026-11-26"), Start: 9 * 60, IdempotencyKey: "s1/h4"}
		first, err := o.desk.Book(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		again, err := o.desk.Book(ctx, key)
		if err != nil || again.Ref != first.Ref {
			t.Fatalf("repeat: %v, %v", again.Ref, err)
		}

		// Cancelling tells the citizen once; a second cancel says it was cancelled already.
		got, cancelled, err := o.desk.CancelBooking(ctx, en, a.Ref, "")
		if err != nil || !cancelled || got.Status != crm.StatusCancelled {
			t.Fatalf("cancel: %v %v %v", got.Status, cancelled, err)
		}
		if _, cancelled, err = o.desk.CancelBooking(ctx, en, a.Ref, ""); err != nil || cancelled {
			t.Fatalf("cancel again: cancelled=%v, %v", cancelled, err)
		}
		// Moving an appointment confirms the new time.
		if _, err := o.desk.Reschedule(ctx, sw, b.Ref, "KSM", "BIRTH-CERT", day("2026-11-27"), 11*60); err != nil {
			t.Fatal(err)
		}
		wantMessages(t, s, en,
			"booking_confirmed en p5 essential=true "+subject(a),
			"booking_confirmed en p5 essential=true "+subject(first),
			"booking_cancelled en p5 essential=true "+subject(a))
		wantMessages(t, s, sw,
			"booking_confirmed sw p5 essential=true "+subject(b),
			"booking_confirmed sw p5 essential=true "+subject(b))
		rows, err = s.Notifications(ctx, crm.NotificationFilter{Subject: subject(b)})
		if err != nil {
			t.Fatal(err)
		}
		if p := rows[1].Params; p["day"] != "2026-11-27" || p["time"] != "11:00" {
			t.Fatalf("reschedule confirmation params %v", p)
		}
	})
}

// TestReminders walks two days of the reminder scheduler with a fake clock: the evening
// reminder from 18:00 the day before, the morning one from 06:30, each once, none for a
// cancelled appointment or one booked after the reminder's time, and no morning reminder once
// the appointment has begun.
func TestReminders(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		s := open(t)
		o := newOffice(t, s, at("2026-11-24 09:00")) // a Tuesday
		ctx := storetest.Context(t)
		p := func(i int) crm.Phone { return crm.Phone(fmt.Sprintf("+2547120003%02d", i)) }
		if err := o.desk.SetLanguage(ctx, p(4), crm.Swahili); err != nil {
			t.Fatal(err)
		}
		a := o.book(t, p(1), "BIRTH-CERT", "2026-11-25", 10*60) // Wednesday
		c := o.book(t, p(3), "BIRTH-CERT", "2026-11-25", 9*60)
		d := o.book(t, p(4), "BIRTH-CERT", "2026-11-26", 10*60) // Thursday
		f := o.book(t, p(6), "BIRTH-CERT", "2026-11-26", 8*60)
		if _, err := o.desk.Cancel(ctx, p(3), c.Ref, ""); err != nil {
			t.Fatal(err)
		}

		o.queueAt(t, "2026-11-24 17:59", 0)
		o.queueAt(t, "2026-11-24 18:00", 1) // a's evening
		o.queueAt(t, "2026-11-24 18:01", 0)
		o.clock.Set(at("2026-11-24 19:00"))
		b := o.book(t, p(2), "BIRTH-CERT", "2026-11-25", 8*60+30) // booked after 18:00
		o.queueAt(t, "2026-11-24 19:00", 0)
		o.queueAt(t, "2026-11-24 23:59", 0)
		o.queueAt(t, "2026-11-25 06:29", 0)
		o.queueAt(t, "2026-11-25 06:30", 2) // a's and b's mornings
		o.queueAt(t, "2026-11-25 08:31", 0)
		o.queueAt(t, "2026-11-25 18:00", 2) // d's and f's evenings
		// The scheduler was down from then until 09:00: f (08:00) has begun, so only d gets
		// its morning reminder.
		o.queueAt(t, "2026-11-26 09:00", 1)
		o.queueAt(t, "2026-11-26 09:30", 0)

		bulk := func(kind string, l crm.Lang, a crm.Appointment) string {
			return fmt.Sprintf("%s %s p%d essential=false appointment:%s", kind, l, crm.PriorityBulk, a.Ref)
		}
		confirmed := func(l crm.Lang, a crm.Appointment) string {
			return fmt.Sprintf("booking_confirmed %s p5 essential=true appointment:%s", l, a.Ref)
		}
		wantMessages(t, s, p(1), confirmed("en", a), bulk("reminder_evening", "en", a), bulk("reminder_morning", "en", a))
		wantMessages(t, s, p(2), confirmed("en", b), bulk("reminder_morning", "en", b))
		wantMessages(t, s, p(3), confirmed("en", c), fmt.Sprintf("booking_cancelled en p5 essential=true appointment:%s", c.Ref))
		wantMessages(t, s, p(4), confirmed("sw", d), bulk("reminder_evening", "sw", d), bulk("reminder_morning", "sw", d))
		wantMessages(t, s, p(6), confirmed("en", f), bulk("reminder_evening", "en", f))

		rows, err := s.Notifications(ctx, crm.NotificationFilter{Phone: p(4), Kind: crm.NotifyReminderEvening})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"ref": string(d.Ref), "centre": "KSM", "service": "BIRTH-CERT", "day": "2026-11-26", "time": "10:00"}
		if fmt.Sprint(rows[0].Params) != fmt.Sprint(want) {
			t.Fatalf("reminder params %v, want %v", rows[0].Params, want)
		}
	})
}

// TestRemindersAcrossReplicas runs the scheduler of several replicas at once over the same
// store: every appointment gets each reminder once.
func TestRemindersAcrossReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) crm.Store) {
		s := open(t)
		first := newOffice(t, s, at("2026-11-24 09:00"))
		services := []string{"BIRTH-CERT", "ID-NEW", "KRA-PIN"}
		const appts = 24
		for i := range appts {
			first.book(t, crm.Phone(fmt.Sprintf("+2547120004%02d", i)), services[i%3], "2026-11-25", 8*60+(i/3)*30)
		}
		const replicas = 4
		offices := make([]*office, replicas)
		for r := range offices {
			offices[r] = newOffice(t, s, at("2026-11-24 18:05"))
		}
		var (
			wg     sync.WaitGroup
			start  = make(chan struct{})
			counts = make([]int, replicas)
			errs   = make([]error, replicas)
		)
		for r, o := range offices {
			wg.Go(func() {
				<-start
				counts[r], errs[r] = o.desk.QueueReminders(storetest.Context(t))
			})
		}
		close(start)
		wg.Wait()
		total := 0
		for r := range offices {
			if errs[r] != nil {
				t.Fatalf("replica %d: %v", r, errs[r])
			}
			total += counts[r]
		}
		rows, err := s.Notifications(storetest.Context(t), crm.NotificationFilter{Kind: crm.NotifyReminderEvening})
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, n := range rows {
			refs = append(refs, n.Params["ref"])
		}
		sort.Strings(refs)
		for i := 1; i < len(refs); i++ {
			if refs[i] == refs[i-1] {
				t.Fatalf("two evening reminders for %s", refs[i])
			}
		}
		if total != appts || len(rows) != appts {
			t.Fatalf("replicas queued %v (%d rows), want %d in all", counts, len(rows), appts)
		}
	})
}
